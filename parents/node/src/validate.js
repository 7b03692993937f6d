/**
 * Checks of what the child sends back. The child is trusted to run the jail,
 * not to be bug-free: a result of the wrong shape is a protocol error with a
 * message that says which field was wrong, never a crash further on.
 */

import { SandboxError } from './errors.js';
import { describe } from './units.js';

/**
 * @param {string} what
 * @returns {SandboxError}
 */
export function protocolError(what) {
  return new SandboxError('ERR_PROTOCOL', `child sent an invalid message: ${what}`);
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
export function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * @param {unknown} value
 * @param {string} name
 * @returns {Record<string, unknown>}
 */
export function object(value, name) {
  if (!isObject(value)) {
    throw protocolError(`'${name}' must be an object, got ${describe(value)}`);
  }
  return value;
}

/**
 * @param {unknown} value
 * @param {string} name
 * @returns {string}
 */
export function string(value, name) {
  if (typeof value !== 'string') {
    throw protocolError(`'${name}' must be a string, got ${describe(value)}`);
  }
  return value;
}

/**
 * A non-negative safe integer.
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
export function count(value, name) {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw protocolError(`'${name}' must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/**
 * @param {unknown} value
 * @param {string} name
 * @returns {number | null}
 */
export function intOrNull(value, name) {
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw protocolError(`'${name}' must be an integer or null, got ${describe(value)}`);
  }
  return value;
}

/**
 * @param {unknown} value
 * @param {string} name
 * @returns {boolean}
 */
export function boolean(value, name) {
  if (typeof value !== 'boolean') {
    throw protocolError(`'${name}' must be a boolean, got ${describe(value)}`);
  }
  return value;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes strict base64 (RFC 4648 §4, padded), as the spec requires of `data` fields.
 * @param {unknown} value
 * @param {string} name
 * @returns {Buffer}
 */
export function base64(value, name) {
  if (typeof value !== 'string' || !BASE64_RE.test(value)) {
    throw protocolError(`'${name}' must be padded base64, got ${describe(value)}`);
  }
  return Buffer.from(value, 'base64');
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {readonly string[]} allowed
 * @returns {string}
 */
export function oneOf(value, name, allowed) {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw protocolError(`'${name}' must be one of ${allowed.join(', ')}, got ${describe(value)}`);
  }
  return value;
}
