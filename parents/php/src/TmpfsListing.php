<?php

declare(strict_types=1);

namespace PythonSandbox;

/**
 * What Session::listTmpfs() found: the entries, and whether the child left
 * some out (more than 10000, or more than fit one frame).
 *
 * @implements \IteratorAggregate<int, TmpfsEntry>
 */
final class TmpfsListing implements \IteratorAggregate, \Countable
{
    /** @param list<TmpfsEntry> $entries */
    public function __construct(public readonly array $entries, public readonly bool $truncated)
    {
    }

    /** @return \ArrayIterator<int, TmpfsEntry> */
    public function getIterator(): \ArrayIterator
    {
        return new \ArrayIterator($this->entries);
    }

    public function count(): int
    {
        return count($this->entries);
    }
}
