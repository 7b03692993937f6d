<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

use PythonSandbox\Filesystem\HostDirectory;
use PythonSandbox\Filesystem\HostFsError;
use PythonSandbox\Filesystem\Path;

/**
 * Answers `hostfs/stat`, `hostfs/read` and `hostfs/list` from the
 * HostDirectory of each host entry, checking the request (known mount,
 * normalized relative path) and the directory's answer (sizes, names,
 * counts) so that neither side can push the other out of bounds. A
 * directory that throws anything but HostFsError gets `internal_error`.
 *
 * @internal
 */
final class HostFsServer
{
    public const MAX_ENTRIES = 10000;

    /** @param array<string, HostDirectory> $mounts target => directory */
    public function __construct(private readonly array $mounts)
    {
    }

    /**
     * @param array<array-key, mixed> $params
     * @return array<string, mixed>
     * @throws RpcError
     */
    public function handle(string $method, array $params, int $fileBytes): array
    {
        $target = $params['target'] ?? null;
        $path = $params['path'] ?? null;
        if (!is_string($target)) {
            throw new RpcError('invalid_params', 'target is not a string', ['field' => '/target']);
        }
        if (!is_string($path) || strlen($path) > Path::MAX_BYTES || !Path::isNormalizedRelative($path)) {
            throw new RpcError('invalid_params', 'path is not a normalized relative path', ['field' => '/path']);
        }
        $directory = $this->mounts[$target] ?? throw new RpcError(
            'fs_error',
            sprintf("'%s' is not a host entry", $target),
            ['errno' => 'ENOENT'],
        );

        try {
            return match ($method) {
                'hostfs/stat' => $directory->stat($path)->toProtocol(),
                'hostfs/read' => ['data' => base64_encode(self::checkedRead($directory, $path, $fileBytes))],
                default => ['entries' => self::checkedList($directory, $path)],
            };
        } catch (HostFsError $e) {
            throw new RpcError('fs_error', $e->getMessage(), ['errno' => $e->errno]);
        } catch (RpcError $e) {
            throw $e;
        } catch (\Throwable) {
            // REQ-HOSTFS-4; the exception's text stays on the host.
            throw new RpcError('internal_error', sprintf("host directory failed on '%s'", $path));
        }
    }

    private static function checkedRead(HostDirectory $directory, string $path, int $fileBytes): string
    {
        $data = $directory->read($path);
        if (strlen($data) > $fileBytes) {
            throw new RpcError('fs_error', sprintf(
                "'%s' is %d bytes, over the file limit of %d",
                $path,
                strlen($data),
                $fileBytes,
            ), ['errno' => 'EACCES']);
        }

        return $data;
    }

    /** @return list<array{name: string, type: 'file'|'dir'}> */
    private static function checkedList(HostDirectory $directory, string $path): array
    {
        $listing = $directory->list($path);
        if (count($listing) > self::MAX_ENTRIES) {
            throw new RpcError('fs_error', sprintf(
                "'%s' has %d entries, over %d",
                $path,
                count($listing),
                self::MAX_ENTRIES,
            ), ['errno' => 'EACCES']);
        }
        $entries = [];
        foreach ($listing as $name => $type) {
            $name = (string) $name;
            if ($name === '' || strlen($name) > 255 || !Path::isNormalizedRelative($name) || str_contains($name, '/')) {
                throw new \UnexpectedValueException(sprintf("bad entry name '%s'", $name));
            }
            if ($type !== 'file' && $type !== 'dir') {
                throw new \UnexpectedValueException(sprintf("bad entry type for '%s'", $name));
            }
            $entries[] = ['name' => $name, 'type' => $type];
        }

        return $entries;
    }
}
