/**
 * Human-readable sizes ('256M', '1.5 GiB', 4096) and durations ('5s', '250ms',
 * '2m', 1500) as used by the options. Sizes are binary (K = 1024). A number is
 * taken as bytes or milliseconds. Anything else is refused with a message that
 * names the option, so a typo never becomes a silent default.
 */

import { SandboxError } from './errors.js';

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?\s*$/i;
const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/i;

/** @type {Record<string, number>} */
const SIZE_UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
/** @type {Record<string, number>} */
const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * @param {string} name
 * @param {unknown} value
 * @param {string} what
 * @returns {SandboxError}
 */
function invalid(name, value, what) {
  return new SandboxError('ERR_INVALID_OPTION', `option '${name}' must be ${what}, got ${describe(value)}`);
}

/**
 * A short, safe rendering of a bad value for an error message.
 * @param {unknown} value
 * @returns {string}
 */
export function describe(value) {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * @param {string} name
 * @param {number} n
 * @param {string} what
 * @returns {number}
 */
function checkInteger(name, n, what) {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw invalid(name, n, what);
  }
  return n;
}

/**
 * Bytes from a size: a non-negative integer, or a string such as '64K', '256M', '1G', '1.5GiB', '4096'.
 * @param {string} name the option, for the error message
 * @param {unknown} value
 * @returns {number}
 */
export function parseSize(name, value) {
  const what = "a size (bytes as an integer, or a string like '256M')";
  if (typeof value === 'number') {
    return checkInteger(name, value, what);
  }
  const m = typeof value === 'string' ? SIZE_RE.exec(value) : null;
  if (!m) {
    throw invalid(name, value, what);
  }
  const unit = (m[2] ?? '').toLowerCase();
  return checkInteger(name, Math.round(Number(m[1]) * SIZE_UNITS[unit]), what);
}

/**
 * Milliseconds from a duration: a non-negative integer, or a string such as '250ms', '5s', '1.5s', '2m', '1h'.
 * A string needs its unit: '500' alone is refused, as it could mean seconds or milliseconds.
 * @param {string} name the option, for the error message
 * @param {unknown} value
 * @returns {number}
 */
export function parseDuration(name, value) {
  const what = "a duration (milliseconds as an integer, or a string like '5s' or '250ms')";
  if (typeof value === 'number') {
    return checkInteger(name, value, what);
  }
  const m = typeof value === 'string' ? DURATION_RE.exec(value) : null;
  if (!m) {
    throw invalid(name, value, what);
  }
  return checkInteger(name, Math.round(Number(m[1]) * DURATION_UNITS[m[2].toLowerCase()]), what);
}
