/**
 * Checks of the child's answers outside runs: the `initialize` result and the
 * tmpfs/* results (protocol/SPEC.md). Field names are turned into camelCase,
 * as everywhere in this package.
 */

import { base64, boolean, count, isObject, object, oneOf, protocolError, string } from './validate.js';

/**
 * The limits in force for the session, as the child reported them.
 * @typedef {object} EffectiveLimits
 * @property {number} memoryBytes
 * @property {number} cpuMs
 * @property {number} wallMs
 * @property {number} outputBytes
 * @property {number} openFiles
 * @property {number} threads
 * @property {number} hostCallBytes
 * @property {number} frameBytes
 * @property {number} fileBytes
 */

/**
 * What the child reported at start.
 * @typedef {object} SessionInfo
 * @property {string} protocolVersion
 * @property {Readonly<Record<string, unknown>>} child e.g. { name: 'python-sandbox', version: '0.1.0' }
 * @property {Readonly<Record<string, unknown>>} python e.g. { version: '3.11.2', implementation: 'cpython' }
 * @property {Readonly<Record<string, unknown>>} capabilities e.g. { execute: true, invoke: true, ... }
 * @property {Readonly<Record<string, unknown>>} isolation the layers in force,
 *   e.g. { seccomp: true, landlockAbi: 7, ... }
 * @property {Readonly<EffectiveLimits>} limits
 */

/**
 * @typedef {object} TmpfsEntry
 * @property {string} path absolute sandbox path
 * @property {'file' | 'dir' | 'symlink'} type
 * @property {number} size
 * @property {number} mode
 */

/** Protocol field → [camelCase name, default from the spec]. */
/** @type {[string, keyof EffectiveLimits, number][]} */
const LIMIT_FIELDS = [
  ['memory_bytes', 'memoryBytes', 536870912], ['cpu_ms', 'cpuMs', 10000], ['wall_ms', 'wallMs', 30000],
  ['output_bytes', 'outputBytes', 16777216], ['open_files', 'openFiles', 256], ['threads', 'threads', 16],
  ['host_call_bytes', 'hostCallBytes', 1048576], ['frame_bytes', 'frameBytes', 4194304],
  ['file_bytes', 'fileBytes', 67108864],
];

const FRAME_MIN = 65536;
const FRAME_MAX = 67108864;
const MAX_TMPFS_ENTRIES = 10000;

/**
 * @param {string} key
 * @returns {string}
 */
function camel(key) {
  return key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/**
 * A frozen copy of a JSON value with object keys in camelCase.
 * @param {unknown} value
 * @returns {any}
 */
export function camelize(value) {
  if (Array.isArray(value)) {
    return Object.freeze(value.map(camelize));
  }
  if (isObject(value)) {
    return Object.freeze(Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), camelize(v)])));
  }
  return value;
}

/**
 * @param {unknown} raw the child's `limits`
 * @param {Record<string, number>} requested what the parent asked for
 * @returns {EffectiveLimits}
 */
function parseLimits(raw, requested) {
  const reported = raw === undefined ? {} : object(raw, 'limits');
  /** @type {Record<string, number>} */
  const out = {};
  for (const [field, key, dflt] of LIMIT_FIELDS) {
    const v = reported[field] ?? requested[field] ?? dflt;
    out[key] = count(v, `limits.${field}`);
  }
  if (out.frameBytes < FRAME_MIN || out.frameBytes > FRAME_MAX) {
    throw protocolError(`'limits.frame_bytes' must be between ${FRAME_MIN} and ${FRAME_MAX}, got ${out.frameBytes}`);
  }
  return /** @type {EffectiveLimits} */ (Object.freeze(out));
}

/**
 * Checks the `initialize` result.
 * @param {unknown} raw
 * @param {Record<string, number>} requestedLimits the limits sent in initialize
 * @returns {SessionInfo}
 */
export function parseSession(raw, requestedLimits) {
  const r = object(raw, 'initialize result');
  const version = string(r.protocol_version, 'protocol_version');
  if (!/^1\.\d+$/.test(version)) {
    throw protocolError(`'protocol_version' must be 1.x, got '${version}'`);
  }
  /** @param {string} name */
  const section = (name) => camelize(r[name] === undefined ? {} : object(r[name], name));
  return Object.freeze({
    protocolVersion: version,
    child: section('child'),
    python: section('python'),
    capabilities: section('capabilities'),
    isolation: section('isolation'),
    limits: parseLimits(r.limits, requestedLimits),
  });
}

/**
 * Checks a tmpfs/list result.
 * @param {unknown} raw
 * @returns {{ entries: readonly TmpfsEntry[], truncated: boolean }}
 */
export function parseTmpfsList(raw) {
  const r = object(raw, 'tmpfs/list result');
  if (!Array.isArray(r.entries) || r.entries.length > MAX_TMPFS_ENTRIES) {
    throw protocolError(`'entries' must be an array of at most ${MAX_TMPFS_ENTRIES} entries`);
  }
  const entries = r.entries.map((e, i) => {
    const entry = object(e, `entries[${i}]`);
    return Object.freeze({
      path: string(entry.path, `entries[${i}].path`),
      type: /** @type {TmpfsEntry['type']} */ (oneOf(entry.type, `entries[${i}].type`, ['file', 'dir', 'symlink'])),
      size: count(entry.size ?? 0, `entries[${i}].size`),
      mode: count(entry.mode ?? 0, `entries[${i}].mode`),
    });
  });
  return Object.freeze({
    entries: Object.freeze(entries),
    truncated: r.truncated === undefined ? false : boolean(r.truncated, 'truncated'),
  });
}

/**
 * Checks a tmpfs/read result.
 * @param {unknown} raw
 * @param {number} length the length asked for
 * @returns {{ data: Buffer, size: number, eof: boolean }}
 */
export function parseTmpfsRead(raw, length) {
  const r = object(raw, 'tmpfs/read result');
  const data = base64(r.data, 'data');
  if (data.length > length) {
    throw protocolError(`tmpfs/read returned ${data.length} bytes, more than the ${length} asked for`);
  }
  return { data, size: count(r.size, 'size'), eof: boolean(r.eof, 'eof') };
}
