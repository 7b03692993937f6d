<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

use PythonSandbox\Exception\ProtocolException;
use PythonSandbox\Outcome;
use PythonSandbox\PythonError;
use PythonSandbox\Result;
use PythonSandbox\TmpfsEntry;
use PythonSandbox\TmpfsListing;
use PythonSandbox\Usage;
use PythonSandbox\Violation;

/**
 * Turns the child's results into value objects, refusing anything that
 * does not have the shape protocol/SPEC.md gives it.
 *
 * @internal
 */
final class Decode
{
    private const USAGE = [
        'wall_ms', 'cpu_ms', 'peak_memory_bytes', 'forwarded_calls', 'host_calls', 'stdout_bytes', 'stderr_bytes',
    ];

    /** @param array<array-key, mixed> $r */
    public static function result(array $r, string $stdout, string $stderr): Result
    {
        $given = $r['outcome'] ?? null;
        $outcome = Outcome::tryFrom(is_string($given) ? $given : '')
            ?? throw new ProtocolException('RunResult outcome is not valid: ' . Json::encode($given));
        $usable = $r['session_usable'] ?? null;
        if (!is_bool($usable)) {
            throw new ProtocolException('RunResult has no boolean session_usable');
        }
        if ($usable && $outcome->isFatal()) {
            $why = sprintf("RunResult says outcome '%s' left the session usable", $outcome->value);
            throw new ProtocolException($why);
        }

        return new Result(
            $outcome,
            $usable,
            self::optionalInt($r, 'exit_status'),
            self::exception($r['exception'] ?? null),
            $outcome === Outcome::Ok ? ($r['value'] ?? null) : null,
            self::usage($r['usage'] ?? []),
            self::violation($r['violation'] ?? null),
            self::optionalInt($r, 'signal'),
            $stdout,
            $stderr,
        );
    }

    /** @param array<array-key, mixed> $r the tmpfs/list result */
    public static function tmpfsListing(array $r): TmpfsListing
    {
        $list = $r['entries'] ?? null;
        if (!is_array($list) || !array_is_list($list) || count($list) > 10000) {
            throw new ProtocolException('tmpfs/list result has no entries list of at most 10000');
        }
        $entries = [];
        foreach ($list as $e) {
            $ok = is_array($e) && is_string($e['path'] ?? null)
                && in_array($e['type'] ?? null, ['file', 'dir', 'symlink'], true)
                && is_int($e['size'] ?? null) && is_int($e['mode'] ?? null);
            if (!$ok) {
                throw new ProtocolException('tmpfs/list entry is malformed: ' . Json::encode($e));
            }
            $entries[] = new TmpfsEntry($e['path'], $e['type'], $e['size'], $e['mode']);
        }
        $truncated = $r['truncated'] ?? null;
        if (!is_bool($truncated)) {
            throw new ProtocolException('tmpfs/list result has no boolean truncated');
        }

        return new TmpfsListing($entries, $truncated);
    }

    /** Strict RFC 4648 base64 of a `*data` field. */
    public static function base64(mixed $value, string $what): string
    {
        $bytes = is_string($value) && self::isStrictBase64($value) ? base64_decode($value, true) : false;
        if ($bytes === false) {
            throw new ProtocolException(sprintf('%s is not base64', $what));
        }

        return $bytes;
    }

    /**
     * PHP's strict mode still skips whitespace and accepts missing
     * padding; the spec (REQ-JSON-11) refuses both.
     */
    private static function isStrictBase64(string $s): bool
    {
        $length = strlen($s);
        if ($length % 4 !== 0) {
            return false;
        }
        $padding = $length === 0 ? 0 : strspn(strrev(substr($s, -2)), '=');
        $alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

        return strspn($s, $alphabet) === $length - $padding;
    }

    /** @param array<array-key, mixed> $r */
    private static function optionalInt(array $r, string $key): ?int
    {
        $value = $r[$key] ?? null;
        if ($value !== null && !is_int($value)) {
            throw new ProtocolException(sprintf('RunResult %s is not an integer', $key));
        }

        return $value;
    }

    private static function exception(mixed $e): ?PythonError
    {
        if ($e === null) {
            return null;
        }
        if (!is_array($e) || !is_string($e['type'] ?? null) || !is_string($e['message'] ?? null)) {
            throw new ProtocolException('RunResult exception needs a type and a message');
        }

        return new PythonError($e['type'], $e['message'], is_string($e['traceback'] ?? null) ? $e['traceback'] : '');
    }

    private static function usage(mixed $u): Usage
    {
        if (!is_array($u)) {
            throw new ProtocolException('RunResult usage is not an object');
        }
        $values = [];
        foreach (self::USAGE as $key) {
            $value = $u[$key] ?? 0;
            if (!is_int($value) || $value < 0) {
                throw new ProtocolException(sprintf('RunResult usage.%s is not a count', $key));
            }
            $values[] = $value;
        }

        return new Usage(...$values);
    }

    private static function violation(mixed $v): ?Violation
    {
        if ($v === null) {
            return null;
        }
        if (!is_array($v) || !is_string($v['syscall'] ?? null) || !is_int($v['number'] ?? null)) {
            throw new ProtocolException('RunResult violation needs a syscall and a number');
        }

        return new Violation($v['syscall'], $v['number'], is_string($v['arch'] ?? null) ? $v['arch'] : '');
    }
}
