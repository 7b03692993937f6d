<?php

declare(strict_types=1);

namespace WikiExample;

/**
 * Where the wiki keeps the Python modules its users write.
 */
interface ModuleStore
{
    /** The source of module NAME (a Python identifier), or null. */
    public function source(string $name): ?string;

    /** @return list<string> the names of every module, at most 10000 */
    public function names(): array;

    /** The text of a wiki page, or null. */
    public function page(string $title): ?string;
}
