/**
 * @typedef {object} RunOptions
 * @property {string | Uint8Array} [stdin] what the code reads from fd 0 during this run
 * @property {AbortSignal} [signal] cancels the run: it then ends with outcome 'cancelled'
 */
/**
 * @typedef {object} ExecuteSource
 * @property {string} [code] Python source
 * @property {string} [path] a sandbox path of a file to run instead
 * @property {string} [filename] the name tracebacks show
 */
/**
 * @param {AbortSignal | undefined} signal
 * @returns {SandboxError | undefined}
 */
export function abortedError(signal: AbortSignal | undefined): SandboxError | undefined;
/**
 * @param {unknown} signal
 */
export function checkSignal(signal: unknown): void;
/**
 * @param {RunOptions} options
 * @param {Record<string, unknown>} params
 */
export function addRunOptions(options: RunOptions, params: Record<string, unknown>): void;
/**
 * @param {string | ExecuteSource} source
 * @returns {Record<string, unknown>}
 */
export function executeParams(source: string | ExecuteSource): Record<string, unknown>;
/**
 * Checks invoke()'s arguments.
 * @param {unknown} callable
 * @param {unknown} args
 * @param {unknown} kwargs
 * @returns {Record<string, unknown>}
 */
export function invokeParams(callable: unknown, args: unknown, kwargs: unknown): Record<string, unknown>;
/**
 * @param {unknown} raw the answer to `cancel`
 * @returns {boolean}
 */
export function parseCancel(raw: unknown): boolean;
/**
 * @param {unknown} path
 * @returns {string}
 */
export function checkPathArg(path: unknown): string;
export type RunOptions = {
    /**
     * what the code reads from fd 0 during this run
     */
    stdin?: string | Uint8Array<ArrayBufferLike> | undefined;
    /**
     * cancels the run: it then ends with outcome 'cancelled'
     */
    signal?: AbortSignal | undefined;
};
export type ExecuteSource = {
    /**
     * Python source
     */
    code?: string | undefined;
    /**
     * a sandbox path of a file to run instead
     */
    path?: string | undefined;
    /**
     * the name tracebacks show
     */
    filename?: string | undefined;
};
import { SandboxError } from './errors.js';
