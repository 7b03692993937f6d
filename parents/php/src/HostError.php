<?php

declare(strict_types=1);

namespace PythonSandbox;

/**
 * Thrown by a host function to raise a chosen Python exception type in the
 * sandbox, for the types no PHP exception maps to (KeyError,
 * PermissionError, FileNotFoundError, TimeoutError, LookupError).
 */
final class HostError extends \RuntimeException
{
    public const TYPES = [
        'ValueError', 'TypeError', 'KeyError', 'IndexError', 'LookupError', 'PermissionError',
        'FileNotFoundError', 'TimeoutError', 'RuntimeError', 'SandboxError',
    ];

    public function __construct(public readonly string $pythonType, string $message)
    {
        if (!in_array($pythonType, self::TYPES, true)) {
            throw new \InvalidArgumentException(sprintf(
                "'%s' is not a Python type a host error can carry (%s)",
                $pythonType,
                implode(', ', self::TYPES),
            ));
        }
        parent::__construct($message);
    }
}
