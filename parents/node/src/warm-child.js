/**
 * A child started ahead of its session for a SandboxPool (SPEC "warm"): it is
 * spawned and sent `warm`, then kept until a Sandbox adopts it for one session
 * or the pool discards it. A child serves one session at most and is reaped
 * like any other (SPEC [REQ-WARM-8]).
 */

import { debuglog } from 'node:util';

import { ChildProcess, exitError } from './child-process.js';
import { Connection, RpcReply } from './connection.js';
import { RPC_CODES, SandboxError } from './errors.js';
import { errorMessage } from './framing.js';
import { camelize } from './session-info.js';
import { object, protocolError, string } from './validate.js';

const debug = debuglog('pysandbox');

/** How long a discarded child may take to exit after EOF on fd 3 before SIGKILL (SPEC [REQ-TIME-4]). */
const KILL_GRACE_MS = 2000;
/** How long the child may keep running after closing fd 4; its exit, if it comes, says more. */
const EOF_GRACE_MS = 500;
/** The version a pool asks for in `warm`: the first that has it. */
export const WARM_VERSION = '1.1';
/** The version of a cold `initialize` (every 1.x child speaks it). */
export const COLD_VERSION = '1.0';

/**
 * What a warm child reported in its answer to `warm`.
 * @typedef {object} WarmInfo
 * @property {string} protocolVersion the version `warm` negotiated; the session speaks it
 * @property {Readonly<Record<string, unknown>>} python e.g. { version: '3.11.2', implementation: 'cpython' }
 * @property {readonly string[]} preloaded the modules of `preload`, all imported
 */

/**
 * warming: `warm` sent, no answer yet; warm: answered, waiting in state `warm`;
 * new: waiting in state `new` for a cold initialize (no `warm` was sent, or a
 * 1.0 child refused it, SPEC [REQ-WARM-1]); failed: discarded; adopted: a
 * Sandbox owns it.
 * @typedef {'warming' | 'warm' | 'new' | 'failed' | 'adopted'} WarmState
 */

/**
 * @typedef {object} WarmOptions
 * @property {Record<string, unknown> | undefined} params the `warm` params; undefined sends no `warm`
 * @property {number} timeout how long to wait for the answer to `warm`
 * @property {(child: WarmChild) => void} onGone called once if the child fails or exits before adoption
 */

/**
 * Checks the answer to `warm`.
 * @param {unknown} raw
 * @returns {WarmInfo}
 */
export function parseWarm(raw) {
  const r = object(raw, 'warm result');
  const version = string(r.protocol_version, 'protocol_version');
  if (!/^1\.\d+$/.test(version) || Number(version.slice(2)) < 1) {
    throw protocolError(`'protocol_version' of a warm child must be 1.1 or later, got '${version}'`);
  }
  if (!Array.isArray(r.preloaded) || r.preloaded.length > 64) {
    throw protocolError("'preloaded' must be an array of at most 64 module names");
  }
  const preloaded = r.preloaded.map((m, i) => string(m, `preloaded[${i}]`));
  return Object.freeze({
    protocolVersion: version,
    python: camelize(object(r.python, 'python')),
    preloaded: Object.freeze(preloaded),
  });
}

export class WarmChild {
  /** @type {WarmState} */
  #state;
  /** @type {WarmInfo | undefined} */
  #info;
  /** @type {SandboxError | undefined} */
  #error;
  #onGone;
  /** @type {Promise<void> | undefined} */
  #discarding;
  /** @type {() => void} */
  #settle = () => {};
  #eof = false;

  /**
   * Spawns FILE and sends it `warm` (unless OPTIONS.params is undefined).
   * Failures are reported through `error` and `onGone`; only a child that
   * could not be spawned at all is thrown (ERR_SPAWN: one another user could
   * replace, or pipes that cannot be set up).
   * @param {string} file
   * @param {WarmOptions} options
   */
  constructor(file, options) {
    this.#onGone = options.onGone;
    this.child = new ChildProcess(file);
    debug('warm pool: started %s as pid %s', file, this.child.pid);
    this.conn = new Connection(this.child.output, this.child.input, {
      onRequest: async (method) => {
        throw new RpcReply(RPC_CODES.internal_error, `cannot answer '${method}': no session is configured yet`);
      },
      onNotification: (method, params) => debug('warm child %s: %s %j', this.child.pid, method, params),
      onFatal: (error) => this.#fail(error),
      onEnd: () => this.#onEnd(),
    });
    /** Resolves once the child has left `warming`; never rejects. */
    this.ready = new Promise((resolve) => { this.#settle = () => resolve(undefined); });
    this.child.exited.then((exit) => this.#onExit(exit));
    this.#state = options.params ? 'warming' : 'new';
    if (options.params) {
      this.#warm(options.params, options.timeout);
    } else {
      this.#settle();
    }
  }

  /** @returns {WarmState} */
  get state() {
    return this.#state;
  }

  /** The answer to `warm`; undefined unless the state is (or was) warm. */
  get info() {
    return this.#info;
  }

  /** Why the child failed. */
  get error() {
    return this.#error;
  }

  /** The version the session's initialize must say (SPEC [REQ-WARM-2]). */
  get protocolVersion() {
    return this.#info?.protocolVersion ?? COLD_VERSION;
  }

  /** True while a Sandbox could adopt the child. */
  get usable() {
    return (this.#state === 'warm' || this.#state === 'new') && this.child.running && !this.#eof;
  }

  /**
   * Hands the child to a Sandbox, which from now on owns its process and
   * connection (Connection.setHandlers, reaping).
   */
  adopt() {
    if (!this.usable) {
      throw new SandboxError('ERR_CLOSED', `cannot adopt a warm child in state '${this.#state}'`);
    }
    this.#state = 'adopted';
  }

  /**
   * Ends the child: EOF on fd 3, SIGKILL if it lingers past the grace
   * period, and reaping. Resolves once it is reaped; never rejects.
   * @returns {Promise<void>}
   */
  discard() {
    if (this.#state !== 'adopted') {
      this.#fail(new SandboxError('ERR_CLOSED', 'the warm child was discarded'));
    }
    this.#discarding ??= this.#terminate();
    return this.#discarding;
  }

  /**
   * @param {Record<string, unknown>} params
   * @param {number} timeout
   */
  async #warm(params, timeout) {
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    const expired = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new SandboxError('ERR_TIMEOUT',
        `the sandbox child sent no answer to 'warm' within ${timeout} ms`)), timeout);
    });
    try {
      const raw = await Promise.race([this.conn.request('warm', params).response, expired]);
      if (this.#state === 'warming') {
        this.#info = parseWarm(raw);
        this.#state = 'warm';
      }
    } catch (err) {
      this.#refusedOrFailed(err);
    } finally {
      clearTimeout(timer);
      this.#settle();
    }
  }

  /**
   * SPEC [REQ-WARM-1], [REQ-WARM-4]: a child that does not speak `warm`
   * answers method_not_found or unsupported_version and is still in `new`,
   * where a cold initialize starts it. Anything else fails the child.
   * @param {unknown} err
   */
  #refusedOrFailed(err) {
    const error = err instanceof SandboxError ? err : new SandboxError('ERR_PROTOCOL', errorMessage(err));
    const refused = error.code === 'ERR_REMOTE' &&
      (error.rpcCode === RPC_CODES.method_not_found || error.rpcCode === RPC_CODES.unsupported_version);
    if (refused && this.#state === 'warming') {
      debug('warm child %s refused warm (%s): it starts cold', this.child.pid, error.rpcName);
      this.#error = error;
      this.#state = 'new';
    } else {
      this.#fail(error);
    }
  }

  /** End of file on fd 4 ends the child (SPEC [REQ-BAD-15]); it should exit at once. */
  #onEnd() {
    this.#eof = true;
    setTimeout(() => {
      this.#fail(new SandboxError('ERR_CHILD_EXITED', 'the sandbox child closed fd 4 but did not exit',
        { stderr: this.child.stderrTail }));
    }, EOF_GRACE_MS).unref();
  }

  /** @param {import('./child-process.js').ExitInfo} exit */
  #onExit(exit) {
    if (this.#state !== 'adopted') {
      this.#fail(exitError(this.child, exit));
    }
  }

  /**
   * Fails the child for ERROR (the first reason wins), starts ending it and
   * tells the pool, once. Does nothing after adoption.
   * @param {SandboxError} error
   */
  #fail(error) {
    if (this.#state === 'adopted' || this.#state === 'failed') {
      return;
    }
    debug('warm child %s failed: %s: %s', this.child.pid, error.code, error.message);
    this.#error = error;
    this.#state = 'failed';
    this.conn.failAll(error);
    this.#discarding ??= this.#terminate();
    this.#settle();
    this.#onGone(this);
  }

  async #terminate() {
    this.conn.end();
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    const grace = new Promise((resolve) => { timer = setTimeout(() => resolve(false), KILL_GRACE_MS); });
    const exited = await Promise.race([this.child.exited.then(() => true), grace]);
    clearTimeout(timer);
    if (!exited) {
      this.child.kill();
    }
    await this.child.exited;
  }
}
