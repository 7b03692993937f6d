/**
 * @typedef {object} HostCallContext
 * @property {number | string} run the id of the run that made the call
 * @property {string} name the host function's name
 * @property {AbortSignal} signal aborted when the run ends before the call is answered
 */
/**
 * @typedef {(args: unknown[], kwargs: Record<string, unknown>, context: HostCallContext) => unknown} HostFunction
 */
/**
 * The Python exception type for an error thrown by a host function:
 * error.pythonType when it is one the protocol allows, TypeError for a
 * TypeError, ValueError for a RangeError, SandboxError otherwise.
 * @param {unknown} error
 * @returns {string}
 */
export function pythonTypeOf(error: unknown): string;
/**
 * @typedef {object} HostCallOptions
 * @property {string | number | undefined} run the id of the run in progress
 * @property {number} maxBytes limits.host_call_bytes
 * @property {AbortSignal} signal aborted when the run ends
 * @property {string | number} id the id of the host/call request
 */
/**
 * Answers host/call.
 * @param {unknown} params
 * @param {Map<string, HostFunction>} functions
 * @param {HostCallOptions} options
 * @returns {Promise<{ value: unknown }>}
 */
export function answerHostCall(params: unknown, functions: Map<string, HostFunction>, options: HostCallOptions): Promise<{
    value: unknown;
}>;
/**
 * Answers hostfs/stat, hostfs/read and hostfs/list.
 * @param {'stat' | 'read' | 'list'} method
 * @param {unknown} params
 * @param {Map<string, import('./options.js').HostDirectory>} directories by target
 * @param {number} maxBytes largest file served: limits.file_bytes, and what fits a frame
 * @returns {Promise<unknown>}
 */
export function answerHostFs(method: "stat" | "read" | "list", params: unknown, directories: Map<string, import("./options.js").HostDirectory>, maxBytes: number): Promise<unknown>;
/** Exception types the protocol lets a host error carry; others become SandboxError. */
export const PYTHON_TYPES: Readonly<Set<string>>;
export type HostCallContext = {
    /**
     * the id of the run that made the call
     */
    run: number | string;
    /**
     * the host function's name
     */
    name: string;
    /**
     * aborted when the run ends before the call is answered
     */
    signal: AbortSignal;
};
export type HostFunction = (args: unknown[], kwargs: Record<string, unknown>, context: HostCallContext) => unknown;
export type HostCallOptions = {
    /**
     * the id of the run in progress
     */
    run: string | number | undefined;
    /**
     * limits.host_call_bytes
     */
    maxBytes: number;
    /**
     * aborted when the run ends
     */
    signal: AbortSignal;
    /**
     * the id of the host/call request
     */
    id: string | number;
};
