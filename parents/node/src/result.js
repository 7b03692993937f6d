/**
 * The result of one run (protocol/SPEC.md, "RunResult"), checked and frozen.
 */

import {
  boolean, count, intOrNull, isObject, object, oneOf, protocolError, string,
} from './validate.js';

/**
 * @typedef {'ok' | 'exception' | 'exit' | 'timeout' | 'cpu_limit' | 'memory_limit' | 'output_limit' |
 *   'violation' | 'crash' | 'cancelled'} Outcome
 */

/** @type {readonly Outcome[]} */
export const OUTCOMES = Object.freeze(['ok', 'exception', 'exit', 'timeout', 'cpu_limit', 'memory_limit',
  'output_limit', 'violation', 'crash', 'cancelled']);

/** Outcomes that end the session. */
export const FATAL_OUTCOMES = Object.freeze(new Set(['timeout', 'cpu_limit', 'memory_limit', 'output_limit',
  'violation', 'crash', 'cancelled']));

/**
 * @typedef {object} PythonException
 * @property {string} type e.g. 'ZeroDivisionError'
 * @property {string} message
 * @property {string} traceback
 */

/**
 * @typedef {object} Usage
 * @property {number} wallMs
 * @property {number} cpuMs
 * @property {number} peakMemoryBytes
 * @property {number} forwardedCalls filesystem calls the supervisor answered
 * @property {number} hostCalls
 * @property {number} stdoutBytes
 * @property {number} stderrBytes
 */

/**
 * @typedef {object} Violation
 * @property {string} syscall e.g. 'socket'
 * @property {number} number
 * @property {string} arch e.g. 'x86_64'
 */

/** @type {[keyof Usage, string][]} */
const USAGE_FIELDS = [
  ['wallMs', 'wall_ms'], ['cpuMs', 'cpu_ms'], ['peakMemoryBytes', 'peak_memory_bytes'],
  ['forwardedCalls', 'forwarded_calls'], ['hostCalls', 'host_calls'], ['stdoutBytes', 'stdout_bytes'],
  ['stderrBytes', 'stderr_bytes'],
];

/**
 * @template T
 * @param {T} value
 * @returns {T}
 */
function deepFreeze(value) {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) {
      deepFreeze(v);
    }
  }
  return value;
}

/**
 * @param {unknown} raw
 * @returns {PythonException | null}
 */
function parseException(raw) {
  if (raw === undefined || raw === null) {
    return null;
  }
  const e = object(raw, 'exception');
  return Object.freeze({
    type: string(e.type, 'exception.type'),
    message: string(e.message, 'exception.message'),
    traceback: e.traceback === undefined ? '' : string(e.traceback, 'exception.traceback'),
  });
}

/**
 * @param {unknown} raw
 * @returns {Usage}
 */
function parseUsage(raw) {
  const u = raw === undefined ? {} : object(raw, 'usage');
  /** @type {Record<string, number>} */
  const out = {};
  for (const [key, field] of USAGE_FIELDS) {
    out[key] = u[field] === undefined ? 0 : count(u[field], `usage.${field}`);
  }
  return /** @type {Usage} */ (Object.freeze(out));
}

/**
 * @param {unknown} raw
 * @returns {Violation | null}
 */
function parseViolation(raw) {
  if (raw === undefined || raw === null) {
    return null;
  }
  const v = object(raw, 'violation');
  return Object.freeze({
    syscall: string(v.syscall, 'violation.syscall'),
    number: count(v.number, 'violation.number'),
    arch: string(v.arch, 'violation.arch'),
  });
}

export class Result {
  /**
   * Builds a Result from the child's RunResult and the output of the run.
   * @param {unknown} raw the `result` member of the execute/invoke answer
   * @param {Buffer} stdout
   * @param {Buffer} stderr
   * @throws {import('./errors.js').SandboxError} ERR_PROTOCOL when RAW is not a valid RunResult
   */
  constructor(raw, stdout, stderr) {
    if (!isObject(raw)) {
      throw protocolError('run result must be an object');
    }
    /** @readonly @type {Outcome} how the run ended */
    this.outcome = /** @type {Outcome} */ (oneOf(raw.outcome, 'outcome', OUTCOMES));
    /** @readonly @type {boolean} false after a fatal outcome: the session has ended */
    this.sessionUsable = raw.session_usable === undefined ? !FATAL_OUTCOMES.has(this.outcome)
      : boolean(raw.session_usable, 'session_usable');
    /** @readonly @type {number | null} sys.exit() status for 'exit' */
    this.exitStatus = intOrNull(raw.exit_status, 'exit_status');
    /** @readonly @type {PythonException | null} the Python exception for 'exception' */
    this.exception = parseException(raw.exception);
    /** @readonly @type {unknown} the callable's return value (invoke, outcome 'ok'); null otherwise */
    this.value = deepFreeze(raw.value === undefined ? null : raw.value);
    /** @readonly @type {Usage} */
    this.usage = parseUsage(raw.usage);
    /** @readonly @type {Violation | null} the refused system call for 'violation' */
    this.violation = parseViolation(raw.violation);
    /** @readonly @type {number | null} the signal that ended the jail for 'crash' */
    this.signal = intOrNull(raw.signal, 'signal');
    /** @readonly @type {string} everything the code wrote to stdout, decoded as UTF-8 */
    this.stdout = stdout.toString('utf8');
    /** @readonly @type {string} everything the code wrote to stderr, decoded as UTF-8 */
    this.stderr = stderr.toString('utf8');

    if (this.outcome === 'exception' && this.exception === null) {
      throw protocolError("outcome 'exception' without an exception");
    }
    if (this.outcome === 'violation' && this.violation === null) {
      throw protocolError("outcome 'violation' without a violation");
    }
    Object.freeze(this);
  }

  /** True when the code ran to its end without an exception. */
  get ok() {
    return this.outcome === 'ok';
  }

  /** The result in protocol-like form, for logs and JSON output. */
  toJSON() {
    return {
      outcome: this.outcome, sessionUsable: this.sessionUsable, exitStatus: this.exitStatus,
      exception: this.exception, value: this.value, usage: this.usage, violation: this.violation,
      signal: this.signal, stdout: this.stdout, stderr: this.stderr,
    };
  }
}
