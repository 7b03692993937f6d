<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

use PythonSandbox\Result;

/**
 * The jail made a system call its filter forbids and was killed
 * (outcome `violation`); see `$result->violation`.
 */
final class ViolationException extends RunException
{
    public static function describe(Result $result): self
    {
        $v = $result->violation;
        $what = $v === null ? 'a forbidden system call' : sprintf('%s (%d, %s)', $v->syscall, $v->number, $v->arch);

        return new self('python code made a forbidden system call: ' . $what, $result);
    }
}
