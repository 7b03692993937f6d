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
export class Run implements Promise<Result>, AsyncIterable<OutputChunk> {
    /**
     * @param {number} id
     * @param {() => Promise<unknown>} cancel asks the child to cancel this run
     */
    constructor(id: number, cancel: () => Promise<unknown>);
    /** The JSON-RPC id of the request, which output notifications name. */
    id: number;
    /** Bytes of output received so far. */
    get outputBytes(): number;
    /** True once the run has a result or has failed. */
    get settled(): boolean;
    /**
     * @template [T=Result]
     * @template [U=never]
     * @param {((value: Result) => T | PromiseLike<T>) | null} [onFulfilled]
     * @param {((reason: any) => U | PromiseLike<U>) | null} [onRejected]
     * @returns {Promise<T | U>}
     */
    then<T = import("./result.js").Result, U = never>(onFulfilled?: ((value: Result) => T | PromiseLike<T>) | null, onRejected?: ((reason: any) => U | PromiseLike<U>) | null): Promise<T | U>;
    /**
     * @template [U=never]
     * @param {((reason: any) => U | PromiseLike<U>) | null} [onRejected]
     * @returns {Promise<Result | U>}
     */
    catch<U = never>(onRejected?: ((reason: any) => U | PromiseLike<U>) | null): Promise<Result | U>;
    /**
     * @param {(() => void) | null} [onFinally]
     * @returns {Promise<Result>}
     */
    finally(onFinally?: (() => void) | null): Promise<Result>;
    /**
     * Asks the child to stop the run. The run then ends with outcome
     * 'cancelled', which ends the session. Does nothing once settled.
     * @returns {Promise<void>}
     */
    cancel(): Promise<void>;
    /**
     * @param {'stdout' | 'stderr'} stream
     * @param {Buffer} data
     */
    pushOutput(stream: "stdout" | "stderr", data: Buffer): void;
    /**
     * The output of one stream, concatenated.
     * @param {'stdout' | 'stderr'} stream
     * @returns {Buffer}
     */
    collected(stream: "stdout" | "stderr"): Buffer;
    /** @param {Result} result */
    resolve(result: Result): void;
    /** @param {import('./errors.js').SandboxError} error */
    reject(error: import("./errors.js").SandboxError): void;
    /** Makes a Run usable wherever a Promise<Result> is expected. */
    get [Symbol.toStringTag](): string;
    /** @returns {AsyncIterator<OutputChunk>} */
    [Symbol.asyncIterator](): AsyncIterator<OutputChunk>;
    #private;
}
export type OutputChunk = {
    /**
     * the id of the run
     */
    run: number;
    stream: "stdout" | "stderr";
    data: Buffer;
};
export type Result = import("./result.js").Result;
