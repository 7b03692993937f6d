<?php

declare(strict_types=1);

namespace PythonSandbox\Filesystem;

use PythonSandbox\Exception\InvalidOptionException;

/**
 * A HostDirectory over an in-memory map of relative path => contents.
 * Parent directories are implied by the paths. Handy for tests and for
 * serving a handful of modules built at request time.
 */
final class ArrayDirectory implements HostDirectory
{
    /** @var array<string, string> */
    private array $files = [];

    /** @var array<string, array<string, 'file'|'dir'>> */
    private array $dirs = ['' => []];

    /** @param array<string, string> $files */
    public function __construct(array $files)
    {
        foreach ($files as $path => $contents) {
            $path = (string) $path;
            if ($path === '' || !Path::isNormalizedRelative($path)) {
                throw new InvalidOptionException('host file', sprintf("'%s' is not a normalized relative path", $path));
            }
            $this->add($path, $contents);
        }
    }

    public function stat(string $path): Stat
    {
        if (isset($this->files[$path])) {
            return Stat::file(strlen($this->files[$path]));
        }
        if (isset($this->dirs[$path])) {
            return Stat::dir();
        }

        throw HostFsError::notFound($path);
    }

    public function read(string $path): string
    {
        if (isset($this->dirs[$path])) {
            throw new HostFsError('EISDIR');
        }

        return $this->files[$path] ?? throw HostFsError::notFound($path);
    }

    public function list(string $path): array
    {
        if (isset($this->files[$path])) {
            throw new HostFsError('ENOTDIR');
        }

        return $this->dirs[$path] ?? throw HostFsError::notFound($path);
    }

    private function add(string $path, string $contents): void
    {
        if (isset($this->dirs[$path])) {
            throw new InvalidOptionException('host file', sprintf("'%s' is already a directory", $path));
        }
        $this->files[$path] = $contents;

        $parts = explode('/', $path);
        $type = 'file';
        while ($parts !== []) {
            $name = array_pop($parts);
            $parent = implode('/', $parts);
            if (isset($this->files[$parent])) {
                throw new InvalidOptionException('host file', sprintf("'%s' is already a file", $parent));
            }
            $this->dirs[$parent][$name] = $type;
            $type = 'dir';
        }
    }
}
