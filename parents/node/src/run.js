/**
 * One execute or invoke in progress. A Run is awaitable (it resolves to the
 * Result) and async-iterable (it yields the output chunks as the code writes
 * them, then ends when the run does). Output is stored once, bounded by the
 * output limit, and shared by the iterator and the Result.
 */

/**
 * @typedef {object} OutputChunk
 * @property {number} run the id of the run
 * @property {'stdout' | 'stderr'} stream
 * @property {Buffer} data
 */

/**
 * @typedef {import('./result.js').Result} Result
 */

/**
 * @implements {Promise<Result>}
 * @implements {AsyncIterable<OutputChunk>}
 */
export class Run {
  /** @type {OutputChunk[]} */
  #chunks = [];
  /** @type {Set<() => void>} */
  #wakers = new Set();
  #settled = false;
  /** @type {unknown} */
  #error = undefined;
  /** @type {(result: Result) => void} */
  #resolve = () => {};
  /** @type {(error: unknown) => void} */
  #reject = () => {};
  /** @type {Promise<Result>} */
  #promise;
  #cancel;
  #bytes = { stdout: 0, stderr: 0 };

  /**
   * @param {number} id
   * @param {() => Promise<unknown>} cancel asks the child to cancel this run
   */
  constructor(id, cancel) {
    /** The JSON-RPC id of the request, which output notifications name. */
    this.id = id;
    this.#cancel = cancel;
    this.#promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Callers may only iterate; the rejection then reaches them through the iterator.
    this.#promise.catch(() => {});
  }

  /** Makes a Run usable wherever a Promise<Result> is expected. */
  get [Symbol.toStringTag]() {
    return 'Run';
  }

  /** Bytes of output received so far. */
  get outputBytes() {
    return this.#bytes.stdout + this.#bytes.stderr;
  }

  /** True once the run has a result or has failed. */
  get settled() {
    return this.#settled;
  }

  /**
   * @template [T=Result]
   * @template [U=never]
   * @param {((value: Result) => T | PromiseLike<T>) | null} [onFulfilled]
   * @param {((reason: any) => U | PromiseLike<U>) | null} [onRejected]
   * @returns {Promise<T | U>}
   */
  then(onFulfilled, onRejected) {
    return this.#promise.then(onFulfilled, onRejected);
  }

  /**
   * @template [U=never]
   * @param {((reason: any) => U | PromiseLike<U>) | null} [onRejected]
   * @returns {Promise<Result | U>}
   */
  catch(onRejected) {
    return this.#promise.catch(onRejected);
  }

  /**
   * @param {(() => void) | null} [onFinally]
   * @returns {Promise<Result>}
   */
  finally(onFinally) {
    return this.#promise.finally(onFinally);
  }

  /**
   * Asks the child to stop the run. The run then ends with outcome
   * 'cancelled', which ends the session. Does nothing once settled.
   * @returns {Promise<void>}
   */
  async cancel() {
    if (!this.#settled) {
      await this.#cancel();
    }
  }

  /**
   * @param {'stdout' | 'stderr'} stream
   * @param {Buffer} data
   */
  pushOutput(stream, data) {
    if (this.#settled) {
      return;
    }
    this.#chunks.push(Object.freeze({ run: this.id, stream, data }));
    this.#bytes[stream] += data.length;
    this.#wake();
  }

  /**
   * The output of one stream, concatenated.
   * @param {'stdout' | 'stderr'} stream
   * @returns {Buffer}
   */
  collected(stream) {
    const parts = this.#chunks.filter((c) => c.stream === stream).map((c) => c.data);
    return Buffer.concat(parts, this.#bytes[stream]);
  }

  /** @param {Result} result */
  resolve(result) {
    if (!this.#settled) {
      this.#settled = true;
      this.#resolve(result);
      this.#wake();
    }
  }

  /** @param {import('./errors.js').SandboxError} error */
  reject(error) {
    if (!this.#settled) {
      this.#settled = true;
      this.#error = error;
      this.#reject(error);
      this.#wake();
    }
  }

  #wake() {
    const wakers = [...this.#wakers];
    this.#wakers.clear();
    for (const w of wakers) {
      w();
    }
  }

  /** @returns {AsyncIterator<OutputChunk>} */
  [Symbol.asyncIterator]() {
    let index = 0;
    /** @returns {Promise<IteratorResult<OutputChunk, undefined>>} */
    const next = async () => {
      while (index >= this.#chunks.length && !this.#settled) {
        await new Promise((resolve) => this.#wakers.add(() => resolve(undefined)));
      }
      if (index < this.#chunks.length) {
        return { done: false, value: this.#chunks[index++] };
      }
      if (this.#error !== undefined) {
        throw this.#error;
      }
      return { done: true, value: undefined };
    };
    return { next };
  }
}
