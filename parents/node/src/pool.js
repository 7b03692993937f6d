/**
 * SandboxPool: children started ahead of need (SPEC "warm", protocol 1.1),
 * so that a session starts with `initialize` alone. The pool keeps up to
 * `size` children spawned and warm, hands each to one Sandbox (one session
 * per child, SPEC [REQ-WARM-8]) and starts a replacement in the background.
 */

import { debuglog } from 'node:util';

import { abortedError, checkSignal } from './arguments.js';
import { resolveChildPath } from './child-process.js';
import { SandboxError } from './errors.js';
import { errorMessage } from './framing.js';
import { normalizePoolOptions } from './options.js';
import { lendFrom, Sandbox } from './sandbox.js';
import { WARM_VERSION, WarmChild } from './warm-child.js';

const debug = debuglog('pysandbox');

/** First pause before the pool starts children again after one failed; it doubles up to the maximum. */
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 30_000;

/**
 * Counters of a pool, for users and benchmarks.
 * @typedef {object} PoolStats
 * @property {number} size the most children the pool keeps ready
 * @property {number} ready idle children that can start a session now
 * @property {number} warming idle children still warming
 * @property {number} warm sessions started on a warm child
 * @property {number} cold sessions started cold: the pool was empty, or its children do not speak `warm`
 * @property {number} failed children that failed before their session was set up (each was reaped) or could not
 *   be started; a child binary that cannot be found counts once
 * @property {import('./errors.js').SandboxError | undefined} lastError why the last of those failed
 */

/** Kills of the idle children of every open pool, run when the process exits. */
/** @type {Set<() => void>} */
const openPools = new Set();
let exitHooked = false;

function killAllIdle() {
  for (const kill of openPools) {
    kill();
  }
}

/**
 * @param {Promise<void>} promise
 * @param {AbortSignal | undefined} signal
 * @returns {Promise<void>}
 */
function abortable(promise, signal) {
  if (!signal) {
    return promise;
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class SandboxPool {
  #options;
  /** @type {WarmChild[]} idle children, oldest first */
  #idle = [];
  /** @type {WarmChild[]} idle children close() is ending */
  #ending = [];
  /** @type {Promise<string>} the child's path */
  #file;
  /** @type {string | undefined} */
  #path;
  /** False once a child refused `warm`: its successors are started without it. */
  #warmSupported = true;
  #closed = false;
  /** @type {Promise<void> | undefined} */
  #closing;
  #failures = 0;
  #retryAt = 0;
  /** @type {NodeJS.Timeout | undefined} */
  #retryTimer;
  /** @type {NodeJS.Immediate | undefined} */
  #refillSoon;
  #counts = { warm: 0, cold: 0, failed: 0 };
  /** @type {SandboxError | undefined} */
  #lastError;
  #killIdle = () => {
    for (const child of [...this.#idle, ...this.#ending]) {
      child.child.kill();
    }
  };

  /**
   * Checks the options and starts filling the pool at once, in the
   * background. Close the pool with close(): until then it keeps its
   * children, and the event loop, alive.
   * @param {import('./options.js').PoolOptions} [options]
   * @throws {SandboxError} ERR_INVALID_OPTION naming the offending option
   */
  constructor(options = {}) {
    this.#options = normalizePoolOptions(options);
    this.#file = resolveChildPath(this.#options.child);
    this.#file.then((file) => {
      this.#path = file;
      this.#refill();
    }, (err) => {
      // No child to start at all: a failure like a spawn that fails (no retry, there is nothing to retry).
      this.#counts.failed += 1;
      this.#lastError = err;
    });
    openPools.add(this.#killIdle);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', killAllIdle);
    }
  }

  /** The most children the pool keeps ready. */
  get size() {
    return this.#options.size;
  }

  /** True once close() was called. */
  get closed() {
    return this.#closed;
  }

  /** @returns {Readonly<PoolStats>} */
  get stats() {
    return Object.freeze({
      size: this.#options.size,
      ready: this.#idle.filter((c) => c.usable).length,
      warming: this.#idle.filter((c) => c.state === 'warming').length,
      ...this.#counts,
      lastError: this.#lastError,
    });
  }

  /**
   * A new Sandbox whose start() takes its child from this pool. Use it as
   * any Sandbox: expose() host functions, then start(), and close() it when
   * done; its child is never reused.
   * @param {import('./options.js').SandboxOptions} [options] as for Sandbox, except `child` (the pool's)
   * @returns {Sandbox}
   * @throws {SandboxError} ERR_INVALID_OPTION, ERR_CLOSED
   */
  sandbox(options = {}) {
    if (typeof options === 'object' && options !== null && 'child' in options) {
      throw new SandboxError('ERR_INVALID_OPTION', "option 'child' is the pool's: set it in new SandboxPool()");
    }
    this.#checkOpen('create a sandbox');
    const sandbox = new Sandbox(options);
    lendFrom(sandbox, {
      take: (signal) => this.#take(signal),
      fallback: (lease, error) => this.#fallback(lease, error),
    });
    return sandbox;
  }

  /**
   * A started Sandbox from this pool: sandbox(options), then start().
   * @param {import('./options.js').SandboxOptions} [options] as for sandbox()
   * @param {{ signal?: AbortSignal }} [startOptions]
   * @returns {Promise<Sandbox>}
   */
  async session(options = {}, startOptions = {}) {
    const sandbox = this.sandbox(options);
    await sandbox.start(startOptions);
    return sandbox;
  }

  /**
   * Resolves once every child the pool holds has answered `warm` or failed.
   * @returns {Promise<void>}
   */
  async ready() {
    await this.#file.catch(() => {});
    await Promise.all(this.#idle.map((child) => child.ready));
  }

  /**
   * Closes the pool: each idle child gets EOF on fd 3, SIGKILL if it lingers
   * past 2 s, and is reaped. Sessions already started are not affected.
   * Idempotent.
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

  /** @param {string} what */
  #checkOpen(what) {
    if (this.#closed) {
      throw new SandboxError('ERR_CLOSED', `cannot ${what}: the pool is closed`);
    }
  }

  async #close() {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearImmediate(this.#refillSoon);
    this.#ending = this.#idle.splice(0);
    await Promise.all(this.#ending.map((child) => child.discard()));
    this.#ending = [];
    openPools.delete(this.#killIdle);
  }

  /**
   * The child for one session: an idle one that is ready, else the oldest
   * still warming, waited for within its own timeout. When that one fails,
   * only a ready child is taken: with none, the session starts cold, so a
   * session waits for at most one warm.
   * @param {AbortSignal | undefined} signal
   * @returns {Promise<{ lease?: WarmChild, file: string }>}
   */
  async #take(signal) {
    checkSignal(signal);
    this.#checkOpen('start');
    const file = await this.#file;
    const aborted = abortedError(signal);
    if (aborted) {
      throw aborted;
    }
    let mayWait = true;
    for (let child = this.#pick(mayWait); child; child = this.#pick(mayWait)) {
      this.#idle.splice(this.#idle.indexOf(child), 1);
      this.#scheduleRefill();
      if (!child.usable) {
        mayWait = false;
        try {
          await abortable(child.ready, signal);
          this.#checkOpen('start');
        } catch (err) {
          child.discard();
          throw err;
        }
      }
      if (child.usable) {
        child.adopt();
        this.#counts[child.info ? 'warm' : 'cold'] += 1;
        return { lease: child, file };
      }
    }
    this.#checkOpen('start');
    this.#counts.cold += 1;
    return { file };
  }

  /**
   * A child a session took failed before the session was set up; the
   * session starts cold instead. The Sandbox has let go of the child.
   * @param {WarmChild} lease
   * @param {SandboxError} error
   */
  #fallback(lease, error) {
    lease.discard();
    this.#counts[lease.info ? 'warm' : 'cold'] -= 1;
    this.#counts.cold += 1;
    this.#counts.failed += 1;
    this.#lastError = error;
  }

  /**
   * @param {boolean} mayWait whether a child still warming may be picked
   * @returns {WarmChild | undefined}
   */
  #pick(mayWait) {
    return this.#idle.find((c) => c.usable) ?? (mayWait ? this.#idle.find((c) => c.state === 'warming') : undefined);
  }

  #scheduleRefill() {
    this.#refillSoon ??= setImmediate(() => {
      this.#refillSoon = undefined;
      this.#refill();
    });
  }

  /**
   * Starts children until the pool holds `size`, unless it is pausing after a
   * failure. After a failure it holds one child only until a child settles
   * usable (#onSettled): a configuration that still fails costs one child per
   * pause, not `size`.
   */
  #refill() {
    if (this.#closed || this.#path === undefined) {
      return;
    }
    const target = this.#failures > 0 ? 1 : this.#options.size;
    const wait = this.#retryAt - Date.now();
    if (wait > 0 && this.#idle.length < target) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => this.#refill(), wait);
      return;
    }
    while (this.#idle.length < target) {
      try {
        this.#idle.push(this.#start(this.#path));
      } catch (err) {
        // Node throws at once for some spawn failures (EAGAIN, EMFILE); pause as for a failed warm.
        const error = err instanceof SandboxError ? err
          : new SandboxError('ERR_SPAWN', `cannot start the sandbox child '${this.#path}': ${errorMessage(err)}`,
            { cause: err });
        this.#failed(error);
        return;
      }
    }
  }

  /**
   * @param {string} file
   * @returns {WarmChild}
   */
  #start(file) {
    /** @type {Record<string, unknown> | undefined} */
    let params;
    if (this.#warmSupported) {
      params = { protocol_version: WARM_VERSION, preload: this.#options.preload };
      if (this.#options.verbosity !== undefined) {
        params.verbosity = this.#options.verbosity;
      }
    }
    const child = new WarmChild(file, { params, timeout: this.#options.startTimeout,
      onGone: (gone) => this.#onGone(gone) });
    child.ready.then(() => this.#onSettled(child));
    return child;
  }

  /**
   * A child that settles usable ends the failures in a row: the pool fills up
   * to `size` again.
   * @param {WarmChild} child
   */
  #onSettled(child) {
    if (child.state === 'new' && child.info === undefined && child.error) {
      // SPEC [REQ-WARM-1]: a 1.0 child; the pool goes on with cold children.
      debug('warm pool: the child does not speak warm (%s)', child.error.message);
      this.#warmSupported = false;
    }
    if ((child.state === 'warm' || child.state === 'new') && this.#failures > 0) {
      this.#failures = 0;
      this.#scheduleRefill();
    }
  }

  /**
   * A child failed or exited before a session took it: it is reaped (by
   * WarmChild) and replaced, after a pause that grows while children keep
   * failing, so a child that cannot warm is not restarted in a loop.
   * @param {WarmChild} child
   */
  #onGone(child) {
    const i = this.#idle.indexOf(child);
    if (i >= 0) {
      this.#idle.splice(i, 1);
    }
    if (this.#closed || child.error?.code === 'ERR_CLOSED') {
      return;
    }
    this.#failed(/** @type {SandboxError} */ (child.error));
  }

  /**
   * Counts a child that failed before any session took it, and pauses the
   * refill for a time that doubles with each failure in a row.
   * @param {SandboxError} error
   */
  #failed(error) {
    this.#counts.failed += 1;
    this.#lastError = error;
    this.#failures += 1;
    this.#retryAt = Date.now() + Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (this.#failures - 1));
    this.#scheduleRefill();
  }
}
