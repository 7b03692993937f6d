<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

use PythonSandbox\Exception\SpawnException;

/**
 * Refuses a child binary that a user other than root and this process's
 * effective user could replace (protocol/SPEC.md REQ-SEC-12): one whose
 * file, once symbolic links are resolved, or any directory above it is
 * owned by such a user or writable by group or others. In a sticky
 * directory (/tmp) each user can remove or rename only their own entries,
 * so its write bits are no such risk; its owner still could.
 *
 * @internal
 */
final class ChildTrust
{
    private const S_IFMT = 0o170000;
    private const S_IFDIR = 0o040000;
    private const S_ISVTX = 0o1000;
    private const S_IWGRP = 0o020;
    private const S_IWOTH = 0o002;

    /**
     * The resolved path of the child at PATH, once checked: the file to
     * execute, whatever a symbolic link on the way points to by then.
     *
     * @throws SpawnException naming the offending path and why
     */
    public static function resolve(string $path): string
    {
        // PHP caches resolved paths and the last stat(): both must be fresh.
        clearstatcache(true);
        $real = realpath($path);
        if ($real === false) {
            throw new SpawnException(sprintf("cannot start child '%s': it does not exist", $path), $path);
        }
        $euid = self::effectiveUid();
        for ($dir = $real;; $dir = dirname($dir)) {
            $why = self::replaceable($dir, $euid);
            if ($why !== null) {
                throw new SpawnException(sprintf("cannot trust child '%s': '%s' %s", $path, $dir, $why), $path);
            }
            if ($dir === '/') {
                return $real;
            }
        }
    }

    /** Why another user could replace what is at PATH, or null. */
    private static function replaceable(string $path, int $euid): ?string
    {
        $st = @stat($path);
        if ($st === false) {
            return 'cannot be checked: stat failed';
        }
        if ($st['uid'] !== 0 && $st['uid'] !== $euid) {
            return sprintf('is owned by another user (uid %d)', $st['uid']);
        }
        $mode = $st['mode'];
        if (($mode & self::S_IFMT) === self::S_IFDIR && ($mode & self::S_ISVTX) !== 0) {
            return null;
        }
        if (($mode & self::S_IWOTH) !== 0) {
            return 'is writable by others';
        }
        if (($mode & self::S_IWGRP) !== 0) {
            return 'is writable by group';
        }

        return null;
    }

    /** posix_geteuid(), or the effective uid of /proc/self/status without ext-posix. */
    private static function effectiveUid(): int
    {
        if (function_exists('posix_geteuid')) {
            return posix_geteuid();
        }
        $status = @file_get_contents('/proc/self/status');
        if (is_string($status) && preg_match('/^Uid:\s+\d+\s+(\d+)/m', $status, $m) === 1) {
            return (int) $m[1];
        }

        throw new SpawnException('cannot check the child: no posix_geteuid() and no /proc/self/status');
    }
}
