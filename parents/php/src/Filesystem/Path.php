<?php

declare(strict_types=1);

namespace PythonSandbox\Filesystem;

use PythonSandbox\Exception\InvalidOptionException;

/**
 * Checks sandbox paths the way the spec defines them: absolute, normalized
 * (no `.`, `..`, `//`, no trailing `/`), at most 4096 bytes.
 */
final class Path
{
    public const MAX_BYTES = 4096;

    public static function assertTarget(string $path, string $option = 'target'): string
    {
        if ($path === '' || $path[0] !== '/') {
            throw new InvalidOptionException($option, sprintf("'%s' is not an absolute path", $path));
        }
        if (strlen($path) > self::MAX_BYTES) {
            $why = sprintf('path is %d bytes, over %d', strlen($path), self::MAX_BYTES);
            throw new InvalidOptionException($option, $why);
        }
        if (!preg_match('//u', $path) || str_contains($path, "\0")) {
            throw new InvalidOptionException($option, 'path is not valid UTF-8 or contains NUL');
        }
        if ($path !== '/' && !self::isNormalized(substr($path, 1))) {
            throw new InvalidOptionException($option, sprintf("'%s' is not normalized", $path));
        }

        return $path;
    }

    /**
     * Whether REL is a normalized relative path ("" is the root): no
     * leading or trailing `/`, no empty, `.` or `..` component.
     */
    public static function isNormalizedRelative(string $rel): bool
    {
        return $rel === '' || self::isNormalized($rel);
    }

    private static function isNormalized(string $rel): bool
    {
        foreach (explode('/', $rel) as $part) {
            if ($part === '' || $part === '.' || $part === '..') {
                return false;
            }
        }

        return true;
    }
}
