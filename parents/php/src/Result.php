<?php

declare(strict_types=1);

namespace PythonSandbox;

use PythonSandbox\Exception\RunException;

/**
 * The immutable result of one execute or invoke.
 *
 * `stdout` and `stderr` hold the collected output when the run had no
 * output callback, and are empty when one was given.
 */
final class Result
{
    public function __construct(
        public readonly Outcome $outcome,
        public readonly bool $sessionUsable,
        public readonly ?int $exitStatus,
        public readonly ?PythonError $exception,
        public readonly mixed $value,
        public readonly Usage $usage,
        public readonly ?Violation $violation,
        public readonly ?int $signal,
        public readonly string $stdout,
        public readonly string $stderr,
    ) {
    }

    public function isOk(): bool
    {
        return $this->outcome === Outcome::Ok;
    }

    /**
     * Returns this result when the outcome is `ok`, otherwise throws the
     * exception class of the outcome (see RunException::fromResult()).
     *
     * @throws RunException
     */
    public function orThrow(): self
    {
        if ($this->isOk()) {
            return $this;
        }

        throw RunException::fromResult($this);
    }
}
