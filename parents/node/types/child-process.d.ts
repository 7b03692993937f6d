/**
 * The child's path: the explicit option, then PYSANDBOX_CHILD, then the first
 * install location that exists.
 * @param {string | undefined} explicit
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<string>}
 */
export function resolveChildPath(explicit: string | undefined, env?: NodeJS.ProcessEnv): Promise<string>;
/**
 * @typedef {object} ExitInfo
 * @property {number | null} code
 * @property {string | null} signal
 * @property {Error} [spawnError] set when the child could not be started at all
 */
/**
 * The error that says why a child ended: ERR_SPAWN when it never started,
 * ERR_CHILD_EXITED with its status and the last line of its stderr otherwise.
 * @param {ChildProcess} child
 * @param {ExitInfo} exit
 * @returns {SandboxError}
 */
export function exitError(child: ChildProcess, exit: ExitInfo): SandboxError;
/** Where `make install` puts the child, searched after the option and PYSANDBOX_CHILD. */
export const INSTALL_LOCATIONS: readonly string[];
export class ChildProcess {
    /**
     * Spawns FILE, by its resolved path once trustedChildPath() has checked it.
     * Failures to start are reported through `exited` (spawnError).
     * @param {string} file
     * @throws {SandboxError} ERR_SPAWN when another user could replace the child
     */
    constructor(file: string);
    /** @type {Promise<ExitInfo>} */
    exited: Promise<ExitInfo>;
    file: string;
    /** fd 3 of the child: we write requests and answers here. */
    input: import("stream").Writable;
    /** fd 4 of the child: its messages arrive here. */
    output: import("stream").Readable;
    /** @returns {number | undefined} */
    get pid(): number | undefined;
    /** The last lines the child wrote on stderr (at most 4 KiB). */
    get stderrTail(): string;
    /** True until the child has exited (false if it never started). */
    get running(): boolean;
    /** Sends SIGKILL unless the child has already exited. */
    kill(): void;
    #private;
}
export type ExitInfo = {
    code: number | null;
    signal: string | null;
    /**
     * set when the child could not be started at all
     */
    spawnError?: Error | undefined;
};
import { SandboxError } from './errors.js';
