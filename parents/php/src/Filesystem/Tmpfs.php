<?php

declare(strict_types=1);

namespace PythonSandbox\Filesystem;

use PythonSandbox\Internal\Units;

/**
 * A writable in-memory directory with byte and file-count quotas; its files
 * can be read back with Session::listTmpfs() and Session::readTmpfs().
 * Null quotas leave the child's defaults (64 MiB, 4096 files).
 */
final class Tmpfs implements Entry
{
    public readonly ?int $maxBytes;

    public function __construct(
        public readonly string $target,
        int|string|null $maxBytes = null,
        public readonly ?int $maxFiles = null,
    ) {
        Path::assertTarget($target, 'tmpfs target');
        $this->maxBytes = $maxBytes === null
            ? null
            : Units::inRange(Units::size($maxBytes, 'tmpfs max bytes'), 4096, 1099511627776, 'tmpfs max bytes');
        if ($maxFiles !== null) {
            Units::inRange($maxFiles, 1, 1048576, 'tmpfs max files');
        }
    }

    public function target(): string
    {
        return $this->target;
    }

    public function toProtocol(): array
    {
        $entry = ['type' => 'tmpfs', 'target' => $this->target];
        if ($this->maxBytes !== null) {
            $entry['max_bytes'] = $this->maxBytes;
        }
        if ($this->maxFiles !== null) {
            $entry['max_files'] = $this->maxFiles;
        }

        return $entry;
    }
}
