<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Internal;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Filesystem\ArrayDirectory;
use PythonSandbox\Internal\HostFsServer;
use PythonSandbox\Internal\RpcError;

final class HostFsServerTest extends TestCase
{
    private HostFsServer $server;

    protected function setUp(): void
    {
        $this->server = new HostFsServer(['/m' => new ArrayDirectory(['a.py' => 'A', 'd/b.py' => 'BB'])]);
    }

    /** @param array<string, mixed> $params */
    private function refusal(string $method, array $params, int $fileBytes = 100): RpcError
    {
        try {
            $this->server->handle($method, $params, $fileBytes);
        } catch (RpcError $e) {
            return $e;
        }
        self::fail('no refusal');
    }

    public function testAnswersTheThreeMethods(): void
    {
        $file = ['target' => '/m', 'path' => 'd/b.py'];
        $root = ['target' => '/m', 'path' => ''];
        $entries = [['name' => 'a.py', 'type' => 'file'], ['name' => 'd', 'type' => 'dir']];

        $stat = ['type' => 'file', 'size' => 2, 'mode' => 0o444];
        self::assertSame($stat, $this->server->handle('hostfs/stat', $file, 100));
        self::assertSame(['data' => 'QkI='], $this->server->handle('hostfs/read', $file, 100));
        self::assertSame(['entries' => $entries], $this->server->handle('hostfs/list', $root, 100));
    }

    /** @return array<string, array{string, array<string, mixed>, string, array<string, string>|null}> */
    public static function refusals(): array
    {
        return [
            'unknown target' => ['hostfs/stat', ['target' => '/x', 'path' => ''], 'fs_error', ['errno' => 'ENOENT']],
            'target missing' => ['hostfs/stat', ['path' => ''], 'invalid_params', ['field' => '/target']],
            'path missing' => ['hostfs/stat', ['target' => '/m'], 'invalid_params', ['field' => '/path']],
            'dotdot' => ['hostfs/read', ['target' => '/m', 'path' => '../a'], 'invalid_params', ['field' => '/path']],
            'absolute' => ['hostfs/read', ['target' => '/m', 'path' => '/a'], 'invalid_params', ['field' => '/path']],
            'missing' => ['hostfs/read', ['target' => '/m', 'path' => 'z.py'], 'fs_error', ['errno' => 'ENOENT']],
            'directory' => ['hostfs/read', ['target' => '/m', 'path' => 'd'], 'fs_error', ['errno' => 'EISDIR']],
            'list file' => ['hostfs/list', ['target' => '/m', 'path' => 'a.py'], 'fs_error', ['errno' => 'ENOTDIR']],
        ];
    }

    /**
     * @dataProvider refusals
     * @param array<string, mixed> $params
     * @param array<string, string>|null $data
     */
    public function testRefusals(string $method, array $params, string $name, ?array $data): void
    {
        $error = $this->refusal($method, $params);

        self::assertSame($name, $error->name);
        self::assertSame($data, $error->data);
    }

    public function testFilesOverFileBytesAreRefused(): void
    {
        $error = $this->refusal('hostfs/read', ['target' => '/m', 'path' => 'd/b.py'], 1);

        self::assertSame(['errno' => 'EACCES'], $error->data);
        self::assertSame("'d/b.py' is 2 bytes, over the file limit of 1", $error->getMessage());
    }
}
