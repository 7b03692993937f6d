<?php

declare(strict_types=1);

namespace PythonSandbox\Filesystem;

use PythonSandbox\Exception\InvalidOptionException;

/**
 * A read-only host directory or file at a sandbox path. Include and
 * exclude are fnmatch globs on the path relative to the bind root.
 */
final class Bind implements Entry
{
    public const MAX_GLOBS = 64;

    /**
     * @param list<string> $include
     * @param list<string> $exclude
     */
    public function __construct(
        public readonly string $source,
        public readonly string $target,
        public readonly array $include = [],
        public readonly array $exclude = [],
    ) {
        if ($source === '' || $source[0] !== '/' || strlen($source) > Path::MAX_BYTES || str_contains($source, "\0")) {
            throw new InvalidOptionException('bind source', sprintf("'%s' is not an absolute host path", $source));
        }
        Path::assertTarget($target, 'bind target');
        self::assertGlobs($include, 'bind include');
        self::assertGlobs($exclude, 'bind exclude');
    }

    public function target(): string
    {
        return $this->target;
    }

    public function toProtocol(): array
    {
        $entry = ['type' => 'bind', 'source' => $this->source, 'target' => $this->target];
        if ($this->include !== []) {
            $entry['include'] = $this->include;
        }
        if ($this->exclude !== []) {
            $entry['exclude'] = $this->exclude;
        }

        return $entry;
    }

    /** @param array<array-key, mixed> $globs */
    private static function assertGlobs(array $globs, string $option): void
    {
        if (!array_is_list($globs) || count($globs) > self::MAX_GLOBS) {
            throw new InvalidOptionException($option, sprintf('expected a list of at most %d globs', self::MAX_GLOBS));
        }
        foreach ($globs as $glob) {
            $ok = is_string($glob) && $glob !== '' && $glob[0] !== '/' && strlen($glob) <= 1024
                && !str_contains($glob, "\0");
            if (!$ok) {
                throw new InvalidOptionException($option, 'globs are 1 to 1024 bytes, relative to the bind root');
            }
        }
    }
}
