<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

use PythonSandbox\Outcome;
use PythonSandbox\Result;

/**
 * A run did not end with outcome `ok`; thrown by mustRun() and
 * Result::orThrow(). Each outcome has its own subclass.
 */
abstract class RunException extends \RuntimeException implements SandboxException
{
    final public function __construct(string $message, public readonly ?Result $result)
    {
        parent::__construct($message);
    }

    public static function fromResult(Result $result): self
    {
        return match ($result->outcome) {
            Outcome::Ok => throw new \LogicException('outcome ok is not a failure'),
            Outcome::Exception => PythonException::describe($result),
            Outcome::Exit => new ExitException(
                sprintf('python code exited with status %d', $result->exitStatus ?? 0),
                $result,
            ),
            Outcome::Timeout => new TimeoutException('python code exceeded its wall-time limit', $result),
            Outcome::CpuLimit, Outcome::MemoryLimit, Outcome::OutputLimit => LimitException::describe($result),
            Outcome::Violation => ViolationException::describe($result),
            Outcome::Crash => new CrashException(
                sprintf('the jail crashed (signal %d)', $result->signal ?? 0),
                $result,
            ),
            Outcome::Cancelled => new CancelledException('the run was cancelled', $result),
        };
    }
}
