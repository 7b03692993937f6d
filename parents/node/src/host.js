/**
 * The parent's side of the child's requests: host function calls (host/call)
 * and host-served directories (hostfs/stat, hostfs/read, hostfs/list). Params
 * are checked before any host code runs; answers are checked before they are
 * sent, so a host function's mistake becomes a Python exception, not a frame
 * the child would refuse.
 */

import path from 'node:path';
import { debuglog } from 'node:util';

import { RPC_CODES } from './errors.js';
import { errorMessage } from './framing.js';
import { RpcReply } from './connection.js';
import { isObject } from './validate.js';

const debug = debuglog('pysandbox');

/** Exception types the protocol lets a host error carry; others become SandboxError. */
export const PYTHON_TYPES = Object.freeze(new Set(['ValueError', 'TypeError', 'KeyError', 'IndexError',
  'LookupError', 'PermissionError', 'FileNotFoundError', 'TimeoutError', 'RuntimeError', 'SandboxError']));

const FS_ERRNOS = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES']);
const MAX_LIST_ENTRIES = 10000;

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
 * @param {string} type
 * @param {string} message
 * @returns {RpcReply}
 */
function hostError(type, message) {
  return new RpcReply(RPC_CODES.host_error, message, { type });
}

/**
 * @param {string} message
 * @returns {RpcReply}
 */
function invalidParams(message) {
  return new RpcReply(RPC_CODES.invalid_params, message);
}

/**
 * Serializes a host function's return value, refusing what JSON cannot carry
 * and what would exceed the host-call limit.
 * @param {string} name
 * @param {unknown} value
 * @param {number} maxBytes
 * @returns {{ value: unknown }}
 */
function checkReturn(name, value, maxBytes) {
  let text;
  try {
    text = JSON.stringify({ value: value === undefined ? null : value });
  } catch (err) {
    throw hostError('TypeError', `host function '${name}' returned a value that is not JSON: ${errorMessage(err)}`);
  }
  if (Buffer.byteLength(text) > maxBytes) {
    throw hostError('ValueError', `host function '${name}' returned more than ${maxBytes} bytes of JSON`);
  }
  return JSON.parse(text);
}

/**
 * Answers host/call.
 * @param {unknown} params
 * @param {Map<string, HostFunction>} functions
 * @param {number} maxBytes limits.host_call_bytes
 * @param {AbortSignal} signal
 * @returns {Promise<{ value: unknown }>}
 */
export async function answerHostCall(params, functions, maxBytes, signal) {
  if (!isObject(params) || typeof params.function !== 'string') {
    throw invalidParams("host/call needs a string 'function'");
  }
  const args = params.args ?? [];
  const kwargs = params.kwargs ?? {};
  if (!Array.isArray(args) || !isObject(kwargs)) {
    throw invalidParams("host/call needs 'args' as an array and 'kwargs' as an object");
  }
  const name = params.function;
  const fn = functions.get(name);
  if (fn === undefined) {
    throw hostError('SandboxError', `no host function named '${name}'`);
  }
  const run = typeof params.run === 'string' || typeof params.run === 'number' ? params.run : -1;

  let value;
  try {
    value = await fn(args, kwargs, { run, name, signal });
  } catch (err) {
    debug('host function %s threw: %s', name, errorMessage(err));
    throw hostError(pythonTypeOf(err), errorMessage(err));
  }
  return checkReturn(name, value, maxBytes);
}

/**
 * @param {unknown} err
 * @returns {RpcReply}
 */
function fsError(err) {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  const errno = typeof code === 'string' && FS_ERRNOS.has(code) ? code : 'EACCES';
  if (errno !== code) {
    debug('host directory handler failed: %s', errorMessage(err));
  }
  return new RpcReply(RPC_CODES.fs_error, errorMessage(err), { errno });
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
  return p === '' || (!p.includes('\0') && !p.startsWith('/') && !p.endsWith('/') &&
    path.posix.normalize(p) === p && p !== '..' && !p.startsWith('../'));
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
 * @param {number} maxBytes limits.file_bytes
 * @returns {Promise<unknown>}
 */
export async function answerHostFs(method, params, directories, maxBytes) {
  if (!isObject(params) || typeof params.target !== 'string' || !isRelativePath(params.path)) {
    throw invalidParams(`hostfs/${method} needs a 'target' and a relative, normalized 'path'`);
  }
  const handler = directories.get(params.target);
  if (handler === undefined) {
    throw invalidParams(`no host directory at '${params.target}'`);
  }
  try {
    const result = await handler[method](params.path);
    return checkFsResult(method, result, maxBytes);
  } catch (err) {
    throw fsError(err);
  }
}
