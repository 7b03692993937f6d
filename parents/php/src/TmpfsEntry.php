<?php

declare(strict_types=1);

namespace PythonSandbox;

/**
 * One file, directory or symlink found in a tmpfs entry after a run.
 */
final class TmpfsEntry
{
    /** @param 'file'|'dir'|'symlink' $type */
    public function __construct(
        public readonly string $path,
        public readonly string $type,
        public readonly int $size,
        public readonly int $mode,
    ) {
    }
}
