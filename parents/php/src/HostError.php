<?php

declare(strict_types=1);

namespace PythonSandbox;

/**
 * Thrown by a host function to raise a chosen Python exception type in the
 * sandbox, for the types no PHP exception maps to (KeyError,
 * PermissionError, FileNotFoundError, TimeoutError, LookupError).
 *
 * The child raises exactly the types of TYPES; any other name arrives as
 * `sandbox.SandboxError` (or a subclass), as the protocol says.
 */
final class HostError extends \RuntimeException
{
    public const TYPES = [
        'ValueError', 'TypeError', 'KeyError', 'IndexError', 'LookupError', 'PermissionError',
        'FileNotFoundError', 'TimeoutError', 'RuntimeError', 'SandboxError',
    ];

    public function __construct(public readonly string $pythonType, string $message)
    {
        if (preg_match('/^[A-Za-z_][A-Za-z0-9_.]{0,63}$/', $pythonType) !== 1) {
            throw new \InvalidArgumentException(sprintf(
                "'%s' is not a Python exception name of at most 64 characters (the child raises %s)",
                $pythonType,
                implode(', ', self::TYPES),
            ));
        }
        parent::__construct($message);
    }
}
