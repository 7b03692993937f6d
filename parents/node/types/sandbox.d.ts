/**
 * Makes SANDBOX take its child from LENDER when it starts (SandboxPool).
 * @param {Sandbox} sandbox
 * @param {Lender} lender
 */
export function lendFrom(sandbox: Sandbox, lender: Lender): void;
/**
 * Events: 'output' (OutputChunk, while a run writes), 'ended' (the child ended
 * the session: { reason, message }), 'exit' (the child process exited).
 * @typedef {object} SandboxEvents
 * @property {[import('./run.js').OutputChunk]} output
 * @property {[{ reason: string, message: string }]} ended
 * @property {[{ code: number | null, signal: string | null }]} exit
 */
/** @extends {EventEmitter<SandboxEvents>} */
export class Sandbox extends EventEmitter<SandboxEvents> {
    /**
     * Checks the options; nothing starts until start().
     * @param {SandboxOptions} [options]
     * @throws {SandboxError} ERR_INVALID_OPTION naming the offending option
     */
    constructor(options?: SandboxOptions);
    /** @returns {SandboxState} */
    get state(): SandboxState;
    /** What the child reported at start: versions, capabilities, isolation layers in force, effective limits. */
    get info(): import("./session-info.js").SessionInfo | undefined;
    /** What the warm child of a SandboxPool reported for this session; undefined for a cold start. */
    get warm(): import("./warm-child.js").WarmInfo | undefined;
    /** The child's process id while it runs. */
    get pid(): number | undefined;
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
    expose(name: string, fn: HostFunction): this;
    /**
     * Starts the child and initializes the session. A Sandbox of a SandboxPool
     * takes a warm child from the pool instead, or starts one cold.
     * @param {{ signal?: AbortSignal }} [options]
     * @returns {Promise<SessionInfo>}
     */
    start(options?: {
        signal?: AbortSignal;
    }): Promise<SessionInfo>;
    /**
     * Runs Python code (a string, or {code} or {path}) in the session's __main__.
     * @param {string | ExecuteSource} source
     * @param {RunOptions} [options]
     * @returns {Run} awaitable for the Result, async-iterable for the output
     */
    execute(source: string | ExecuteSource, options?: RunOptions): Run;
    /**
     * Calls a Python callable ('module.attr', '__main__.f') with JSON arguments;
     * the Result's value is its JSON return value.
     * @param {string} callable
     * @param {unknown[]} [args]
     * @param {Record<string, unknown>} [kwargs]
     * @param {RunOptions} [options]
     * @returns {Run}
     */
    invoke(callable: string, args?: unknown[], kwargs?: Record<string, unknown>, options?: RunOptions): Run;
    /**
     * Cancels the run in progress, if any; it then ends with outcome
     * 'cancelled', which ends the session. Resolves to true when a run was
     * cancelled, false when there was none (the session is unchanged).
     * @returns {Promise<boolean>}
     */
    cancel(): Promise<boolean>;
    /**
     * Lists a tmpfs directory recursively (at most 10000 entries).
     * @param {string} path an absolute sandbox path inside a tmpfs entry
     * @returns {Promise<{ entries: readonly TmpfsEntry[], truncated: boolean }>}
     */
    listTmpfs(path: string): Promise<{
        entries: readonly TmpfsEntry[];
        truncated: boolean;
    }>;
    /**
     * Reads a whole file from a tmpfs entry.
     * @param {string} path an absolute sandbox path inside a tmpfs entry
     * @param {{ maxBytes?: number }} [options] refuse files larger than this (default 64 MiB)
     * @returns {Promise<Buffer>}
     */
    readTmpfs(path: string, options?: {
        maxBytes?: number;
    }): Promise<Buffer>;
    /**
     * Ends the session: asks the child to shut down, then kills it if it does
     * not exit in time, and reaps it. A run in progress is rejected with
     * ERR_CLOSED. Safe to call more than once and in any state.
     * @returns {Promise<void>}
     */
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
    #private;
}
export type SandboxState = "new" | "starting" | "ready" | "running" | "ended" | "closed";
export type SandboxOptions = import("./options.js").SandboxOptions;
export type HostFunction = import("./host.js").HostFunction;
export type SessionInfo = import("./session-info.js").SessionInfo;
export type TmpfsEntry = import("./session-info.js").TmpfsEntry;
export type RunOptions = import("./arguments.js").RunOptions;
export type ExecuteSource = import("./arguments.js").ExecuteSource;
export type WarmChild = import("./warm-child.js").WarmChild;
export type WarmInfo = import("./warm-child.js").WarmInfo;
/**
 * Where a pooled Sandbox gets its child (SandboxPool): a warm child to adopt,
 * or the path to start one cold; `fallback` is told when an adopted child
 * failed before its session was set up, and the session starts cold.
 */
export type Lender = {
    take: (signal: AbortSignal | undefined) => Promise<{
        lease?: WarmChild;
        file: string;
    }>;
    fallback: (lease: WarmChild, error: SandboxError) => void;
};
/**
 * Events: 'output' (OutputChunk, while a run writes), 'ended' (the child ended
 * the session: { reason, message }), 'exit' (the child process exited).
 */
export type SandboxEvents = {
    output: [import("./run.js").OutputChunk];
    ended: [{
        reason: string;
        message: string;
    }];
    exit: [{
        code: number | null;
        signal: string | null;
    }];
};
import { EventEmitter } from 'node:events';
import { Run } from './run.js';
import { SandboxError } from './errors.js';
