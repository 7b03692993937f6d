<?php

declare(strict_types=1);

namespace PythonSandbox\Filesystem;

/**
 * The contents of a host-served directory.
 *
 * Paths are relative to the mount, normalized, never containing `..`;
 * "" is the directory itself. The session validates every request before
 * calling these methods and every answer after. To refuse, throw
 * HostFsError (ENOENT, ENOTDIR, EISDIR or EACCES); any other exception is
 * answered `internal_error` without its message (the jail sees EIO), so
 * host internals never reach the sandbox.
 * Methods run synchronously while the Python code waits.
 */
interface HostDirectory
{
    /** @throws HostFsError */
    public function stat(string $path): Stat;

    /**
     * The whole file (at most the `file_bytes` limit).
     *
     * @throws HostFsError
     */
    public function read(string $path): string;

    /**
     * The directory's entries (at most 10000), without `.` and `..`.
     *
     * @return array<string, 'file'|'dir'> name => type
     * @throws HostFsError
     */
    public function list(string $path): array;
}
