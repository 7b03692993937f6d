/**
 * Validation of the Sandbox options and their translation into the params of
 * the protocol's `initialize` request (protocol/SPEC.md, "initialize"). Every
 * option is checked on entry, so a mistake is reported by the constructor with
 * the option's name, not later by the child.
 */

import path from 'node:path';

import { SandboxError } from './errors.js';
import { describe, parseDuration, parseSize } from './units.js';

/**
 * @typedef {number | string} Size bytes, or a string like '256M'
 * @typedef {number | string} Duration milliseconds, or a string like '5s'
 */

/**
 * @typedef {object} Limits
 * @property {Size} [memory] address space of the jail (memory_bytes)
 * @property {Duration} [cpuTime] CPU time per run (cpu_ms)
 * @property {Duration} [wallTime] wall-clock time per run (wall_ms)
 * @property {Size} [output] stdout and stderr bytes per run (output_bytes)
 * @property {number} [openFiles] descriptors of the jail (open_files)
 * @property {number} [threads] threads of the jail (threads)
 * @property {Size} [hostCall] one serialized host-call request or answer (host_call_bytes)
 * @property {Size} [frame] one protocol message, both directions (frame_bytes)
 * @property {Size} [fileSize] largest file the code may write (file_bytes)
 */

/**
 * A directory whose contents the host serves on demand. Each method gets the
 * path relative to the entry ('' for its root) and may be async. Throw an
 * error whose `code` is 'ENOENT', 'ENOTDIR', 'EISDIR' or 'EACCES' to refuse;
 * any other error is reported to the code as EACCES.
 * @typedef {object} HostDirectory
 * @property {(path: string) => HostStat | Promise<HostStat>} stat
 * @property {(path: string) => string | Uint8Array | Promise<string | Uint8Array>} read
 * @property {(path: string) => HostDirent[] | Promise<HostDirent[]>} list
 */

/**
 * @typedef {object} HostStat
 * @property {'file' | 'dir'} type
 * @property {number} [size] bytes; read() decides for files when omitted (default 0)
 * @property {number} [mode] permission bits (default 0o444 for files, 0o555 for directories)
 */

/**
 * @typedef {object} HostDirent
 * @property {string} name
 * @property {'file' | 'dir'} type
 */

/**
 * @typedef {{ type: 'bind', source: string, target: string, include?: string[], exclude?: string[] }
 *   | { type: 'file', target: string, data: string | Uint8Array, mode?: number }
 *   | { type: 'tmpfs', target: string, maxBytes?: Size, maxFiles?: number }
 *   | { type: 'host', target: string, handler: HostDirectory }
 *   | { type: 'device', target: string, device: 'null' | 'zero' | 'urandom' }} FilesystemEntry
 */

/**
 * @typedef {object} SandboxOptions
 * @property {string} [child] path of the sandbox binary; default $PYSANDBOX_CHILD, then the install location
 * @property {Limits} [limits] unset limits keep the child's defaults
 * @property {FilesystemEntry[]} [filesystem] entries on top of the default layout
 * @property {boolean} [defaults] start from the default layout (stdlib, /dev, /tmp...); default true
 * @property {Record<string, string>} [env] the code's environment; default the child's
 * @property {string[]} [argv] sys.argv; default ['']
 * @property {string} [cwd] the code's working directory; default '/tmp'
 * @property {number} [verbosity] 0..3, detail of the child's diagnostics (util.debuglog 'pysandbox')
 * @property {Duration} [startTimeout] how long start() waits for the child's answer; default 30s
 * @property {Duration} [requestTimeout] how long tmpfs, cancel and shutdown requests wait; default 5s
 * @property {Duration} [grace] a run may last the wall limit plus this before the child is killed; default 5s
 */

/**
 * The checked form of the options.
 * @typedef {object} NormalizedOptions
 * @property {string | undefined} child
 * @property {Record<string, unknown>} initParams initialize params, without host_functions
 * @property {Map<string, HostDirectory>} hostDirectories by target
 * @property {number} startTimeout
 * @property {number} requestTimeout
 * @property {number} grace
 */

// Bounds of SPEC "Every size is bounded": checked here so the mistake is reported with the option's name.
const MAX_ENTRIES = 256;
const MAX_PATH_BYTES = 4096;
const MAX_GLOBS = 64;
const MAX_GLOB_BYTES = 1024;
const MAX_ENV = 1024;
const MAX_ENV_NAME_BYTES = 255;
const MAX_ARG_BYTES = 32768;
const MAX_ARGV = 1024;
const FRAME_MIN = 65536;
const FRAME_MAX = 67108864;

/** Limits: option name → [protocol field, parser]. */
/** @type {Record<string, [string, (name: string, v: unknown) => number]>} */
const LIMITS = {
  memory: ['memory_bytes', parseSize],
  cpuTime: ['cpu_ms', parseDuration],
  wallTime: ['wall_ms', parseDuration],
  output: ['output_bytes', parseSize],
  openFiles: ['open_files', parseCount],
  threads: ['threads', parseCount],
  hostCall: ['host_call_bytes', parseSize],
  frame: ['frame_bytes', parseSize],
  fileSize: ['file_bytes', parseSize],
};

const TOP_LEVEL = new Set([
  'child', 'limits', 'filesystem', 'defaults', 'env', 'argv', 'cwd', 'verbosity',
  'startTimeout', 'requestTimeout', 'grace',
]);


/** Fields each entry type accepts. */
/** @type {Record<string, Set<string>>} */
const ENTRY_FIELDS = {
  bind: new Set(['type', 'source', 'target', 'include', 'exclude']),
  file: new Set(['type', 'target', 'data', 'mode']),
  tmpfs: new Set(['type', 'target', 'maxBytes', 'maxFiles']),
  host: new Set(['type', 'target', 'handler']),
  device: new Set(['type', 'target', 'device']),
};


/**
 * @param {string} message
 * @returns {SandboxError}
 */
function invalid(message) {
  return new SandboxError('ERR_INVALID_OPTION', message);
}

/**
 * @param {string} name
 * @param {unknown} value
 * @returns {number}
 */
function parseCount(name, value) {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`option '${name}' must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * @param {string} name
 * @param {unknown} value
 * @returns {string}
 */
function checkString(name, value) {
  if (typeof value !== 'string') {
    throw invalid(`option '${name}' must be a string, got ${describe(value)}`);
  }
  if (value.includes('\0')) {
    throw invalid(`option '${name}' must not contain a NUL character`);
  }
  return value;
}

/**
 * An absolute, normalized sandbox path, as the protocol requires of targets.
 * @param {string} name
 * @param {unknown} value
 * @returns {string}
 */
export function checkSandboxPath(name, value) {
  const p = checkString(name, value);
  if (!p.startsWith('/') || (p !== '/' && (p.endsWith('/') || path.posix.normalize(p) !== p))) {
    throw invalid(`option '${name}' must be an absolute, normalized path (no '.', '..', '//' or trailing '/'), ` +
      `got ${describe(p)}`);
  }
  if (Buffer.byteLength(p) > MAX_PATH_BYTES) {
    throw invalid(`option '${name}' is longer than ${MAX_PATH_BYTES} bytes`);
  }
  return p;
}

/**
 * @param {string} name
 * @param {unknown} value
 * @param {number} maxBytes
 * @returns {string}
 */
function checkBoundedString(name, value, maxBytes) {
  const s = checkString(name, value);
  if (Buffer.byteLength(s) > maxBytes) {
    throw invalid(`option '${name}' is longer than ${maxBytes} bytes`);
  }
  return s;
}

/**
 * @param {string} name
 * @param {unknown} value
 * @param {number} maxItems
 * @param {number} maxBytes of each item
 * @returns {string[]}
 */
function checkStrings(name, value, maxItems, maxBytes) {
  if (!Array.isArray(value)) {
    throw invalid(`option '${name}' must be an array of strings, got ${describe(value)}`);
  }
  if (value.length > maxItems) {
    throw invalid(`option '${name}' has ${value.length} items, at most ${maxItems} are allowed`);
  }
  return value.map((s, i) => checkBoundedString(`${name}[${i}]`, s, maxBytes));
}

/**
 * @param {string} name
 * @param {Record<string, unknown>} obj
 * @param {Set<string>} allowed
 */
function checkKeys(name, obj, allowed) {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) {
      throw invalid(`unknown option '${name}${name ? '.' : ''}${key}'`);
    }
  }
}

/**
 * @param {unknown} value
 * @returns {Record<string, number>}
 */
function normalizeLimits(value) {
  if (!isPlainObject(value)) {
    throw invalid(`option 'limits' must be an object, got ${describe(value)}`);
  }
  checkKeys('limits', value, new Set(Object.keys(LIMITS)));

  /** @type {Record<string, number>} */
  const out = {};
  for (const [key, [field, parse]] of Object.entries(LIMITS)) {
    if (value[key] !== undefined) {
      out[field] = parse(`limits.${key}`, value[key]);
    }
  }
  if (out.frame_bytes !== undefined && (out.frame_bytes < FRAME_MIN || out.frame_bytes > FRAME_MAX)) {
    throw invalid(`option 'limits.frame' must be between ${FRAME_MIN} and ${FRAME_MAX} bytes, got ${out.frame_bytes}`);
  }
  return out;
}

/**
 * @param {string} name
 * @param {unknown} handler
 * @returns {HostDirectory}
 */
function checkHandler(name, handler) {
  if (typeof handler !== 'object' || handler === null) {
    throw invalid(`option '${name}' must be an object with stat, read and list methods, got ${describe(handler)}`);
  }
  const h = /** @type {Record<string, unknown>} */ (handler);
  for (const method of ['stat', 'read', 'list']) {
    if (typeof h[method] !== 'function') {
      throw invalid(`option '${name}.${method}' must be a function`);
    }
  }
  return /** @type {HostDirectory} */ (handler);
}

/**
 * One filesystem entry in protocol form; host handlers are collected apart.
 * @param {string} name
 * @param {unknown} entry
 * @param {Map<string, HostDirectory>} hostDirectories
 * @returns {Record<string, unknown>}
 */
function normalizeEntry(name, entry, hostDirectories) {
  if (!isPlainObject(entry)) {
    throw invalid(`option '${name}' must be an object, got ${describe(entry)}`);
  }
  const type = entry.type;
  if (typeof type !== 'string' || !Object.hasOwn(ENTRY_FIELDS, type)) {
    throw invalid(`option '${name}.type' must be one of ${Object.keys(ENTRY_FIELDS).join(', ')}, got ` +
      `${describe(type)}`);
  }
  checkKeys(name, entry, ENTRY_FIELDS[type]);
  const target = checkSandboxPath(`${name}.target`, entry.target);

  switch (type) {
    case 'bind':
      return normalizeBind(name, entry, target);
    case 'file':
      return normalizeFile(name, entry, target);
    case 'tmpfs':
      return normalizeTmpfs(name, entry, target);
    case 'host':
      hostDirectories.set(target, checkHandler(`${name}.handler`, entry.handler));
      return { type, target };
    default:
      if (!['null', 'zero', 'urandom'].includes(/** @type {string} */ (entry.device))) {
        throw invalid(`option '${name}.device' must be 'null', 'zero' or 'urandom', got ${describe(entry.device)}`);
      }
      return { type, target, device: entry.device };
  }
}

/**
 * @param {string} name
 * @param {Record<string, unknown>} entry
 * @param {string} target
 * @returns {Record<string, unknown>}
 */
function normalizeBind(name, entry, target) {
  const source = checkString(`${name}.source`, entry.source);
  if (source === '') {
    throw invalid(`option '${name}.source' must not be empty`);
  }
  /** @type {Record<string, unknown>} */
  const out = { type: 'bind', source: path.resolve(source), target };
  for (const key of ['include', 'exclude']) {
    if (entry[key] !== undefined) {
      out[key] = checkStrings(`${name}.${key}`, entry[key], MAX_GLOBS, MAX_GLOB_BYTES);
    }
  }
  return out;
}

/**
 * @param {string} name
 * @param {Record<string, unknown>} entry
 * @param {string} target
 * @returns {Record<string, unknown>}
 */
function normalizeFile(name, entry, target) {
  const data = entry.data;
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw invalid(`option '${name}.data' must be a string or a Uint8Array, got ${describe(data)}`);
  }
  /** @type {Record<string, unknown>} */
  const out = { type: 'file', target, data: Buffer.from(data).toString('base64') };
  if (entry.mode !== undefined) {
    const mode = entry.mode;
    if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
      throw invalid(`option '${name}.mode' must be an integer between 0 and 0o7777, got ${describe(mode)}`);
    }
    out.mode = mode;
  }
  return out;
}

/**
 * @param {string} name
 * @param {Record<string, unknown>} entry
 * @param {string} target
 * @returns {Record<string, unknown>}
 */
function normalizeTmpfs(name, entry, target) {
  /** @type {Record<string, unknown>} */
  const out = { type: 'tmpfs', target };
  if (entry.maxBytes !== undefined) {
    out.max_bytes = parseSize(`${name}.maxBytes`, entry.maxBytes);
  }
  if (entry.maxFiles !== undefined) {
    out.max_files = parseCount(`${name}.maxFiles`, entry.maxFiles);
  }
  return out;
}

/**
 * @param {unknown} value
 * @param {Map<string, HostDirectory>} hostDirectories
 * @returns {Record<string, unknown>[]}
 */
function normalizeFilesystem(value, hostDirectories) {
  if (!Array.isArray(value)) {
    throw invalid(`option 'filesystem' must be an array of entries, got ${describe(value)}`);
  }
  if (value.length > MAX_ENTRIES) {
    throw invalid(`option 'filesystem' has ${value.length} entries, at most ${MAX_ENTRIES} are allowed`);
  }
  return value.map((entry, i) => normalizeEntry(`filesystem[${i}]`, entry, hostDirectories));
}

/**
 * @param {unknown} value
 * @returns {Record<string, string>}
 */
function normalizeEnv(value) {
  if (!isPlainObject(value)) {
    throw invalid(`option 'env' must be an object of strings, got ${describe(value)}`);
  }
  const keys = Object.keys(value);
  if (keys.length > MAX_ENV) {
    throw invalid(`option 'env' has ${keys.length} variables, at most ${MAX_ENV} are allowed`);
  }
  /** @type {Record<string, string>} */
  const out = {};
  for (const key of keys) {
    if (key === '' || key.includes('=') || key.includes('\0') || Buffer.byteLength(key) > MAX_ENV_NAME_BYTES) {
      throw invalid(`option 'env' has an invalid variable name ${describe(key)} (non-empty, no '=' or NUL, ` +
        `at most ${MAX_ENV_NAME_BYTES} bytes)`);
    }
    out[key] = checkBoundedString(`env.${key}`, value[key], MAX_ARG_BYTES);
  }
  return out;
}

/**
 * Checks a host function name: an ASCII identifier of at most 128 characters (SPEC [REQ-INIT-14]).
 * @param {unknown} name
 * @returns {string}
 */
export function checkFunctionName(name) {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) {
    throw new SandboxError('ERR_INVALID_ARG',
      `host function name must be an ASCII identifier of at most 128 characters, got ${describe(name)}`);
  }
  return name;
}

/**
 * @param {Record<string, unknown>} options
 * @param {Record<string, unknown>} params
 */
function normalizeSession(options, params) {
  if (options.defaults !== undefined) {
    if (typeof options.defaults !== 'boolean') {
      throw invalid(`option 'defaults' must be a boolean, got ${describe(options.defaults)}`);
    }
    params.defaults = options.defaults;
  }
  if (options.env !== undefined) {
    params.env = normalizeEnv(options.env);
  }
  if (options.argv !== undefined) {
    params.argv = checkStrings('argv', options.argv, MAX_ARGV, MAX_ARG_BYTES);
  }
  if (options.cwd !== undefined) {
    params.cwd = checkSandboxPath('cwd', options.cwd);
  }
  if (options.verbosity !== undefined) {
    const v = options.verbosity;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 3) {
      throw invalid(`option 'verbosity' must be an integer from 0 to 3, got ${describe(v)}`);
    }
    params.verbosity = v;
  }
}

/**
 * Checks the options and builds the initialize params.
 * @param {unknown} options
 * @returns {NormalizedOptions}
 */
export function normalizeOptions(options = {}) {
  if (!isPlainObject(options)) {
    throw invalid(`options must be an object, got ${describe(options)}`);
  }
  checkKeys('', options, TOP_LEVEL);

  /** @type {Map<string, HostDirectory>} */
  const hostDirectories = new Map();
  /** @type {Record<string, unknown>} */
  const initParams = { protocol_version: '1.0' };
  if (options.limits !== undefined) {
    initParams.limits = normalizeLimits(options.limits);
  }
  if (options.filesystem !== undefined) {
    initParams.filesystem = normalizeFilesystem(options.filesystem, hostDirectories);
  }
  normalizeSession(options, initParams);

  return {
    child: options.child === undefined ? undefined : checkString('child', options.child),
    initParams,
    hostDirectories,
    startTimeout: parseDuration('startTimeout', options.startTimeout ?? 30_000),
    requestTimeout: parseDuration('requestTimeout', options.requestTimeout ?? 5_000),
    grace: parseDuration('grace', options.grace ?? 5_000),
  };
}

/**
 * @typedef {object} PoolOptions
 * @property {number} [size] warm children kept ready, 1..64; default 2
 * @property {string[]} [preload] modules each warm child imports before its session (at most 64)
 * @property {string} [child] path of the sandbox binary, as for Sandbox
 * @property {Duration} [startTimeout] how long a child may take to answer `warm`; default 30s
 * @property {number} [verbosity] 0..3, detail of the children's diagnostics until their session sets its own
 */

/**
 * @typedef {object} NormalizedPoolOptions
 * @property {number} size
 * @property {string[]} preload
 * @property {string | undefined} child
 * @property {number} startTimeout
 * @property {number | undefined} verbosity
 */

/** The largest pool: each warm child is a process with its interpreter loaded. */
export const MAX_POOL_SIZE = 64;
/** Two, as in the C parent: one child warming while the other serves keeps steady traffic warm. */
const DEFAULT_POOL_SIZE = 2;
const POOL_KEYS = new Set(['size', 'preload', 'child', 'startTimeout', 'verbosity']);
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Checks the options of a SandboxPool.
 * @param {unknown} options
 * @returns {NormalizedPoolOptions}
 */
export function normalizePoolOptions(options = {}) {
  if (!isPlainObject(options)) {
    throw invalid(`pool options must be an object, got ${describe(options)}`);
  }
  checkKeys('', options, POOL_KEYS);
  const size = options.size ?? DEFAULT_POOL_SIZE;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE) {
    throw invalid(`option 'size' must be an integer from 1 to ${MAX_POOL_SIZE}, got ${describe(size)}`);
  }
  const preload = checkStrings('preload', options.preload ?? [], 64, 128);
  preload.forEach((name, i) => {
    if (!MODULE_NAME.test(name)) {
      throw invalid(`option 'preload[${i}]' must be a dotted module name, got ${describe(name)}`);
    }
  });
  /** @type {Record<string, unknown>} */
  const session = {};
  normalizeSession({ verbosity: options.verbosity }, session);
  return {
    size,
    preload,
    child: options.child === undefined ? undefined : checkString('child', options.child),
    startTimeout: parseDuration('startTimeout', options.startTimeout ?? 30_000),
    verbosity: /** @type {number | undefined} */ (session.verbosity),
  };
}
