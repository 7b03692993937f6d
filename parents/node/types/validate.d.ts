/**
 * @param {string} what
 * @returns {SandboxError}
 */
export function protocolError(what: string): SandboxError;
/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
export function isObject(value: unknown): value is Record<string, unknown>;
/**
 * @param {unknown} value
 * @param {string} name
 * @returns {Record<string, unknown>}
 */
export function object(value: unknown, name: string): Record<string, unknown>;
/**
 * @param {unknown} value
 * @param {string} name
 * @returns {string}
 */
export function string(value: unknown, name: string): string;
/**
 * A non-negative safe integer.
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
export function count(value: unknown, name: string): number;
/**
 * @param {unknown} value
 * @param {string} name
 * @returns {number | null}
 */
export function intOrNull(value: unknown, name: string): number | null;
/**
 * @param {unknown} value
 * @param {string} name
 * @returns {boolean}
 */
export function boolean(value: unknown, name: string): boolean;
/**
 * Decodes strict base64 (RFC 4648 §4, padded), as the spec requires of `data` fields.
 * @param {unknown} value
 * @param {string} name
 * @returns {Buffer}
 */
export function base64(value: unknown, name: string): Buffer;
/**
 * @param {unknown} value
 * @param {string} name
 * @param {readonly string[]} allowed
 * @returns {string}
 */
export function oneOf(value: unknown, name: string, allowed: readonly string[]): string;
import { SandboxError } from './errors.js';
