<?php

declare(strict_types=1);

namespace PythonSandbox;

/**
 * The system call that made the jail violate its filter.
 */
final class Violation
{
    public function __construct(
        public readonly string $syscall,
        public readonly int $number,
        public readonly string $arch,
    ) {
    }
}
