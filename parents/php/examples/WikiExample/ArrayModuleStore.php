<?php

declare(strict_types=1);

namespace WikiExample;

/**
 * The store over PHP arrays, for the demo and the tests.
 */
final class ArrayModuleStore implements ModuleStore
{
    /**
     * @param array<string, string> $modules name => source
     * @param array<string, string> $pages title => text
     */
    public function __construct(private readonly array $modules, private readonly array $pages = [])
    {
    }

    public function source(string $name): ?string
    {
        return $this->modules[$name] ?? null;
    }

    public function names(): array
    {
        return array_map('strval', array_keys($this->modules));
    }

    public function page(string $title): ?string
    {
        return $this->pages[$title] ?? null;
    }
}
