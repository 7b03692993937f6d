export class SandboxPool {
    /**
     * Checks the options and starts filling the pool at once, in the
     * background. Close the pool with close(): until then it keeps its
     * children, and the event loop, alive.
     * @param {import('./options.js').PoolOptions} [options]
     * @throws {SandboxError} ERR_INVALID_OPTION naming the offending option
     */
    constructor(options?: import("./options.js").PoolOptions);
    /** The most children the pool keeps ready. */
    get size(): number;
    /** True once close() was called. */
    get closed(): boolean;
    /** @returns {Readonly<PoolStats>} */
    get stats(): Readonly<PoolStats>;
    /**
     * A new Sandbox whose start() takes its child from this pool. Use it as
     * any Sandbox: expose() host functions, then start(), and close() it when
     * done; its child is never reused.
     * @param {import('./options.js').SandboxOptions} [options] as for Sandbox, except `child` (the pool's)
     * @returns {Sandbox}
     * @throws {SandboxError} ERR_INVALID_OPTION, ERR_CLOSED
     */
    sandbox(options?: import("./options.js").SandboxOptions): Sandbox;
    /**
     * A started Sandbox from this pool: sandbox(options), then start().
     * @param {import('./options.js').SandboxOptions} [options] as for sandbox()
     * @param {{ signal?: AbortSignal }} [startOptions]
     * @returns {Promise<Sandbox>}
     */
    session(options?: import("./options.js").SandboxOptions, startOptions?: {
        signal?: AbortSignal;
    }): Promise<Sandbox>;
    /**
     * Resolves once every child the pool holds has answered `warm` or failed.
     * @returns {Promise<void>}
     */
    ready(): Promise<void>;
    /**
     * Closes the pool: each idle child gets EOF on fd 3, SIGKILL if it lingers
     * past 2 s, and is reaped. Sessions already started are not affected.
     * Idempotent.
     * @returns {Promise<void>}
     */
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
    #private;
}
/**
 * Counters of a pool, for users and benchmarks.
 */
export type PoolStats = {
    /**
     * the most children the pool keeps ready
     */
    size: number;
    /**
     * idle children that can start a session now
     */
    ready: number;
    /**
     * idle children still warming
     */
    warming: number;
    /**
     * sessions started on a warm child
     */
    warm: number;
    /**
     * sessions started cold: the pool was empty, or its children do not speak `warm`
     */
    cold: number;
    /**
     * children that failed before their session was set up (each was reaped) or could not
     * be started; a child binary that cannot be found counts once
     */
    failed: number;
    /**
     * why the last of those failed
     */
    lastError: import("./errors.js").SandboxError | undefined;
};
import { Sandbox } from './sandbox.js';
