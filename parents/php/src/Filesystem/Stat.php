<?php

declare(strict_types=1);

namespace PythonSandbox\Filesystem;

use PythonSandbox\Exception\InvalidOptionException;

/**
 * What HostDirectory::stat() reports for one path.
 */
final class Stat
{
    /** @param 'file'|'dir' $type */
    private function __construct(public readonly string $type, public readonly int $size, public readonly int $mode)
    {
        if ($size < 0) {
            throw new InvalidOptionException('stat size', sprintf('%d is negative', $size));
        }
        if ($mode < 0 || $mode > 0o7777) {
            throw new InvalidOptionException('stat mode', sprintf('%o is not a permission mode', $mode));
        }
    }

    public static function file(int $size, int $mode = 0o444): self
    {
        return new self('file', $size, $mode);
    }

    public static function dir(int $mode = 0o555): self
    {
        return new self('dir', 0, $mode);
    }

    /** @return array{type: 'file'|'dir', size: int, mode: int} */
    public function toProtocol(): array
    {
        return ['type' => $this->type, 'size' => $this->size, 'mode' => $this->mode];
    }
}
