<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * The child could not be found or started.
 */
final class SpawnException extends \RuntimeException implements SandboxException
{
    public function __construct(string $message, public readonly ?string $childPath = null)
    {
        parent::__construct($message);
    }
}
