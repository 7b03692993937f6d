<?php

declare(strict_types=1);

namespace PythonSandbox;

/**
 * The Python exception that ended a run with outcome `exception`.
 */
final class PythonError
{
    public function __construct(
        public readonly string $type,
        public readonly string $message,
        public readonly string $traceback,
    ) {
    }
}
