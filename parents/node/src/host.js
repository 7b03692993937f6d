/**
 * The parent's side of the child's requests: host function calls (host/call)
 * and host-served directories (hostfs/stat, hostfs/read, hostfs/list). Params
 * are checked before any host code runs; answers are checked before they are
 * sent, so a host function's mistake becomes a Python exception, not a frame
 * the child would refuse.
 */

import { debuglog } from 'node:util';

import { RPC_CODES } from './errors.js';
import { errorMessage, wellFormedOnly } from './framing.js';
import { RpcReply } from './connection.js';
import { isObject } from './validate.js';

const debug = debuglog('pysandbox');

/** Exception types the protocol lets a host error carry; others become SandboxError. */
export const PYTHON_TYPES = Object.freeze(new Set(['ValueError', 'TypeError', 'KeyError', 'IndexError',
  'LookupError', 'PermissionError', 'FileNotFoundError', 'TimeoutError', 'RuntimeError', 'SandboxError']));

const FS_ERRNOS = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES']);
const MAX_LIST_ENTRIES = 10000;
/** Characters of an error message passed on to the code. */
const MAX_MESSAGE = 4096;

/**
 * @typedef {object} HostCallContext
 * @property {number | string} run the id of the run that made the call
 * @property {string} name the host function's name
 * @property {AbortSignal} signal aborted when the run ends before the call is answered
 */

/**
 * @typedef {(args: unknown[], kwargs: Record<string, unknown>, context: HostCallContext) => unknown} HostFunction
 */

/**
 * The Python exception type for an error thrown by a host function:
 * error.pythonType when it is one the protocol allows, TypeError for a
 * TypeError, ValueError for a RangeError, SandboxError otherwise.
 * @param {unknown} error
 * @returns {string}
 */
export function pythonTypeOf(error) {
  if (typeof error === 'object' && error !== null && 'pythonType' in error) {
    const t = error.pythonType;
    return typeof t === 'string' && PYTHON_TYPES.has(t) ? t : 'SandboxError';
  }
  if (error instanceof TypeError) {
    return 'TypeError';
  }
  return error instanceof RangeError ? 'ValueError' : 'SandboxError';
}

/**
 * A host_error answer; the message is cut so the answer stays small whatever was thrown.
 * @param {string} type
 * @param {string} message
 * @returns {RpcReply}
 */
function hostError(type, message) {
  const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE).toWellFormed()}...` : message;
  return new RpcReply(RPC_CODES.host_error, text, { type });
}

/**
 * @param {string} message
 * @param {string} field the JSON Pointer of the offending member (SPEC [REQ-BAD-9])
 * @returns {RpcReply}
 */
function invalidParams(message, field) {
  return new RpcReply(RPC_CODES.invalid_params, message, { field });
}

/**
 * Serializes a host function's return value, refusing what JSON cannot carry
 * and an answer frame longer than host_call_bytes (SPEC [REQ-HOST-3]).
 * @param {string} name
 * @param {unknown} value
 * @param {string | number} id the id the answer will carry
 * @param {number} maxBytes
 * @returns {{ value: unknown }}
 */
function checkReturn(name, value, id, maxBytes) {
  const result = { value: value === undefined ? null : value };
  let text;
  try {
    text = JSON.stringify({ jsonrpc: '2.0', id, result }, wellFormedOnly);
  } catch (err) {
    throw hostError('TypeError', `host function '${name}' returned a value that is not JSON: ${errorMessage(err)}`);
  }
  if (Buffer.byteLength(text) + 1 > maxBytes) {
    throw hostError('ValueError', `host function '${name}' returned more than the ${maxBytes} bytes a host call ` +
      'answer may have');
  }
  return JSON.parse(text).result;
}

/**
 * @typedef {object} HostCallOptions
 * @property {string | number | undefined} run the id of the run in progress
 * @property {number} maxBytes limits.host_call_bytes
 * @property {AbortSignal} signal aborted when the run ends
 * @property {string | number} id the id of the host/call request
 */

/**
 * Answers host/call.
 * @param {unknown} params
 * @param {Map<string, HostFunction>} functions
 * @param {HostCallOptions} options
 * @returns {Promise<{ value: unknown }>}
 */
export async function answerHostCall(params, functions, options) {
  const p = /** @type {Record<string, unknown>} */ (params);
  if (options.run === undefined || p.run !== options.run) {
    throw invalidParams(`host/call for run ${JSON.stringify(p.run)}, which is not in progress`, '/run');
  }
  if (typeof p.function !== 'string') {
    throw invalidParams("host/call needs a string 'function'", '/function');
  }
  const fn = functions.get(p.function);
  if (fn === undefined) {
    throw invalidParams(`unknown host function ${JSON.stringify(p.function)}`, '/function');
  }
  const args = p.args ?? [];
  const kwargs = p.kwargs ?? {};
  if (!Array.isArray(args)) {
    throw invalidParams("host/call 'args' must be an array", '/args');
  }
  if (!isObject(kwargs)) {
    throw invalidParams("host/call 'kwargs' must be an object", '/kwargs');
  }

  const name = p.function;
  let value;
  try {
    value = await fn(args, kwargs, { run: options.run, name, signal: options.signal });
  } catch (err) {
    debug('host function %s threw: %s', name, errorMessage(err));
    throw hostError(pythonTypeOf(err), errorMessage(err));
  }
  return checkReturn(name, value, options.id, options.maxBytes);
}

/**
 * An errno-coded error becomes fs_error; anything else means the host could
 * not serve the lookup: internal_error (SPEC [REQ-HOSTFS-4]).
 * @param {unknown} err
 * @returns {RpcReply}
 */
function fsError(err) {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  if (typeof code === 'string' && FS_ERRNOS.has(code)) {
    return new RpcReply(RPC_CODES.fs_error, errorMessage(err), { errno: code });
  }
  debug('host directory handler failed: %s', errorMessage(err));
  return new RpcReply(RPC_CODES.internal_error, 'the host could not serve this lookup');
}

/**
 * A relative, normalized path inside a host entry ('' for its root).
 * @param {unknown} p
 * @returns {p is string}
 */
function isRelativePath(p) {
  if (typeof p !== 'string') {
    return false;
  }
  return p === '' || (!p.includes('\0') && p.split('/').every((c) => c !== '' && c !== '.' && c !== '..'));
}

/**
 * @param {string} method
 * @param {unknown} result
 * @param {number} maxBytes limits.file_bytes
 * @returns {unknown}
 */
function checkFsResult(method, result, maxBytes) {
  const bad = (/** @type {string} */ why) => new Error(`host directory '${method}' returned ${why}`);
  if (method === 'stat') {
    const s = /** @type {Record<string, unknown>} */ (result);
    if (!isObject(result) || (s.type !== 'file' && s.type !== 'dir')) {
      throw bad("no {type: 'file'|'dir'}");
    }
    const size = s.size ?? 0;
    const mode = s.mode ?? (s.type === 'dir' ? 0o555 : 0o444);
    if (!Number.isSafeInteger(size) || !Number.isSafeInteger(mode)) {
      throw bad('a size or mode that is not an integer');
    }
    return { type: s.type, size, mode };
  }
  if (method === 'read') {
    if (typeof result !== 'string' && !(result instanceof Uint8Array)) {
      throw bad('neither a string nor a Uint8Array');
    }
    const data = Buffer.from(result);
    if (data.length > maxBytes) {
      throw bad(`more than ${maxBytes} bytes`);
    }
    return { data: data.toString('base64') };
  }
  if (!Array.isArray(result) || result.length > MAX_LIST_ENTRIES) {
    throw bad(`no array of at most ${MAX_LIST_ENTRIES} entries`);
  }
  return {
    entries: result.map((e) => {
      if (!isObject(e) || typeof e.name !== 'string' || (e.type !== 'file' && e.type !== 'dir') ||
          e.name === '' || e.name.includes('/')) {
        throw bad("an entry that is not {name, type: 'file'|'dir'}");
      }
      return { name: e.name, type: e.type };
    }),
  };
}

/**
 * Answers hostfs/stat, hostfs/read and hostfs/list.
 * @param {'stat' | 'read' | 'list'} method
 * @param {unknown} params
 * @param {Map<string, import('./options.js').HostDirectory>} directories by target
 * @param {number} maxBytes largest file served: limits.file_bytes, and what fits a frame
 * @returns {Promise<unknown>}
 */
export async function answerHostFs(method, params, directories, maxBytes) {
  const p = /** @type {Record<string, unknown>} */ (params);
  if (typeof p.target !== 'string') {
    throw invalidParams(`hostfs/${method} needs a string 'target'`, '/target');
  }
  if (!isRelativePath(p.path)) {
    throw invalidParams(`hostfs/${method} needs a relative, normalized 'path'`, '/path');
  }
  const handler = directories.get(p.target);
  if (handler === undefined) {
    throw new RpcReply(RPC_CODES.fs_error, `no host directory at ${JSON.stringify(p.target)}`, { errno: 'ENOENT' });
  }
  try {
    const result = await handler[method](p.path);
    return checkFsResult(method, result, maxBytes);
  } catch (err) {
    throw fsError(err);
  }
}
