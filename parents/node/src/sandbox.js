/**
 * Sandbox: one session with one child process (DESIGN §3). The session's
 * interpreter keeps its state across runs until close(), or until a fatal
 * outcome ends it. One run at a time.
 */

import { EventEmitter } from 'node:events';
import { debuglog } from 'node:util';

import {
  abortedError, addRunOptions, checkPathArg, checkSignal, executeParams, invokeParams, parseCancel,
} from './arguments.js';
import { ChildProcess, exitError, resolveChildPath } from './child-process.js';
import { Connection, RpcReply } from './connection.js';
import { RPC_CODES, SandboxError } from './errors.js';
import { errorMessage } from './framing.js';
import { answerHostCall, answerHostFs } from './host.js';
import { checkFunctionName, normalizeOptions } from './options.js';
import { Result } from './result.js';
import { Run } from './run.js';
import { parseSession, parseTmpfsList, parseTmpfsRead } from './session-info.js';
import { describe } from './units.js';
import { base64, object, oneOf } from './validate.js';

const debug = debuglog('pysandbox');

/** Output bytes accepted beyond limits.output_bytes (chunks may straddle the limit) before the child is cut off. */
const OUTPUT_SLACK = 65536;
/** How long a child whose fd 3 was closed may take to exit before SIGKILL (SPEC [REQ-TIME-4]). */
const KILL_GRACE_MS = 2000;
/** How long the child may keep running after closing fd 4 before it counts as broken. */
const EOF_GRACE_MS = 500;
/** Limits of SPEC "initialize" used until the child reports the effective ones. */
const DEFAULT_HOST_CALL_BYTES = 1048576;
const DEFAULT_FILE_BYTES = 67108864;

/**
 * @typedef {'new' | 'starting' | 'ready' | 'running' | 'ended' | 'closed'} SandboxState
 * @typedef {import('./options.js').SandboxOptions} SandboxOptions
 * @typedef {import('./host.js').HostFunction} HostFunction
 * @typedef {import('./session-info.js').SessionInfo} SessionInfo
 * @typedef {import('./session-info.js').TmpfsEntry} TmpfsEntry
 * @typedef {import('./arguments.js').RunOptions} RunOptions
 * @typedef {import('./arguments.js').ExecuteSource} ExecuteSource
 * @typedef {import('./warm-child.js').WarmChild} WarmChild
 * @typedef {import('./warm-child.js').WarmInfo} WarmInfo
 */

/**
 * Where a pooled Sandbox gets its child (SandboxPool): a warm child to adopt,
 * or the path to start one cold; `fallback` is told when an adopted child
 * failed before its session was set up, and the session starts cold.
 * @typedef {object} Lender
 * @property {(signal: AbortSignal | undefined) => Promise<{ lease?: WarmChild, file: string }>} take
 * @property {(lease: WarmChild, error: SandboxError) => void} fallback
 */

/** Handlers of a connection whose child this Sandbox gave up before its session began. */
/** @type {import('./connection.js').ConnectionHandlers} */
const DETACHED = {
  onRequest: async (method) => {
    throw new RpcReply(RPC_CODES.internal_error, `cannot answer '${method}': the child was given up`);
  },
  onNotification: () => {},
  onFatal: () => {},
};

/** @type {(sandbox: Sandbox, lender: Lender) => void} */
let setLender = () => {};

/**
 * A Run that failed before anything was sent.
 * @param {unknown} error
 * @returns {Run}
 */
function failedRun(error) {
  const run = new Run(-1, async () => {});
  run.reject(error instanceof SandboxError ? error
    : new SandboxError('ERR_INVALID_ARG', errorMessage(error), { cause: error }));
  return run;
}

/**
 * Events: 'output' (OutputChunk, while a run writes), 'ended' (the child ended
 * the session: { reason, message }), 'exit' (the child process exited).
 * @typedef {object} SandboxEvents
 * @property {[import('./run.js').OutputChunk]} output
 * @property {[{ reason: string, message: string }]} ended
 * @property {[{ code: number | null, signal: string | null }]} exit
 */

/** @extends {EventEmitter<SandboxEvents>} */
export class Sandbox extends EventEmitter {
  #options;
  /** @type {Map<string, HostFunction>} */
  #functions = new Map();
  /** @type {SandboxState} */
  #state = 'new';
  /** @type {ChildProcess | undefined} */
  #child;
  /** @type {Connection | undefined} */
  #conn;
  /** @type {SessionInfo | undefined} */
  #info;
  /** @type {Run | undefined} */
  #run;
  /** @type {AbortController | undefined} */
  #runAbort;
  /** @type {SandboxError | undefined} why the session is unusable */
  #failure;
  /** @type {{ reason: string, message: string } | undefined} */
  #ended;
  /** @type {SandboxError | undefined} the last frame of the child that was dropped */
  #dropped;
  /** @type {Promise<void> | undefined} */
  #closing;
  /** @type {Promise<void> | undefined} */
  #terminating;
  /** @type {Promise<import('./child-process.js').ExitInfo> | undefined} */
  #exited;
  /** @type {Lender | undefined} */
  #lender;
  /** @type {WarmInfo | undefined} */
  #warm;
  /** @type {{ reason: string, message: string } | undefined} an `ended` held while a warm child is adopted */
  #heldEnded;
  /** True while a warm child answers initialize: its failure then is the pool's, not the session's. */
  #adopting = false;

  static {
    setLender = (sandbox, lender) => { sandbox.#lender = lender; };
  }

  /**
   * Checks the options; nothing starts until start().
   * @param {SandboxOptions} [options]
   * @throws {SandboxError} ERR_INVALID_OPTION naming the offending option
   */
  constructor(options = {}) {
    super();
    this.#options = normalizeOptions(options);
  }

  /** @returns {SandboxState} */
  get state() {
    return this.#state;
  }

  /** What the child reported at start: versions, capabilities, isolation layers in force, effective limits. */
  get info() {
    return this.#info;
  }

  /** What the warm child of a SandboxPool reported for this session; undefined for a cold start. */
  get warm() {
    return this.#warm;
  }

  /** The child's process id while it runs. */
  get pid() {
    return this.#child?.pid;
  }

  /**
   * Lets the code call FN as `sandbox.call(NAME, ...)` (see lib/sandbox). FN
   * gets (args, kwargs, context) and may be async; what it returns must be
   * JSON. A thrown error becomes a Python exception: error.pythonType if set
   * to an allowed type, TypeError for TypeError, ValueError for RangeError,
   * SandboxError otherwise. Only before start().
   * @param {string} name a Python identifier
   * @param {HostFunction} fn
   * @returns {this}
   */
  expose(name, fn) {
    if (this.#state !== 'new') {
      throw new SandboxError('ERR_ALREADY_STARTED', `cannot expose '${name}': the sandbox has already started`);
    }
    checkFunctionName(name);
    if (typeof fn !== 'function') {
      throw new SandboxError('ERR_INVALID_ARG', `host function '${name}' must be a function, got ${describe(fn)}`);
    }
    if (!this.#functions.has(name) && this.#functions.size >= 256) {
      throw new SandboxError('ERR_INVALID_ARG', 'at most 256 host functions can be exposed');
    }
    this.#functions.set(name, fn);
    return this;
  }

  /**
   * Starts the child and initializes the session. A Sandbox of a SandboxPool
   * takes a warm child from the pool instead, or starts one cold.
   * @param {{ signal?: AbortSignal }} [options]
   * @returns {Promise<SessionInfo>}
   */
  async start(options = {}) {
    if (this.#state !== 'new') {
      throw this.#stateError('start');
    }
    checkSignal(options.signal);
    const aborted = abortedError(options.signal);
    if (aborted) {
      throw aborted;
    }
    this.#state = 'starting';
    try {
      const { file, lease } = this.#lender ? await this.#lender.take(options.signal)
        : { file: await resolveChildPath(this.#options.child), lease: undefined };
      if (this.#failure) {
        lease?.discard();
        throw this.#failure; // closed while the child was being looked up
      }
      /** @type {Record<string, unknown>} */
      const params = { ...this.#options.initParams };
      params.host_functions = [...this.#functions.keys()].map((name) => ({ name }));
      let raw = lease && await this.#initializeLease(lease, params, options.signal);
      if (raw === undefined) {
        this.#spawn(file);
        raw = await this.#deadline(this.#request('initialize', params), this.#options.startTimeout,
          "an answer to 'initialize'", options.signal);
      }
      this.#info = parseSession(raw, /** @type {Record<string, number>} */ (params.limits ?? {}));
      this.#conn?.setMaxFrame(this.#info.limits.frameBytes);
      this.#conn?.abandonIncoming('initialize was answered before this request');
    } catch (err) {
      const error = err instanceof SandboxError ? err : new SandboxError('ERR_SPAWN', errorMessage(err), { cause: err });
      await this.#fail(error);
      throw this.#failure ?? error;
    }
    if (this.#state === 'starting') {
      this.#state = 'ready';
    }
    return this.#info;
  }

  /**
   * Runs Python code (a string, or {code} or {path}) in the session's __main__.
   * @param {string | ExecuteSource} source
   * @param {RunOptions} [options]
   * @returns {Run} awaitable for the Result, async-iterable for the output
   */
  execute(source, options = {}) {
    try {
      const params = executeParams(source);
      addRunOptions(options, params);
      return this.#startRun('execute', params, options.signal);
    } catch (err) {
      return failedRun(err);
    }
  }

  /**
   * Calls a Python callable ('module.attr', '__main__.f') with JSON arguments;
   * the Result's value is its JSON return value.
   * @param {string} callable
   * @param {unknown[]} [args]
   * @param {Record<string, unknown>} [kwargs]
   * @param {RunOptions} [options]
   * @returns {Run}
   */
  invoke(callable, args = [], kwargs = {}, options = {}) {
    try {
      const params = invokeParams(callable, args, kwargs);
      addRunOptions(options, params);
      return this.#startRun('invoke', params, options.signal);
    } catch (err) {
      return failedRun(err);
    }
  }

  /**
   * Cancels the run in progress, if any; it then ends with outcome
   * 'cancelled', which ends the session. Resolves to true when a run was
   * cancelled, false when there was none (the session is unchanged).
   * @returns {Promise<boolean>}
   */
  async cancel() {
    if ((this.#state !== 'ready' && this.#state !== 'running') || this.#ended) {
      throw this.#stateError('cancel');
    }
    if (this.#run) {
      return this.#cancel(this.#run);
    }
    this.#checkCapability('cancel', 'cancel');
    const raw = await this.#deadline(this.#request('cancel', {}), this.#options.requestTimeout,
      "an answer to 'cancel'");
    return this.#checked(() => parseCancel(raw));
  }

  /**
   * Lists a tmpfs directory recursively (at most 10000 entries).
   * @param {string} path an absolute sandbox path inside a tmpfs entry
   * @returns {Promise<{ entries: readonly TmpfsEntry[], truncated: boolean }>}
   */
  async listTmpfs(path) {
    this.#checkIdle('listTmpfs');
    const raw = await this.#deadline(this.#request('tmpfs/list', { path: checkPathArg(path) }),
      this.#options.requestTimeout, "an answer to 'tmpfs/list'");
    return this.#checked(() => parseTmpfsList(raw));
  }

  /**
   * Reads a whole file from a tmpfs entry.
   * @param {string} path an absolute sandbox path inside a tmpfs entry
   * @param {{ maxBytes?: number }} [options] refuse files larger than this (default 64 MiB)
   * @returns {Promise<Buffer>}
   */
  async readTmpfs(path, options = {}) {
    this.#checkIdle('readTmpfs');
    const maxBytes = options.maxBytes ?? 67108864;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new SandboxError('ERR_INVALID_ARG', `'maxBytes' must be a non-negative integer, got ${describe(maxBytes)}`);
    }
    const p = checkPathArg(path);
    const length = Math.floor(this.#conn ? this.#conn.maxFrame / 2 : 65536);
    /** @type {Buffer[]} */
    const parts = [];
    let offset = 0;

    for (;;) {
      const raw = await this.#deadline(this.#request('tmpfs/read', { path: p, offset, length }),
        this.#options.requestTimeout, "an answer to 'tmpfs/read'");
      const chunk = this.#checked(() => parseTmpfsRead(raw, length));
      if (chunk.size > maxBytes) {
        throw new SandboxError('ERR_INVALID_ARG', `'${p}' has ${chunk.size} bytes, more than maxBytes (${maxBytes})`);
      }
      parts.push(chunk.data);
      offset += chunk.data.length;
      if (chunk.eof || offset >= chunk.size) {
        return Buffer.concat(parts, offset);
      }
      if (chunk.data.length === 0) {
        await this.#fail(new SandboxError('ERR_PROTOCOL', `tmpfs/read of '${p}' made no progress at offset ${offset}`));
        throw this.#failure;
      }
    }
  }

  /**
   * Ends the session: asks the child to shut down, then kills it if it does
   * not exit in time, and reaps it. A run in progress is rejected with
   * ERR_CLOSED. Safe to call more than once and in any state.
   * @returns {Promise<void>}
   */
  close() {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async [Symbol.asyncDispose]() {
    await this.close();
  }

  // ---- internals -------------------------------------------------------

  /**
   * @param {string} what
   * @returns {SandboxError}
   */
  #stateError(what) {
    if (this.#ended) {
      return new SandboxError('ERR_SESSION_ENDED',
        `cannot ${what}: the session has ended (${this.#ended.reason}: ${this.#ended.message})`);
    }
    switch (this.#state) {
      case 'new':
        return new SandboxError('ERR_NOT_STARTED', `cannot ${what}: call start() first`);
      case 'starting':
        return new SandboxError('ERR_NOT_STARTED', `cannot ${what}: the sandbox is still starting`);
      case 'running':
        return new SandboxError('ERR_BUSY', `cannot ${what}: a run is in progress (one run at a time)`);
      case 'ready':
        return new SandboxError('ERR_ALREADY_STARTED', `cannot ${what}: the sandbox has already started`);
      default:
        return new SandboxError('ERR_CLOSED', `cannot ${what}: the sandbox is closed${
          this.#failure && this.#failure.code !== 'ERR_CLOSED' ? ` (${this.#failure.message})` : ''}`,
        { cause: this.#failure });
    }
  }

  /** @param {string} what */
  #checkIdle(what) {
    if (this.#state !== 'ready' || this.#ended) {
      throw this.#stateError(what);
    }
    this.#checkCapability('tmpfs', what);
  }

  /**
   * SPEC [REQ-VER-4]: a feature whose capability the child reports as false
   * is not used. A capability left out is taken as present.
   * @param {string} name
   * @param {string} what
   */
  #checkCapability(name, what) {
    if (this.#info?.capabilities[name] === false) {
      throw new SandboxError('ERR_UNSUPPORTED', `cannot ${what}: the sandbox child does not support ${name}`);
    }
  }

  /**
   * Runs a check of the child's answer; a bad answer ends the session.
   * @template T
   * @param {() => T} check
   * @returns {T}
   */
  #checked(check) {
    try {
      return check();
    } catch (err) {
      const error = err instanceof SandboxError ? err : new SandboxError('ERR_PROTOCOL', errorMessage(err));
      this.#fail(error);
      throw error;
    }
  }

  /**
   * Initializes the session on a child of a pool, at the version its `warm`
   * negotiated (SPEC [REQ-WARM-2]). A child that exits, or answers
   * setup_failed, before the session is set up failed as a warm child (SPEC
   * [REQ-WARM-6], [REQ-WARM-8]): it is given back to be reaped and undefined
   * is returned, for a cold start. Any other failure is the session's.
   * @param {WarmChild} lease
   * @param {Record<string, unknown>} params
   * @param {AbortSignal | undefined} signal
   * @returns {Promise<unknown>} the initialize result, or undefined
   */
  async #initializeLease(lease, params, signal) {
    const child = lease.child;
    this.#adopting = true;
    this.#attach(child, lease.conn);
    this.#warm = lease.info;
    const died = child.exited.then((exit) => Promise.reject(exitError(child, exit)));
    const answer = this.#request('initialize', { ...params, protocol_version: lease.protocolVersion });
    try {
      return await this.#deadline(Promise.race([answer, died]), this.#options.startTimeout,
        "an answer to 'initialize'", signal);
    } catch (err) {
      const error = /** @type {SandboxError} */ (err);
      const failedWarm = error.code === 'ERR_CHILD_EXITED' ||
        (error.code === 'ERR_REMOTE' && error.rpcCode === RPC_CODES.setup_failed);
      if (this.#failure || !failedWarm || !this.#lender) {
        throw err;
      }
      debug('warm child %s failed at initialize (%s): starting cold', child.pid, error.message);
      this.#detach(lease, error, this.#lender);
      return undefined;
    } finally {
      this.#adopting = false;
      this.#emitHeldEnded();
    }
  }

  /**
   * Gives up the warm child of a failed #initializeLease: its messages and
   * exit no longer reach this Sandbox, and the pool has it reaped.
   * @param {WarmChild} lease
   * @param {SandboxError} error
   * @param {Lender} lender
   */
  #detach(lease, error, lender) {
    lease.conn.setHandlers(DETACHED);
    lease.conn.failAll(error);
    this.#child = undefined;
    this.#conn = undefined;
    this.#exited = undefined;
    this.#warm = undefined;
    this.#ended = undefined;
    this.#heldEnded = undefined;
    this.#dropped = undefined;
    lender.fallback(lease, error);
  }

  #emitHeldEnded() {
    const held = this.#heldEnded;
    this.#heldEnded = undefined;
    if (held) {
      this.#emitSafely('ended', held);
    }
  }

  /** @param {string} file */
  #spawn(file) {
    const child = new ChildProcess(file);
    debug('started %s as pid %s', file, child.pid);
    this.#attach(child, new Connection(child.output, child.input, this.#handlers(child)));
  }

  /**
   * Takes CHILD and its connection as this session's: their messages and
   * exit are this Sandbox's from now on.
   * @param {ChildProcess} child
   * @param {Connection} conn
   */
  #attach(child, conn) {
    this.#child = child;
    this.#conn = conn;
    conn.setHandlers(this.#handlers(child));
    this.#exited = child.exited.then((exit) => {
      // While a warm child is adopted, #initializeLease sees its exit.
      if (this.#child === child && !this.#adopting) {
        this.#onExit(exit);
      }
      return exit;
    });
  }

  /**
   * @param {ChildProcess} child
   * @returns {import('./connection.js').ConnectionHandlers}
   */
  #handlers(child) {
    return {
      onRequest: (method, params, id) => this.#onRequest(method, params, id),
      onNotification: (method, params) => this.#onNotification(method, params),
      onFatal: (error) => { this.#fail(error); },
      onOversized: (error) => { this.#dropped = error; },
      onEnd: () => this.#onEnd(child),
    };
  }

  /**
   * End of file on fd 4 ends the session (SPEC [REQ-BAD-15]). A child that
   * exits right after is reported by its exit, which says more.
   */
  /** @param {ChildProcess} child */
  #onEnd(child) {
    setTimeout(() => {
      if (this.#child === child && child.running && this.#failure === undefined && !this.#closing) {
        this.#fail(new SandboxError('ERR_CHILD_EXITED', 'the sandbox child closed fd 4 but did not exit',
          { stderr: child.stderrTail }));
      }
    }, EOF_GRACE_MS).unref();
  }

  /** @param {import('./child-process.js').ExitInfo} exit */
  #onExit(exit) {
    const child = /** @type {ChildProcess} */ (this.#child);
    const error = this.#closing && !exit.spawnError ? new SandboxError('ERR_CLOSED', 'the sandbox was closed')
      : exitError(child, exit);
    this.#fail(error);
    this.#emitSafely('exit', { code: exit.code, signal: exit.signal });
  }

  /**
   * Ends the session for ERROR: every pending request and the run fail with
   * it (the first failure wins), and the child is killed. Resolves once the
   * child has been reaped.
   * @param {SandboxError} error
   * @returns {Promise<void>}
   */
  #fail(error) {
    if (this.#failure === undefined) {
      this.#failure = error;
      debug('session failed: %s: %s', error.code, error.message);
    }
    this.#state = 'closed';
    this.#conn?.failAll(this.#failure);
    this.#run?.reject(this.#failure);
    this.#runAbort?.abort(this.#failure);
    this.#terminating ??= this.#terminate();
    return this.#terminating;
  }

  /**
   * SPEC [REQ-TIME-4]: close fd 3 (a healthy child exits at once), give it
   * KILL_GRACE_MS to do so, then SIGKILL; in every case reap it.
   */
  async #terminate() {
    if (!this.#child) {
      return;
    }
    this.#conn?.end();
    const exited = await Promise.race([this.#exited, delay(KILL_GRACE_MS)]);
    if (exited === undefined) {
      this.#child.kill();
    }
    await this.#exited;
  }

  /**
   * @param {string} method
   * @param {Record<string, unknown>} params
   * @returns {Promise<unknown>}
   */
  #request(method, params) {
    if (!this.#conn) {
      return Promise.reject(this.#stateError(method));
    }
    return this.#conn.request(method, params).response;
  }

  /**
   * Waits for PROMISE at most MS milliseconds; a child that stays silent
   * longer is killed, so nothing waits forever.
   * @template T
   * @param {Promise<T>} promise
   * @param {number} ms
   * @param {string} what
   * @param {AbortSignal} [signal]
   * @returns {Promise<T>}
   */
  #deadline(promise, ms, what, signal) {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#fail(/** @type {SandboxError} */ (abortedError(signal)));
        reject(this.#failure);
      };
      const timer = setTimeout(() => {
        const error = new SandboxError('ERR_TIMEOUT', `the sandbox child sent no ${what} within ${ms} ms`,
          { cause: this.#dropped });
        this.#fail(error);
        reject(this.#failure);
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, (err) => {
        reject(err);
        // A protocol error in an answer leaves the session in an unknown state.
        if (err instanceof SandboxError && err.code === 'ERR_PROTOCOL') {
          this.#fail(err);
        }
      }).finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      });
    });
  }

  /**
   * @param {'execute' | 'invoke'} method
   * @param {Record<string, unknown>} params
   * @param {AbortSignal | undefined} signal
   * @returns {Run}
   */
  #startRun(method, params, signal) {
    if (this.#state !== 'ready' || this.#ended || !this.#conn || !this.#info) {
      throw this.#stateError(method);
    }
    this.#checkCapability(method, method);
    const aborted = abortedError(signal);
    if (aborted) {
      throw aborted;
    }
    const { id, response } = this.#conn.request(method, params);
    /** @type {Run} */
    const run = new Run(id, () => this.#cancel(run));
    this.#run = run;
    this.#runAbort = new AbortController();
    this.#state = 'running';

    const limit = this.#info.limits.wallMs + this.#options.grace;
    const timer = setTimeout(() => {
      this.#fail(new SandboxError('ERR_TIMEOUT', 'the sandbox child sent no result within the wall limit plus ' +
        `grace (${limit} ms)`, { cause: this.#dropped }));
    }, limit);
    const onAbort = () => { run.cancel().catch(() => {}); };
    signal?.addEventListener('abort', onAbort, { once: true });

    response.then((raw) => this.#finishRun(run, raw), (err) => this.#failRun(run, err)).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
    return run;
  }

  /**
   * @param {Run} run
   * @param {unknown} raw
   */
  #finishRun(run, raw) {
    let result;
    try {
      result = new Result(raw, run.collected('stdout'), run.collected('stderr'));
    } catch (err) {
      this.#fail(/** @type {SandboxError} */ (err));
      return;
    }
    this.#endRun();
    if (!result.sessionUsable) {
      this.#ended = { reason: 'fatal_outcome', message: `the run ended with outcome '${result.outcome}'` };
      this.#state = 'ended';
      this.close().catch(() => {});
    }
    run.resolve(result);
  }

  /**
   * @param {Run} run
   * @param {SandboxError} error
   */
  #failRun(run, error) {
    if (error.code === 'ERR_REMOTE' && this.#state === 'running') {
      this.#endRun();
      if (error.rpcCode === RPC_CODES.session_ended) {
        this.#ended ??= { reason: 'session_ended', message: error.message };
        this.#state = 'ended';
      }
    } else if (error.code === 'ERR_PROTOCOL') {
      this.#fail(error);
    }
    run.reject(error);
  }

  #endRun() {
    // SPEC [REQ-STATE-6], [REQ-HOST-8]: the child's requests of this run are
    // answered now, before anyone can start the next run.
    this.#conn?.abandonIncoming('the run ended before this request was answered');
    this.#runAbort?.abort(new SandboxError('ERR_CLOSED', 'the run has ended'));
    this.#runAbort = undefined;
    this.#run = undefined;
    if (this.#state === 'running') {
      this.#state = 'ready';
    }
  }

  /**
   * Asks the child to cancel RUN; kills it if the run does not end in time.
   * @param {Run} run
   * @returns {Promise<boolean>} the child's `cancelled`
   */
  async #cancel(run) {
    if (this.#run !== run || !this.#conn) {
      return false;
    }
    if (this.#info?.capabilities.cancel === false) {
      // The child cannot stop a run: ending the session is the only way.
      this.#fail(new SandboxError('ERR_ABORTED', 'the run was aborted by killing the child, which cannot cancel'));
      return true;
    }
    const ms = this.#options.requestTimeout;
    const timer = setTimeout(() => {
      if (!run.settled) {
        this.#fail(new SandboxError('ERR_TIMEOUT', `the sandbox child did not end the cancelled run within ${ms} ms`));
      }
    }, ms);
    run.finally(() => clearTimeout(timer)).catch(() => {});
    try {
      return parseCancel(await this.#request('cancel', {}));
    } catch (err) {
      debug('cancel failed: %s', errorMessage(err));
      return false;
    }
  }

  /**
   * @param {string} method
   * @param {unknown} params
   * @param {string | number} id
   * @returns {Promise<unknown>}
   */
  async #onRequest(method, params, id) {
    // hostfs/* may arrive while initialize is processed (run null): the
    // requested or default limits hold until the child reports its own.
    const requested = /** @type {Record<string, number>} */ (this.#options.initParams.limits ?? {});
    const limits = this.#info?.limits ?? {
      hostCallBytes: requested.host_call_bytes ?? DEFAULT_HOST_CALL_BYTES,
      fileBytes: requested.file_bytes ?? DEFAULT_FILE_BYTES,
    };
    switch (method) {
      case 'host/call':
        return answerHostCall(params, this.#functions, {
          run: this.#run?.id,
          maxBytes: limits.hostCallBytes,
          signal: this.#runAbort?.signal ?? AbortSignal.abort(),
          id,
        });
      case 'hostfs/stat':
      case 'hostfs/read':
      case 'hostfs/list':
        return answerHostFs(/** @type {'stat' | 'read' | 'list'} */ (method.slice(7)), params,
          this.#options.hostDirectories, Math.min(limits.fileBytes, this.#frameRoom()));
      default:
        throw new RpcReply(RPC_CODES.method_not_found, `unknown method '${method}'`);
    }
  }

  /** Decoded bytes that fit one answer frame as base64, with room for the envelope. */
  #frameRoom() {
    const frame = this.#conn?.maxFrame ?? 65536;
    return Math.floor((frame - 1024) / 4) * 3;
  }

  /**
   * @param {string} method
   * @param {unknown} params
   */
  #onNotification(method, params) {
    /** @type {[keyof SandboxEvents, unknown] | undefined} */
    let event;
    try {
      if (method === 'output') {
        event = this.#onOutput(params);
      } else if (method === 'ended') {
        const p = object(params, 'ended params');
        // After close() the session ending is what was asked for, not news.
        if (!this.#closing) {
          this.#ended ??= { reason: String(p.reason), message: String(p.message ?? '') };
        }
        debug('session ended: %s', p.reason);
        const ended = Object.freeze({ reason: String(p.reason), message: String(p.message ?? '') });
        if (this.#adopting) {
          this.#heldEnded = ended; // news only if the session does not start cold instead
        } else {
          event = ['ended', ended];
        }
      } else {
        debug('unknown notification %s ignored', method);
      }
    } catch (err) {
      this.#fail(err instanceof SandboxError ? err : new SandboxError('ERR_PROTOCOL', errorMessage(err)));
    }
    if (event) {
      this.#emitSafely(event[0], event[1]);
    }
  }

  /**
   * Emits outside the frame loop's error handling: a listener that throws
   * fails the application as any throwing listener does, not the session.
   * @param {keyof SandboxEvents} name
   * @param {any} value
   */
  #emitSafely(name, value) {
    try {
      this.emit(name, value);
    } catch (err) {
      process.nextTick(() => { throw err; });
    }
  }

  /**
   * @param {unknown} params
   * @returns {['output', unknown] | undefined} the event to emit
   */
  #onOutput(params) {
    const p = object(params, 'output params');
    const stream = /** @type {'stdout' | 'stderr'} */ (oneOf(p.stream, 'output.stream', ['stdout', 'stderr']));
    const data = base64(p.data, 'output.data');
    const run = this.#run;
    if (!run || run.id !== p.run) {
      debug('output for run %j, which is not running, ignored', p.run);
      return undefined;
    }
    const limit = /** @type {SessionInfo} */ (this.#info).limits.outputBytes + OUTPUT_SLACK;
    if (run.outputBytes + data.length > limit) {
      throw new SandboxError('ERR_PROTOCOL', `the sandbox child sent more than ${limit} bytes of output in one run`);
    }
    run.pushOutput(stream, data);
    return ['output', Object.freeze({ run: run.id, stream, data })];
  }

  async #close() {
    if (this.#state === 'new') {
      this.#state = 'closed';
      return;
    }
    // A session still in `new` is abandoned by closing fd 3 alone (shutdown needs `initialize`).
    const conn = this.#conn;
    if (conn && this.#failure === undefined && this.#state !== 'starting' && this.#child?.running) {
      try {
        const answer = this.#request('shutdown', {});
        conn.quiet();
        await this.#deadline(answer, this.#options.requestTimeout, "an answer to 'shutdown'");
      } catch (err) {
        debug('shutdown: %s', errorMessage(err));
      }
    }
    await this.#fail(new SandboxError('ERR_CLOSED', 'the sandbox was closed'));
  }
}

/**
 * @param {number} ms
 * @returns {Promise<undefined>}
 */
function delay(ms) {
  return new Promise((resolve) => {
    setTimeout(() => resolve(undefined), ms).unref();
  });
}

/**
 * Makes SANDBOX take its child from LENDER when it starts (SandboxPool).
 * @param {Sandbox} sandbox
 * @param {Lender} lender
 */
export function lendFrom(sandbox, lender) {
  setLender(sandbox, lender);
}
