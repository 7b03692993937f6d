/**
 * An absolute, normalized sandbox path, as the protocol requires of targets.
 * @param {string} name
 * @param {unknown} value
 * @returns {string}
 */
export function checkSandboxPath(name: string, value: unknown): string;
/**
 * Checks a host function name: an ASCII identifier of at most 128 characters (SPEC [REQ-INIT-14]).
 * @param {unknown} name
 * @returns {string}
 */
export function checkFunctionName(name: unknown): string;
/**
 * Checks the options and builds the initialize params.
 * @param {unknown} options
 * @returns {NormalizedOptions}
 */
export function normalizeOptions(options?: unknown): NormalizedOptions;
/**
 * Checks the options of a SandboxPool.
 * @param {unknown} options
 * @returns {NormalizedPoolOptions}
 */
export function normalizePoolOptions(options?: unknown): NormalizedPoolOptions;
/**
 * @typedef {object} PoolOptions
 * @property {number} [size] warm children kept ready, 1..64; default 2
 * @property {string[]} [preload] modules each warm child imports before its session (at most 64)
 * @property {string} [child] path of the sandbox binary, as for Sandbox
 * @property {Duration} [startTimeout] how long a child may take to answer `warm`; default 30s
 * @property {number} [verbosity] 0..3, detail of the children's diagnostics until their session sets its own
 */
/**
 * @typedef {object} NormalizedPoolOptions
 * @property {number} size
 * @property {string[]} preload
 * @property {string | undefined} child
 * @property {number} startTimeout
 * @property {number | undefined} verbosity
 */
/** The largest pool: each warm child is a process with its interpreter loaded. */
export const MAX_POOL_SIZE: 64;
/**
 * bytes, or a string like '256M'
 */
export type Size = number | string;
/**
 * milliseconds, or a string like '5s'
 */
export type Duration = number | string;
export type Limits = {
    /**
     * address space of the jail (memory_bytes)
     */
    memory?: Size | undefined;
    /**
     * CPU time per run (cpu_ms)
     */
    cpuTime?: Duration | undefined;
    /**
     * wall-clock time per run (wall_ms)
     */
    wallTime?: Duration | undefined;
    /**
     * stdout and stderr bytes per run (output_bytes)
     */
    output?: Size | undefined;
    /**
     * descriptors of the jail (open_files)
     */
    openFiles?: number | undefined;
    /**
     * threads of the jail (threads)
     */
    threads?: number | undefined;
    /**
     * one serialized host-call request or answer (host_call_bytes)
     */
    hostCall?: Size | undefined;
    /**
     * one protocol message, both directions (frame_bytes)
     */
    frame?: Size | undefined;
    /**
     * largest file the code may write (file_bytes)
     */
    fileSize?: Size | undefined;
};
/**
 * A directory whose contents the host serves on demand. Each method gets the
 * path relative to the entry ('' for its root) and may be async. Throw an
 * error whose `code` is 'ENOENT', 'ENOTDIR', 'EISDIR' or 'EACCES' to refuse;
 * any other error is reported to the code as EACCES.
 */
export type HostDirectory = {
    stat: (path: string) => HostStat | Promise<HostStat>;
    read: (path: string) => string | Uint8Array | Promise<string | Uint8Array>;
    list: (path: string) => HostDirent[] | Promise<HostDirent[]>;
};
export type HostStat = {
    type: "file" | "dir";
    /**
     * bytes; read() decides for files when omitted (default 0)
     */
    size?: number | undefined;
    /**
     * permission bits (default 0o444 for files, 0o555 for directories)
     */
    mode?: number | undefined;
};
export type HostDirent = {
    name: string;
    type: "file" | "dir";
};
export type FilesystemEntry = {
    type: "bind";
    source: string;
    target: string;
    include?: string[];
    exclude?: string[];
} | {
    type: "file";
    target: string;
    data: string | Uint8Array;
    mode?: number;
} | {
    type: "tmpfs";
    target: string;
    maxBytes?: Size;
    maxFiles?: number;
} | {
    type: "host";
    target: string;
    handler: HostDirectory;
} | {
    type: "device";
    target: string;
    device: "null" | "zero" | "urandom";
};
export type SandboxOptions = {
    /**
     * path of the sandbox binary; default $PYSANDBOX_CHILD, then the install location
     */
    child?: string | undefined;
    /**
     * unset limits keep the child's defaults
     */
    limits?: Limits | undefined;
    /**
     * entries on top of the default layout
     */
    filesystem?: FilesystemEntry[] | undefined;
    /**
     * start from the default layout (stdlib, /dev, /tmp...); default true
     */
    defaults?: boolean | undefined;
    /**
     * the code's environment; default the child's
     */
    env?: Record<string, string> | undefined;
    /**
     * sys.argv; default ['']
     */
    argv?: string[] | undefined;
    /**
     * the code's working directory; default '/tmp'
     */
    cwd?: string | undefined;
    /**
     * 0..3, detail of the child's diagnostics (util.debuglog 'pysandbox')
     */
    verbosity?: number | undefined;
    /**
     * how long start() waits for the child's answer; default 30s
     */
    startTimeout?: Duration | undefined;
    /**
     * how long tmpfs, cancel and shutdown requests wait; default 5s
     */
    requestTimeout?: Duration | undefined;
    /**
     * a run may last the wall limit plus this before the child is killed; default 5s
     */
    grace?: Duration | undefined;
};
/**
 * The checked form of the options.
 */
export type NormalizedOptions = {
    child: string | undefined;
    /**
     * initialize params, without host_functions
     */
    initParams: Record<string, unknown>;
    /**
     * by target
     */
    hostDirectories: Map<string, HostDirectory>;
    startTimeout: number;
    requestTimeout: number;
    grace: number;
};
export type PoolOptions = {
    /**
     * warm children kept ready, 1..64; default 2
     */
    size?: number | undefined;
    /**
     * modules each warm child imports before its session (at most 64)
     */
    preload?: string[] | undefined;
    /**
     * path of the sandbox binary, as for Sandbox
     */
    child?: string | undefined;
    /**
     * how long a child may take to answer `warm`; default 30s
     */
    startTimeout?: Duration | undefined;
    /**
     * 0..3, detail of the children's diagnostics until their session sets its own
     */
    verbosity?: number | undefined;
};
export type NormalizedPoolOptions = {
    size: number;
    preload: string[];
    child: string | undefined;
    startTimeout: number;
    verbosity: number | undefined;
};
