<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

use PythonSandbox\Exception\SpawnException;

/**
 * Finds the child binary: the explicit path, then PYSANDBOX_CHILD, then
 * the install locations (`make install` with the default PREFIX, then a
 * distribution package).
 *
 * @internal
 */
final class ChildLocator
{
    public const ENV = 'PYSANDBOX_CHILD';
    public const INSTALL_PATHS = [
        '/usr/local/libexec/python-sandbox/sandbox',
        '/usr/libexec/python-sandbox/sandbox',
    ];

    public static function find(?string $explicit): string
    {
        if ($explicit !== null) {
            return self::check($explicit, 'the childPath option');
        }
        $fromEnv = getenv(self::ENV);
        if (is_string($fromEnv) && $fromEnv !== '') {
            return self::check($fromEnv, self::ENV);
        }
        foreach (self::INSTALL_PATHS as $path) {
            if (is_file($path) && is_executable($path)) {
                return $path;
            }
        }

        throw new SpawnException(sprintf(
            'cannot find the sandbox child: no childPath option, %s unset, and none of %s is installed',
            self::ENV,
            implode(', ', self::INSTALL_PATHS),
        ));
    }

    private static function check(string $path, string $source): string
    {
        if (!is_file($path)) {
            throw new SpawnException(sprintf("child '%s' (from %s) does not exist", $path, $source), $path);
        }
        if (!is_executable($path)) {
            throw new SpawnException(sprintf("child '%s' (from %s) is not executable", $path, $source), $path);
        }

        return $path;
    }
}
