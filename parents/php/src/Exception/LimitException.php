<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

use PythonSandbox\Outcome;
use PythonSandbox\Result;

/**
 * A resource limit ended the run (outcomes `cpu_limit`, `memory_limit`,
 * `output_limit`), or a read-back exceeded the size the caller allowed
 * (no result then).
 */
final class LimitException extends RunException
{
    public static function describe(Result $result): self
    {
        $what = match ($result->outcome) {
            Outcome::CpuLimit => 'CPU-time',
            Outcome::MemoryLimit => 'memory',
            default => 'output',
        };

        return new self(sprintf('python code exceeded its %s limit', $what), $result);
    }
}
