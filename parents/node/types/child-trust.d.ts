/**
 * The resolved path of the child at FILE, once checked: the file to execute,
 * whatever a symbolic link on the way points to by then. Synchronous, like the
 * spawn it precedes, so that every start is checked: a few stat calls.
 * @param {string} file
 * @returns {string}
 * @throws {SandboxError} ERR_SPAWN naming the offending path and why
 */
export function trustedChildPath(file: string): string;
