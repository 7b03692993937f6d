<?php

declare(strict_types=1);

namespace PythonSandbox\Filesystem;

use PythonSandbox\Exception\InvalidOptionException;

/**
 * An inline, read-only file whose bytes the parent sends in `initialize`.
 */
final class File implements Entry
{
    public function __construct(
        public readonly string $target,
        public readonly string $contents,
        public readonly int $mode = 0o644,
    ) {
        Path::assertTarget($target, 'file target');
        if ($mode < 0 || $mode > 0o777) {
            throw new InvalidOptionException('file mode', sprintf('%o is not a permission mode', $mode));
        }
    }

    public function target(): string
    {
        return $this->target;
    }

    public function toProtocol(): array
    {
        return [
            'type' => 'file',
            'target' => $this->target,
            'data' => base64_encode($this->contents),
            'mode' => $this->mode,
        ];
    }
}
