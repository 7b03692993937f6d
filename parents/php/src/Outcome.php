<?php

declare(strict_types=1);

namespace PythonSandbox;

/**
 * How a run ended: the closed set of RunResult.outcome in protocol/SPEC.md.
 */
enum Outcome: string
{
    case Ok = 'ok';
    case Exception = 'exception';
    case Exit = 'exit';
    case Timeout = 'timeout';
    case CpuLimit = 'cpu_limit';
    case MemoryLimit = 'memory_limit';
    case OutputLimit = 'output_limit';
    case Violation = 'violation';
    case Crash = 'crash';
    case Cancelled = 'cancelled';

    /**
     * Whether this outcome ends the session (the child takes no more runs).
     */
    public function isFatal(): bool
    {
        return match ($this) {
            self::Ok, self::Exception, self::Exit => false,
            default => true,
        };
    }
}
