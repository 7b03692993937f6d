<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Filesystem;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\InvalidOptionException;
use PythonSandbox\Filesystem\Path;

final class PathTest extends TestCase
{
    /** @return array<string, array{string}> */
    public static function goodTargets(): array
    {
        return ['root' => ['/'], 'one' => ['/data'], 'deep' => ['/a/b/c.txt'], 'dots inside' => ['/a/.hidden/..x']];
    }

    /** @dataProvider goodTargets */
    public function testAcceptsNormalizedAbsolutePaths(string $path): void
    {
        self::assertSame($path, Path::assertTarget($path));
    }

    /** @return array<string, array{string}> */
    public static function badTargets(): array
    {
        return [
            'empty' => [''],
            'relative' => ['data'],
            'trailing slash' => ['/data/'],
            'double slash' => ['/a//b'],
            'dot' => ['/a/./b'],
            'dotdot' => ['/a/../b'],
            'nul' => ["/a\0b"],
            'not utf-8' => ["/a\xffb"],
            'too long' => ['/' . str_repeat('a', 4096)],
        ];
    }

    /** @dataProvider badTargets */
    public function testRejectsOtherPaths(string $path): void
    {
        $this->expectException(InvalidOptionException::class);

        Path::assertTarget($path);
    }

    public function testRelativePaths(): void
    {
        self::assertTrue(Path::isNormalizedRelative(''));
        self::assertTrue(Path::isNormalizedRelative('a/b.py'));
        self::assertFalse(Path::isNormalizedRelative('/a'));
        self::assertFalse(Path::isNormalizedRelative('a/'));
        self::assertFalse(Path::isNormalizedRelative('../a'));
        self::assertFalse(Path::isNormalizedRelative('a/./b'));
    }
}
