<?php

declare(strict_types=1);

namespace PythonSandbox\Filesystem;

/**
 * Thrown by a HostDirectory to refuse a lookup with one of the errnos the
 * protocol allows for `fs_error`.
 */
final class HostFsError extends \RuntimeException
{
    public const ERRNOS = ['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES'];

    public function __construct(public readonly string $errno, string $message = '')
    {
        if (!in_array($errno, self::ERRNOS, true)) {
            throw new \InvalidArgumentException(sprintf("'%s' is not one of %s", $errno, implode(' ', self::ERRNOS)));
        }
        parent::__construct($message === '' ? $errno : $message);
    }

    public static function notFound(string $path): self
    {
        return new self('ENOENT', sprintf("'%s' does not exist", $path));
    }
}
