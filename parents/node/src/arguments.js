/**
 * Checks of the arguments of the Sandbox methods, and of the small answers
 * they get, turned into protocol params. Bad input is refused here with
 * ERR_INVALID_ARG, before anything is sent to the child.
 */

import { SandboxError } from './errors.js';
import { describe } from './units.js';
import { boolean, isObject, object } from './validate.js';

const CALLABLE_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/**
 * @typedef {object} RunOptions
 * @property {string | Uint8Array} [stdin] what the code reads from fd 0 during this run
 * @property {AbortSignal} [signal] cancels the run: it then ends with outcome 'cancelled'
 */

/**
 * @typedef {object} ExecuteSource
 * @property {string} [code] Python source
 * @property {string} [path] a sandbox path of a file to run instead
 * @property {string} [filename] the name tracebacks show
 */

/**
 * @param {AbortSignal | undefined} signal
 * @returns {SandboxError | undefined}
 */
export function abortedError(signal) {
  if (signal?.aborted) {
    return new SandboxError('ERR_ABORTED', 'the operation was aborted', { cause: signal.reason });
  }
  return undefined;
}

/**
 * @param {unknown} signal
 */
export function checkSignal(signal) {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new SandboxError('ERR_INVALID_ARG', `'signal' must be an AbortSignal, got ${describe(signal)}`);
  }
}

/**
 * @param {RunOptions} options
 * @param {Record<string, unknown>} params
 */
export function addRunOptions(options, params) {
  if (!isObject(options)) {
    throw new SandboxError('ERR_INVALID_ARG', `run options must be an object, got ${describe(options)}`);
  }
  checkSignal(options.signal);
  const stdin = options.stdin;
  if (stdin !== undefined) {
    if (typeof stdin !== 'string' && !(stdin instanceof Uint8Array)) {
      throw new SandboxError('ERR_INVALID_ARG', `'stdin' must be a string or a Uint8Array, got ${describe(stdin)}`);
    }
    params.stdin_data = Buffer.from(stdin).toString('base64');
  }
}

/**
 * @param {string | ExecuteSource} source
 * @returns {Record<string, unknown>}
 */
export function executeParams(source) {
  if (typeof source === 'string') {
    return { code: source };
  }
  if (!isObject(source)) {
    throw new SandboxError('ERR_INVALID_ARG', `execute() needs code as a string or {code} or {path}, got ${
      describe(source)}`);
  }
  const { code, path, filename } = source;
  if ((code === undefined) === (path === undefined)) {
    throw new SandboxError('ERR_INVALID_ARG', 'execute() needs exactly one of code and path');
  }
  /** @type {Record<string, unknown>} */
  const params = {};
  for (const [key, value] of Object.entries({ code, path, filename })) {
    if (value !== undefined) {
      if (typeof value !== 'string') {
        throw new SandboxError('ERR_INVALID_ARG', `execute() '${key}' must be a string, got ${describe(value)}`);
      }
      params[key] = value;
    }
  }
  return params;
}

/**
 * Checks invoke()'s arguments.
 * @param {unknown} callable
 * @param {unknown} args
 * @param {unknown} kwargs
 * @returns {Record<string, unknown>}
 */
export function invokeParams(callable, args, kwargs) {
  if (typeof callable !== 'string' || !CALLABLE_RE.test(callable)) {
    throw new SandboxError('ERR_INVALID_ARG', `callable must be a dotted name like 'module.function', got ${
      describe(callable)}`);
  }
  if (!Array.isArray(args) || !isObject(kwargs)) {
    throw new SandboxError('ERR_INVALID_ARG', 'invoke() needs args as an array and kwargs as an object');
  }
  return { callable, args, kwargs };
}

/**
 * @param {unknown} raw the answer to `cancel`
 * @returns {boolean}
 */
export function parseCancel(raw) {
  return boolean(object(raw, 'cancel result').cancelled, 'cancelled');
}

/**
 * @param {unknown} path
 * @returns {string}
 */
export function checkPathArg(path) {
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0')) {
    throw new SandboxError('ERR_INVALID_ARG', `path must be an absolute sandbox path, got ${describe(path)}`);
  }
  return path;
}
