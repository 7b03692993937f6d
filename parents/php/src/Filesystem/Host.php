<?php

declare(strict_types=1);

namespace PythonSandbox\Filesystem;

/**
 * A directory whose contents the parent serves on demand: the child asks
 * `hostfs/stat`, `hostfs/read` and `hostfs/list`, and the session answers
 * them from the given HostDirectory.
 */
final class Host implements Entry
{
    public function __construct(public readonly string $target, public readonly HostDirectory $directory)
    {
        Path::assertTarget($target, 'host target');
    }

    public function target(): string
    {
        return $this->target;
    }

    public function toProtocol(): array
    {
        return ['type' => 'host', 'target' => $this->target];
    }
}
