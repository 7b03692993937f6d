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
export function parseWarm(raw: unknown): WarmInfo;
/** The version a pool asks for in `warm`: the first that has it. */
export const WARM_VERSION: "1.1";
/** The version of a cold `initialize` (every 1.x child speaks it). */
export const COLD_VERSION: "1.0";
export class WarmChild {
    /**
     * Spawns FILE and sends it `warm` (unless OPTIONS.params is undefined).
     * Failures are reported through `error` and `onGone`; only a child that
     * could not be spawned at all is thrown (ERR_SPAWN: one another user could
     * replace, or pipes that cannot be set up).
     * @param {string} file
     * @param {WarmOptions} options
     */
    constructor(file: string, options: WarmOptions);
    child: ChildProcess;
    conn: Connection;
    /** Resolves once the child has left `warming`; never rejects. */
    ready: Promise<any>;
    /** @returns {WarmState} */
    get state(): WarmState;
    /** The answer to `warm`; undefined unless the state is (or was) warm. */
    get info(): WarmInfo | undefined;
    /** Why the child failed. */
    get error(): SandboxError | undefined;
    /** The version the session's initialize must say (SPEC [REQ-WARM-2]). */
    get protocolVersion(): string;
    /** True while a Sandbox could adopt the child. */
    get usable(): boolean;
    /**
     * Hands the child to a Sandbox, which from now on owns its process and
     * connection (Connection.setHandlers, reaping).
     */
    adopt(): void;
    /**
     * Ends the child: EOF on fd 3, SIGKILL if it lingers past the grace
     * period, and reaping. Resolves once it is reaped; never rejects.
     * @returns {Promise<void>}
     */
    discard(): Promise<void>;
    #private;
}
/**
 * What a warm child reported in its answer to `warm`.
 */
export type WarmInfo = {
    /**
     * the version `warm` negotiated; the session speaks it
     */
    protocolVersion: string;
    /**
     * e.g. { version: '3.11.2', implementation: 'cpython' }
     */
    python: Readonly<Record<string, unknown>>;
    /**
     * the modules of `preload`, all imported
     */
    preloaded: readonly string[];
};
/**
 * warming: `warm` sent, no answer yet; warm: answered, waiting in state `warm`;
 * new: waiting in state `new` for a cold initialize (no `warm` was sent, or a
 * 1.0 child refused it, SPEC [REQ-WARM-1]); failed: discarded; adopted: a
 * Sandbox owns it.
 */
export type WarmState = "warming" | "warm" | "new" | "failed" | "adopted";
export type WarmOptions = {
    /**
     * the `warm` params; undefined sends no `warm`
     */
    params: Record<string, unknown> | undefined;
    /**
     * how long to wait for the answer to `warm`
     */
    timeout: number;
    /**
     * called once if the child fails or exits before adoption
     */
    onGone: (child: WarmChild) => void;
};
import { ChildProcess } from './child-process.js';
import { Connection } from './connection.js';
import { SandboxError } from './errors.js';
