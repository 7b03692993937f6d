<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * The run exceeded its wall-time limit.
 *
 * With a result, the child enforced the limit (outcome `timeout`). Without
 * one, the child itself did not answer within the limit plus the grace
 * period (or another request within its timeout), and the parent ended it:
 * closed its input, then killed it 2 s later if it was still running.
 */
final class TimeoutException extends RunException
{
    public function isBackstop(): bool
    {
        return $this->result === null;
    }
}
