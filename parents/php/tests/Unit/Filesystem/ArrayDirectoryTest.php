<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Filesystem;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\InvalidOptionException;
use PythonSandbox\Filesystem\ArrayDirectory;
use PythonSandbox\Filesystem\HostFsError;

final class ArrayDirectoryTest extends TestCase
{
    private ArrayDirectory $dir;

    protected function setUp(): void
    {
        $this->dir = new ArrayDirectory(['top.py' => 'x = 1', 'pkg/__init__.py' => '', 'pkg/sub/mod.py' => 'y = 2']);
    }

    public function testStatsFilesAndImpliedDirectories(): void
    {
        self::assertSame(['type' => 'file', 'size' => 5, 'mode' => 0o444], $this->dir->stat('top.py')->toProtocol());
        self::assertSame('dir', $this->dir->stat('')->type);
        self::assertSame('dir', $this->dir->stat('pkg/sub')->type);
    }

    public function testListsExactlyTheChildren(): void
    {
        self::assertSame(['top.py' => 'file', 'pkg' => 'dir'], $this->dir->list(''));
        self::assertSame(['__init__.py' => 'file', 'sub' => 'dir'], $this->dir->list('pkg'));
    }

    public function testReads(): void
    {
        self::assertSame('y = 2', $this->dir->read('pkg/sub/mod.py'));
    }

    /** @return array<string, array{string, string, string}> */
    public static function refusals(): array
    {
        return [
            'stat missing' => ['stat', 'nope.py', 'ENOENT'],
            'read missing' => ['read', 'pkg/nope.py', 'ENOENT'],
            'read directory' => ['read', 'pkg', 'EISDIR'],
            'list file' => ['list', 'top.py', 'ENOTDIR'],
            'list missing' => ['list', 'nope', 'ENOENT'],
        ];
    }

    /** @dataProvider refusals */
    public function testRefusesWithErrno(string $method, string $path, string $errno): void
    {
        try {
            $this->dir->$method($path);
            self::fail('no HostFsError');
        } catch (HostFsError $e) {
            self::assertSame($errno, $e->errno);
        }
    }

    public function testRejectsBadPathsAndClashes(): void
    {
        foreach ([['/abs' => ''], ['a/../b' => ''], ['a' => '', 'a/b' => ''], ['a/b' => '', 'a' => '']] as $files) {
            try {
                new ArrayDirectory($files);
                self::fail('accepted ' . json_encode($files));
            } catch (InvalidOptionException $e) {
                self::assertStringContainsString('invalid host file', $e->getMessage());
            }
        }
    }

    public function testHostFsErrorOnlyTakesProtocolErrnos(): void
    {
        $this->expectException(\InvalidArgumentException::class);

        new HostFsError('EIO');
    }
}
