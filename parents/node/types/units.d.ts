/**
 * A short, safe rendering of a bad value for an error message.
 * @param {unknown} value
 * @returns {string}
 */
export function describe(value: unknown): string;
/**
 * Bytes from a size: a non-negative integer, or a string such as '64K', '256M', '1G', '1.5GiB', '4096'.
 * @param {string} name the option, for the error message
 * @param {unknown} value
 * @returns {number}
 */
export function parseSize(name: string, value: unknown): number;
/**
 * Milliseconds from a duration: a non-negative integer, or a string such as '250ms', '5s', '1.5s', '2m', '1h'.
 * A string needs its unit: '500' alone is refused, as it could mean seconds or milliseconds.
 * @param {string} name the option, for the error message
 * @param {unknown} value
 * @returns {number}
 */
export function parseDuration(name: string, value: unknown): number;
