/**
 * The registry name of a JSON-RPC error code ("busy"), or undefined.
 * @param {number} code
 * @returns {string | undefined}
 */
export function rpcCodeName(code: number): string | undefined;
/**
 * The one error class of the package. Every failure the API reports is a
 * SandboxError whose string `code` says what failed; `cause` keeps the
 * underlying error when there is one.
 *
 * Outcomes of the Python code (an exception, a timeout, a violation...) are
 * not errors: they arrive as a Result. A SandboxError means the host side
 * could not get a result: bad options, a child that could not start, broke
 * the protocol, went silent or died, or a request the child refused.
 */
/**
 * Codes a SandboxError may carry.
 * @typedef {'ERR_INVALID_OPTION' | 'ERR_INVALID_ARG' | 'ERR_SPAWN' | 'ERR_PROTOCOL' | 'ERR_FRAME_TOO_LARGE' |
 *   'ERR_TIMEOUT' | 'ERR_CHILD_EXITED' | 'ERR_BUSY' | 'ERR_REMOTE' | 'ERR_ABORTED' | 'ERR_NOT_STARTED' |
 *   'ERR_ALREADY_STARTED' | 'ERR_SESSION_ENDED' | 'ERR_CLOSED' | 'ERR_UNSUPPORTED'} SandboxErrorCode
 */
/** The error-code registry of protocol/SPEC.md, by name. */
export const RPC_CODES: Readonly<{
    parse_error: -32700;
    invalid_request: -32600;
    method_not_found: -32601;
    invalid_params: -32602;
    internal_error: -32603;
    not_initialized: -32000;
    already_initialized: -32001;
    busy: -32002;
    session_ended: -32003;
    frame_too_large: -32004;
    unsupported_version: -32005;
    setup_failed: -32006;
    filesystem_error: -32007;
    not_found: -32008;
    not_tmpfs: -32009;
    is_directory: -32010;
    host_error: -32050;
    fs_error: -32051;
}>;
/**
 * @typedef {object} SandboxErrorDetails
 * @property {unknown} [cause] the underlying error
 * @property {number} [rpcCode] ERR_REMOTE: the JSON-RPC error code the child answered with
 * @property {unknown} [data] ERR_REMOTE: the error's `data` member as sent by the child
 * @property {number | null} [exitCode] ERR_CHILD_EXITED: the child's exit code
 * @property {string | null} [signal] ERR_CHILD_EXITED: the signal that ended the child
 * @property {string} [stderr] ERR_CHILD_EXITED, ERR_SPAWN: the last lines the child wrote on stderr
 */
export class SandboxError extends Error {
    /**
     * @param {SandboxErrorCode} code
     * @param {string} message
     * @param {SandboxErrorDetails} [details]
     */
    constructor(code: SandboxErrorCode, message: string, details?: SandboxErrorDetails);
    /** @type {SandboxErrorCode} */
    code: SandboxErrorCode;
    /** @type {number | undefined} */
    rpcCode: number | undefined;
    /** @type {string | undefined} the registry name of rpcCode ("invalid_params") */
    rpcName: string | undefined;
    /** @type {unknown} */
    data: unknown;
    /** @type {number | null | undefined} */
    exitCode: number | null | undefined;
    /** @type {string | null | undefined} */
    signal: string | null | undefined;
    /** @type {string | undefined} */
    stderr: string | undefined;
}
/**
 * Codes a SandboxError may carry.
 */
export type SandboxErrorCode = "ERR_INVALID_OPTION" | "ERR_INVALID_ARG" | "ERR_SPAWN" | "ERR_PROTOCOL" | "ERR_FRAME_TOO_LARGE" | "ERR_TIMEOUT" | "ERR_CHILD_EXITED" | "ERR_BUSY" | "ERR_REMOTE" | "ERR_ABORTED" | "ERR_NOT_STARTED" | "ERR_ALREADY_STARTED" | "ERR_SESSION_ENDED" | "ERR_CLOSED" | "ERR_UNSUPPORTED";
export type SandboxErrorDetails = {
    /**
     * the underlying error
     */
    cause?: unknown;
    /**
     * ERR_REMOTE: the JSON-RPC error code the child answered with
     */
    rpcCode?: number | undefined;
    /**
     * ERR_REMOTE: the error's `data` member as sent by the child
     */
    data?: unknown;
    /**
     * ERR_CHILD_EXITED: the child's exit code
     */
    exitCode?: number | null | undefined;
    /**
     * ERR_CHILD_EXITED: the signal that ended the child
     */
    signal?: string | null | undefined;
    /**
     * ERR_CHILD_EXITED, ERR_SPAWN: the last lines the child wrote on stderr
     */
    stderr?: string | undefined;
};
