/**
 * A frozen copy of a JSON value with object keys in camelCase.
 * @param {unknown} value
 * @returns {any}
 */
export function camelize(value: unknown): any;
/**
 * Checks the `initialize` result.
 * @param {unknown} raw
 * @param {Record<string, number>} requestedLimits the limits sent in initialize
 * @returns {SessionInfo}
 */
export function parseSession(raw: unknown, requestedLimits: Record<string, number>): SessionInfo;
/**
 * Checks a tmpfs/list result.
 * @param {unknown} raw
 * @returns {{ entries: readonly TmpfsEntry[], truncated: boolean }}
 */
export function parseTmpfsList(raw: unknown): {
    entries: readonly TmpfsEntry[];
    truncated: boolean;
};
/**
 * Checks a tmpfs/read result.
 * @param {unknown} raw
 * @param {number} length the length asked for
 * @returns {{ data: Buffer, size: number, eof: boolean }}
 */
export function parseTmpfsRead(raw: unknown, length: number): {
    data: Buffer;
    size: number;
    eof: boolean;
};
/**
 * The limits in force for the session, as the child reported them.
 */
export type EffectiveLimits = {
    memoryBytes: number;
    cpuMs: number;
    wallMs: number;
    outputBytes: number;
    openFiles: number;
    threads: number;
    hostCallBytes: number;
    frameBytes: number;
    fileBytes: number;
};
/**
 * What the child reported at start.
 */
export type SessionInfo = {
    protocolVersion: string;
    /**
     * e.g. { name: 'python-sandbox', version: '0.1.0' }
     */
    child: Readonly<Record<string, unknown>>;
    /**
     * e.g. { version: '3.11.2', implementation: 'cpython' }
     */
    python: Readonly<Record<string, unknown>>;
    /**
     * e.g. { execute: true, invoke: true, ... }
     */
    capabilities: Readonly<Record<string, unknown>>;
    /**
     * the layers in force,
     * e.g. { seccomp: true, landlockAbi: 7, ... }
     */
    isolation: Readonly<Record<string, unknown>>;
    limits: Readonly<EffectiveLimits>;
};
export type TmpfsEntry = {
    /**
     * absolute sandbox path
     */
    path: string;
    type: "file" | "dir" | "symlink";
    size: number;
    mode: number;
};
