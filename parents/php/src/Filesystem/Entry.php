<?php

declare(strict_types=1);

namespace PythonSandbox\Filesystem;

/**
 * One entry of the filesystem the jail sees (protocol/SPEC.md, initialize
 * `filesystem`). Entries are immutable and validated on construction.
 */
interface Entry
{
    /** The absolute, normalized sandbox path of the entry. */
    public function target(): string;

    /**
     * The entry as sent in `initialize`.
     *
     * @return array<string, mixed>
     */
    public function toProtocol(): array;
}
