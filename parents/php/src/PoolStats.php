<?php

declare(strict_types=1);

namespace PythonSandbox;

/**
 * What a pool has done so far, for monitoring and benchmarks.
 */
final class PoolStats
{
    public function __construct(
        /** The most warm children the pool keeps. */
        public readonly int $size,
        /** Warm children waiting now (their `warm` answer may still be pending). */
        public readonly int $idle,
        /** Sessions started on a warm child with `initialize` alone. */
        public readonly int $warmSessions,
        /** Sessions started cold: the pool was empty (or pausing after failed warms), the child spoke 1.0, or a warm child failed. */
        public readonly int $coldSessions,
        /** Warm children thrown away because their `warm` or `initialize` failed or they exited, and replacements that could not be started. */
        public readonly int $discarded,
        /** Why the last warm child was thrown away or could not be started; null if none was. */
        public readonly ?string $lastFailure,
    ) {
    }
}
