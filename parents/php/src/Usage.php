<?php

declare(strict_types=1);

namespace PythonSandbox;

/**
 * Resources one run used, as measured by the child.
 */
final class Usage
{
    public function __construct(
        public readonly int $wallMs = 0,
        public readonly int $cpuMs = 0,
        public readonly int $peakMemoryBytes = 0,
        public readonly int $forwardedCalls = 0,
        public readonly int $hostCalls = 0,
        public readonly int $stdoutBytes = 0,
        public readonly int $stderrBytes = 0,
    ) {
    }
}
