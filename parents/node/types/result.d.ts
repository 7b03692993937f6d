/**
 * @typedef {'ok' | 'exception' | 'exit' | 'timeout' | 'cpu_limit' | 'memory_limit' | 'output_limit' |
 *   'violation' | 'crash' | 'cancelled'} Outcome
 */
/** @type {readonly Outcome[]} */
export const OUTCOMES: readonly Outcome[];
/** Outcomes that end the session. */
export const FATAL_OUTCOMES: Readonly<Set<string>>;
export class Result {
    /**
     * Builds a Result from the child's RunResult and the output of the run.
     * @param {unknown} raw the `result` member of the execute/invoke answer
     * @param {Buffer} stdout
     * @param {Buffer} stderr
     * @throws {import('./errors.js').SandboxError} ERR_PROTOCOL when RAW is not a valid RunResult
     */
    constructor(raw: unknown, stdout: Buffer, stderr: Buffer);
    /** @readonly @type {Outcome} how the run ended */
    readonly outcome: Outcome;
    /** @readonly @type {boolean} false after a fatal outcome: the session has ended */
    readonly sessionUsable: boolean;
    /** @readonly @type {number | null} sys.exit() status for 'exit' */
    readonly exitStatus: number | null;
    /** @readonly @type {PythonException | null} the Python exception for 'exception' */
    readonly exception: PythonException | null;
    /** @readonly @type {unknown} the callable's return value (invoke, outcome 'ok'); null otherwise */
    readonly value: unknown;
    /** @readonly @type {Usage} */
    readonly usage: Usage;
    /** @readonly @type {Violation | null} the refused system call for 'violation' */
    readonly violation: Violation | null;
    /** @readonly @type {number | null} the signal that ended the jail for 'crash' */
    readonly signal: number | null;
    /** @readonly @type {string} everything the code wrote to stdout, decoded as UTF-8 */
    readonly stdout: string;
    /** @readonly @type {string} everything the code wrote to stderr, decoded as UTF-8 */
    readonly stderr: string;
    /** True when the code ran to its end without an exception. */
    get ok(): boolean;
    /** The result in protocol-like form, for logs and JSON output. */
    toJSON(): {
        outcome: Outcome;
        sessionUsable: boolean;
        exitStatus: number | null;
        exception: PythonException | null;
        value: unknown;
        usage: Usage;
        violation: Violation | null;
        signal: number | null;
        stdout: string;
        stderr: string;
    };
}
export type Outcome = "ok" | "exception" | "exit" | "timeout" | "cpu_limit" | "memory_limit" | "output_limit" | "violation" | "crash" | "cancelled";
export type PythonException = {
    /**
     * e.g. 'ZeroDivisionError'
     */
    type: string;
    message: string;
    traceback: string;
};
export type Usage = {
    wallMs: number;
    cpuMs: number;
    peakMemoryBytes: number;
    /**
     * filesystem calls the supervisor answered
     */
    forwardedCalls: number;
    hostCalls: number;
    stdoutBytes: number;
    stderrBytes: number;
};
export type Violation = {
    /**
     * e.g. 'socket'
     */
    syscall: string;
    number: number;
    /**
     * e.g. 'x86_64'
     */
    arch: string;
};
