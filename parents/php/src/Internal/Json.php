<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

/**
 * JSON with the flags the protocol needs: UTF-8 kept as is, floats kept
 * floats, and errors thrown rather than returned as false.
 *
 * @internal
 */
final class Json
{
    /** PHP counts a scalar as a level, as the spec's limit of 64 does. */
    public const DEPTH = 64;

    private const ENCODE = JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
        | JSON_PRESERVE_ZERO_FRACTION;

    /** @throws \JsonException */
    public static function encode(mixed $value): string
    {
        return json_encode($value, self::ENCODE, self::DEPTH);
    }

    /** @throws \JsonException */
    public static function decode(string $text): mixed
    {
        return json_decode($text, true, self::DEPTH, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
    }

    /**
     * A PHP map as a JSON object, also when it is empty.
     *
     * @param array<array-key, mixed> $map
     */
    public static function object(array $map): object
    {
        return (object) $map;
    }
}
