#!/usr/bin/env node
/**
 * Conformance driver of the Node parent: builds one conformance case with
 * this package's API, runs it against a child, and prints what happened. Its
 * input and output are those of the PHP parent's driver, so that the suite
 * can drive every parent alike.
 *
 * Usage: conformance-driver.js [--child PATH] < case.json > outcome.json
 * The child is --child, else the case's "child", else PYSANDBOX_CHILD, else
 * the install location.
 *
 * Input (one JSON object; protocol names keep cases language-neutral;
 * unknown members are ignored):
 *   {
 *     "child": PATH,                                      optional
 *     "limits": {"wall_ms": 1000, "memory_bytes": ...},   any protocol limit
 *     "filesystem": [ENTRY, ...],   protocol entries; a "host" entry carries
 *                                   "files": {"rel/path.py": "text", ...}
 *     "defaults": BOOL, "env": {...}, "argv": [...], "cwd": PATH,
 *     "host_functions": [{"name": N, "returns": JSON, "sleep_ms": MS}   sleep_ms optional
 *                      | {"name": N, "echo": true}        returns [args, kwargs]
 *                      | {"name": N, "add": true}         returns the sum of args
 *                      | {"name": N, "raises": {"type": T, "message": S}}],
 *     "warm": {"preload": [MODULE, ...]},   optional: the session comes from
 *                                   a SandboxPool of size 1 with that preload
 *     "steps": [{"execute": {"code": S | "path": P, "filename": S, "stdin": S}}
 *             | {"invoke": {"callable": S, "args": [...], "kwargs": {...}, "stdin": S}}
 *             | {"tmpfs_list": PATH} | {"tmpfs_read": PATH} | {"cancel": true}]
 *   }
 * Output (one JSON object, one line):
 *   {"initialize": {"protocol_version", "child", "python", "isolation", "limits"} | null,
 *    "steps": [{"result": RESULT} | {"entries": [...], "truncated": BOOL} | {"data": BASE64}
 *            | {"cancelled": BOOL} | {"error": ERROR}, ...],
 *    "error": ERROR | null}        a failure to start, or one that ended the session
 *   RESULT is the RunResult of the spec plus "stdout" and "stderr" (text,
 *   invalid UTF-8 replaced); ERROR is {"kind": one of remote, timeout,
 *   child_exited, protocol, busy, session_ended, frame_too_large,
 *   invalid_argument, spawn, closed, unsupported, other; "class":
 *   "SandboxError", "message", "node_code": the SandboxError code, and for
 *   errors the child answered "code" and "name" (the JSON-RPC code and its
 *   registry name)}. Steps stop at the first error that ends the session.
 * Exit status: 0 when the case ran (whatever its outcome), 2 when the case
 * itself is malformed.
 */

import { text } from 'node:stream/consumers';

import { Sandbox, SandboxError, SandboxPool } from './src/index.js';

/** Protocol limit → option name. */
/** @type {Record<string, string>} */
const LIMIT_NAMES = {
  memory_bytes: 'memory', cpu_ms: 'cpuTime', wall_ms: 'wallTime', output_bytes: 'output', open_files: 'openFiles',
  threads: 'threads', host_call_bytes: 'hostCall', frame_bytes: 'frame', file_bytes: 'fileSize',
};

/** SandboxError code → the suite's language-neutral error kind. */
/** @type {Record<string, string>} */
const KINDS = {
  ERR_REMOTE: 'remote', ERR_TIMEOUT: 'timeout', ERR_CHILD_EXITED: 'child_exited', ERR_PROTOCOL: 'protocol',
  ERR_BUSY: 'busy', ERR_SESSION_ENDED: 'session_ended', ERR_FRAME_TOO_LARGE: 'frame_too_large',
  ERR_INVALID_ARG: 'invalid_argument', ERR_INVALID_OPTION: 'invalid_argument', ERR_SPAWN: 'spawn',
  ERR_CLOSED: 'closed', ERR_UNSUPPORTED: 'unsupported',
};

/** Errors that fail one step; the session goes on. */
const STEP_ERRORS = new Set(['ERR_REMOTE', 'ERR_BUSY', 'ERR_SESSION_ENDED', 'ERR_INVALID_ARG',
  'ERR_FRAME_TOO_LARGE', 'ERR_UNSUPPORTED']);

class MalformedCase extends Error {}

/**
 * @param {string} key
 * @returns {string}
 */
function snake(key) {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * @param {unknown} value
 * @returns {unknown}
 */
function snakeize(value) {
  if (Array.isArray(value)) {
    return value.map(snakeize);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), snakeize(v)]));
  }
  return value;
}

/**
 * An in-memory host directory: FILES maps relative paths to their text.
 * @param {Record<string, string>} files
 * @returns {import('./src/index.js').HostDirectory}
 */
function memoryDirectory(files) {
  /** @type {Map<string, Map<string, 'file' | 'dir'>>} */
  const dirs = new Map([['', new Map()]]);
  for (const file of Object.keys(files)) {
    const parts = file.split('/');
    parts.forEach((name, i) => {
      const parent = parts.slice(0, i).join('/');
      const self = parts.slice(0, i + 1).join('/');
      dirs.get(parent)?.set(name, i === parts.length - 1 ? 'file' : 'dir');
      if (i < parts.length - 1 && !dirs.has(self)) {
        dirs.set(self, new Map());
      }
    });
  }
  const fail = (/** @type {string} */ code, /** @type {string} */ p) => Object.assign(new Error(`${code}: ${p}`),
    { code });
  return {
    stat: (p) => {
      if (dirs.has(p)) {
        return { type: 'dir' };
      }
      if (Object.hasOwn(files, p)) {
        return { type: 'file', size: Buffer.byteLength(files[p]) };
      }
      throw fail('ENOENT', p);
    },
    read: (p) => {
      if (dirs.has(p)) {
        throw fail('EISDIR', p);
      }
      if (!Object.hasOwn(files, p)) {
        throw fail('ENOENT', p);
      }
      return files[p];
    },
    list: (p) => {
      const entries = dirs.get(p);
      if (entries === undefined) {
        throw fail(Object.hasOwn(files, p) ? 'ENOTDIR' : 'ENOENT', p);
      }
      return [...entries].map(([name, type]) => ({ name, type }));
    },
  };
}

/**
 * @param {Record<string, any>} spec
 * @returns {import('./src/index.js').HostFunction}
 */
function hostFunction(spec) {
  if (spec.raises !== undefined) {
    return () => {
      throw Object.assign(new Error(String(spec.raises.message)), { pythonType: String(spec.raises.type) });
    };
  }
  if (spec.echo === true) {
    return (args, kwargs) => [args, kwargs];
  }
  if (spec.add === true) {
    return (args) => args.reduce((/** @type {number} */ sum, n) => sum + Number(n), 0);
  }
  const ms = Number(spec.sleep_ms ?? 0);
  return async () => {
    if (ms > 0) {
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    return spec.returns ?? null;
  };
}

/**
 * @param {Record<string, any>} e
 * @returns {import('./src/index.js').FilesystemEntry}
 */
function entry(e) {
  switch (e.type) {
    case 'bind':
      return { type: 'bind', source: e.source, target: e.target, include: e.include, exclude: e.exclude };
    case 'file':
      return { type: 'file', target: e.target, data: Buffer.from(String(e.data), 'base64'), mode: e.mode };
    case 'tmpfs':
      return { type: 'tmpfs', target: e.target, maxBytes: e.max_bytes, maxFiles: e.max_files };
    case 'host':
      return { type: 'host', target: e.target, handler: memoryDirectory(e.files ?? {}) };
    case 'device':
      return { type: 'device', target: e.target, device: e.device };
    default:
      throw new MalformedCase(`unknown filesystem entry type ${JSON.stringify(e.type)}`);
  }
}

/**
 * Drops members whose value is undefined, so optional fields stay optional.
 * @template {object} T
 * @param {T} o
 * @returns {T}
 */
function defined(o) {
  return /** @type {T} */ (Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
}

/**
 * The case's optional "warm": undefined for a cold session, else the pool's options.
 * @param {Record<string, any>} c
 * @param {string | undefined} child
 * @returns {import('./src/index.js').PoolOptions | undefined}
 */
function warmOf(c, child) {
  if (c.warm === undefined) {
    return undefined;
  }
  if (typeof c.warm !== 'object' || c.warm === null || Array.isArray(c.warm)) {
    throw new MalformedCase('"warm" is not a JSON object');
  }
  if (c.warm.preload !== undefined && !Array.isArray(c.warm.preload)) {
    throw new MalformedCase('"warm.preload" is not a JSON array');
  }
  return defined({ size: 1, preload: c.warm.preload, child });
}

/**
 * @param {Record<string, any>} c the case
 * @param {string | undefined} child
 * @param {SandboxPool | undefined} pool where the session's child comes from, if warm
 * @returns {Sandbox}
 */
function build(c, child, pool) {
  /** @type {Record<string, unknown>} */
  const limits = {};
  for (const [name, value] of Object.entries(c.limits ?? {})) {
    if (!Object.hasOwn(LIMIT_NAMES, name)) {
      throw new MalformedCase(`unknown limit '${name}'`);
    }
    limits[LIMIT_NAMES[name]] = value;
  }
  const options = defined({
    limits,
    filesystem: (c.filesystem ?? []).map((/** @type {Record<string, any>} */ e) => defined(entry(e))),
    defaults: c.defaults, env: c.env, argv: c.argv, cwd: c.cwd,
  });
  const sandbox = pool ? pool.sandbox(options) : new Sandbox({ ...options, ...defined({ child }) });
  for (const spec of c.host_functions ?? []) {
    sandbox.expose(spec.name, hostFunction(spec));
  }
  return sandbox;
}

/**
 * @param {import('./src/index.js').Result} r
 * @returns {Record<string, unknown>}
 */
function resultJson(r) {
  return /** @type {Record<string, unknown>} */ (snakeize(r.toJSON()));
}

/**
 * @param {Sandbox} sandbox
 * @param {Record<string, any>} step
 * @returns {Promise<Record<string, unknown>>}
 */
async function runStep(sandbox, step) {
  if (step.execute !== undefined) {
    const x = step.execute;
    const source = x.path === undefined ? { code: x.code, filename: x.filename }
      : { path: x.path, filename: x.filename };
    return { result: resultJson(await sandbox.execute(defined(source), defined({ stdin: x.stdin }))) };
  }
  if (step.invoke !== undefined) {
    const x = step.invoke;
    return { result: resultJson(await sandbox.invoke(x.callable, x.args ?? [], x.kwargs ?? {},
      defined({ stdin: x.stdin }))) };
  }
  if (step.tmpfs_list !== undefined) {
    const listing = await sandbox.listTmpfs(step.tmpfs_list);
    return { entries: listing.entries, truncated: listing.truncated };
  }
  if (step.tmpfs_read !== undefined) {
    return { data: (await sandbox.readTmpfs(step.tmpfs_read)).toString('base64') };
  }
  if (step.cancel !== undefined) {
    return { cancelled: await sandbox.cancel() };
  }
  throw new MalformedCase(`unknown step ${JSON.stringify(step)}`);
}

/**
 * @param {unknown} err
 * @returns {Record<string, unknown>}
 */
function describe(err) {
  if (!(err instanceof SandboxError)) {
    return { kind: 'other', class: err instanceof Error ? err.constructor.name : 'Error', message: String(err) };
  }
  return defined({ kind: KINDS[err.code] ?? 'other', class: 'SandboxError', message: err.message,
    node_code: err.code, code: err.rpcCode, name: err.rpcName });
}

/**
 * @param {Record<string, any>} c
 * @param {Sandbox} sandbox
 * @returns {Promise<Record<string, unknown>>}
 */
async function run(c, sandbox) {
  /** @type {{ initialize: unknown, steps: unknown[], error: unknown }} */
  const out = { initialize: null, steps: [], error: null };
  try {
    const info = await sandbox.start();
    out.initialize = snakeize({ protocolVersion: info.protocolVersion, child: info.child, python: info.python,
      isolation: info.isolation, limits: info.limits });
    for (const step of c.steps ?? []) {
      try {
        out.steps.push(await runStep(sandbox, step));
      } catch (err) {
        if (!(err instanceof SandboxError) || !STEP_ERRORS.has(err.code)) {
          throw err;
        }
        out.steps.push({ error: describe(err) });
      }
    }
  } catch (err) {
    if (err instanceof MalformedCase) {
      throw err;
    }
    out.error = describe(err);
  } finally {
    await sandbox.close();
  }
  return out;
}

/**
 * @param {string[]} args
 * @returns {Promise<number>} the exit status
 */
async function main(args) {
  let child;
  if (args[0] === '--child' && args.length === 2) {
    child = args[1];
  } else if (args.length > 0) {
    process.stderr.write('usage: conformance-driver.js [--child PATH] < case.json\n');
    return 2;
  }
  try {
    const c = JSON.parse(await text(process.stdin));
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      throw new MalformedCase('the case is not a JSON object');
    }
    const poolOptions = warmOf(c, child ?? c.child);
    /** @type {SandboxPool | undefined} */
    let pool;
    /** @type {Sandbox} */
    let sandbox;
    try {
      pool = poolOptions && new SandboxPool(poolOptions);
      sandbox = build(c, child ?? c.child, pool);
    } catch (err) {
      await pool?.close();
      // Options this parent refuses before starting are the case's result, not a malformed case.
      if (!(err instanceof SandboxError)) {
        throw err;
      }
      process.stdout.write(`${JSON.stringify({ initialize: null, steps: [], error: describe(err) })}\n`);
      return 0;
    }
    const out = await run(c, sandbox).finally(() => pool?.close());
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`conformance-driver: malformed case: ${err instanceof Error ? err.message : err}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
