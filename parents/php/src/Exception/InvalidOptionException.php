<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * A sandbox option, filesystem entry or run argument was rejected before
 * anything was sent to the child.
 */
final class InvalidOptionException extends \InvalidArgumentException implements SandboxException
{
    public function __construct(public readonly string $option, string $message)
    {
        parent::__construct(sprintf('invalid %s: %s', $option, $message));
    }
}
