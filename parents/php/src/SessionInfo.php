<?php

declare(strict_types=1);

namespace PythonSandbox;

use PythonSandbox\Exception\ProtocolException;

/**
 * What the child reported when the session started: versions,
 * capabilities, the isolation layers actually in force, effective limits.
 */
final class SessionInfo
{
    /** The limits the parent relies on, and the least value each may have. */
    private const LEAST = [
        'wall_ms' => 1,
        'output_bytes' => 0,
        'host_call_bytes' => 1,
        'frame_bytes' => 1,
        'file_bytes' => 0,
    ];

    /**
     * @param array<string, mixed> $capabilities
     * @param array<string, mixed> $isolation
     * @param array<string, int> $limits
     */
    public function __construct(
        public readonly string $protocolVersion,
        public readonly string $childName,
        public readonly string $childVersion,
        public readonly string $pythonVersion,
        public readonly array $capabilities,
        public readonly array $isolation,
        public readonly array $limits,
        public readonly string $pythonImplementation = '',
    ) {
    }

    /** @param array<array-key, mixed> $result the initialize result */
    public static function fromProtocol(array $result): self
    {
        $version = $result['protocol_version'] ?? null;
        if (!is_string($version) || !preg_match('/^1\.\d+$/', $version)) {
            throw new ProtocolException(sprintf('child speaks protocol %s, not 1.x', Internal\Json::encode($version)));
        }
        $limits = $result['limits'] ?? null;
        if (!is_array($limits)) {
            throw new ProtocolException('initialize result has no limits object');
        }
        // output_bytes and file_bytes 0 are limits too (protocol/schema/defs.json, Limits).
        foreach (self::LEAST as $name => $least) {
            if (!is_int($limits[$name] ?? null) || $limits[$name] < $least) {
                throw new ProtocolException(sprintf('initialize result has no valid limits.%s', $name));
            }
        }
        if ($limits['frame_bytes'] < Options::FRAME_MIN || $limits['frame_bytes'] > Options::FRAME_MAX) {
            $frame = $limits['frame_bytes'];
            throw new ProtocolException(sprintf('child chose frame_bytes %d, outside the spec range', $frame));
        }

        return new self(
            $version,
            self::text($result['child']['name'] ?? null),
            self::text($result['child']['version'] ?? null),
            self::text($result['python']['version'] ?? null),
            is_array($result['capabilities'] ?? null) ? $result['capabilities'] : [],
            is_array($result['isolation'] ?? null) ? $result['isolation'] : [],
            array_filter($limits, 'is_int'),
            self::text($result['python']['implementation'] ?? null),
        );
    }

    /** The effective value of a limit by its protocol name (e.g. 'wall_ms'). */
    public function limit(string $name): int
    {
        return $this->limits[$name] ?? throw new \OutOfBoundsException(sprintf("no limit '%s'", $name));
    }

    private static function text(mixed $value): string
    {
        return is_string($value) ? $value : '';
    }
}
