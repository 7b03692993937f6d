<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

use PythonSandbox\Result;

/**
 * The Python code raised an exception (outcome `exception`); the type,
 * message and traceback are in `$result->exception`.
 */
final class PythonException extends RunException
{
    public static function describe(Result $result): self
    {
        $error = $result->exception;
        $text = $error === null ? 'unknown exception' : $error->type . ': ' . $error->message;

        return new self('python code raised ' . $text, $result);
    }
}
