<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

use PythonSandbox\Exception\InvalidOptionException;

/**
 * Parses human sizes ("256M", "1.5GiB", "4096") into bytes and durations
 * ("5s", "250ms", "2m", 1500) into milliseconds. Size suffixes are binary
 * (K = 1024). A bare integer is bytes or milliseconds. Zero is allowed
 * here; each limit checks its own range.
 *
 * @internal
 */
final class Units
{
    private const SIZE_SUFFIXES = ['' => 1, 'K' => 1 << 10, 'M' => 1 << 20, 'G' => 1 << 30, 'T' => 1 << 40];
    private const DURATION_SUFFIXES = ['ms' => 1, 's' => 1000, 'm' => 60000, 'h' => 3600000];

    public static function size(int|string $value, string $option): int
    {
        if (is_int($value)) {
            return self::nonNegative($value, $option);
        }
        if (!preg_match('/^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i', $value, $m)) {
            $why = sprintf("'%s' is not a size like 4096, 64K, 256M or 1.5G", $value);
            throw new InvalidOptionException($option, $why);
        }

        return self::scale($m[1], self::SIZE_SUFFIXES[strtoupper($m[2])], $option);
    }

    public static function duration(int|string $value, string $option): int
    {
        if (is_int($value)) {
            return self::nonNegative($value, $option);
        }
        if (!preg_match('/^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/', $value, $m)) {
            $why = sprintf("'%s' is not a duration like 250ms, 5s, 2m or 1h", $value);
            throw new InvalidOptionException($option, $why);
        }

        return self::scale($m[1], self::DURATION_SUFFIXES[$m[2]], $option);
    }

    private static function scale(string $number, int $unit, string $option): int
    {
        $scaled = (float) $number * $unit;
        if ($scaled >= (float) PHP_INT_MAX) {
            throw new InvalidOptionException($option, sprintf("'%s' is too large", $number));
        }

        return (int) round($scaled);
    }

    private static function nonNegative(int $value, string $option): int
    {
        if ($value < 0) {
            throw new InvalidOptionException($option, sprintf('%d is negative', $value));
        }

        return $value;
    }

    /** VALUE, checked against the range MIN..MAX (both included). */
    public static function inRange(int $value, int $min, int $max, string $option): int
    {
        if ($value < $min || $value > $max) {
            throw new InvalidOptionException($option, sprintf('%d is outside %d..%d', $value, $min, $max));
        }

        return $value;
    }
}
