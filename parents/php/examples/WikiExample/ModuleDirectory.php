<?php

declare(strict_types=1);

namespace WikiExample;

use PythonSandbox\Filesystem\HostDirectory;
use PythonSandbox\Filesystem\HostFsError;
use PythonSandbox\Filesystem\Stat;

/**
 * The wiki's modules as a flat, read-only directory: module Foo is the file
 * `Foo.py`. Only names that are Python identifiers exist, so nothing the
 * sandbox asks for can reach another row, table or file.
 */
final class ModuleDirectory implements HostDirectory
{
    public function __construct(private readonly ModuleStore $store)
    {
    }

    public function stat(string $path): Stat
    {
        if ($path === '') {
            return Stat::dir();
        }

        return Stat::file(strlen($this->read($path)));
    }

    public function read(string $path): string
    {
        if ($path === '') {
            throw new HostFsError('EISDIR');
        }
        $name = self::moduleName($path);

        return ($name === null ? null : $this->store->source($name)) ?? throw HostFsError::notFound($path);
    }

    public function list(string $path): array
    {
        if ($path !== '') {
            $this->read($path);
            throw new HostFsError('ENOTDIR');
        }
        $entries = [];
        foreach ($this->store->names() as $name) {
            if (self::moduleName($name . '.py') !== null) {
                $entries[$name . '.py'] = 'file';
            }
        }

        return $entries;
    }

    private static function moduleName(string $path): ?string
    {
        return preg_match('/^([A-Za-z_][A-Za-z0-9_]*)\.py$/', $path, $m) === 1 ? $m[1] : null;
    }
}
