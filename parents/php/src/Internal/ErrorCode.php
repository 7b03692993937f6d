<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

/**
 * The error-code registry of protocol/SPEC.md.
 *
 * @internal
 */
final class ErrorCode
{
    public const CODES = [
        'parse_error' => -32700,
        'invalid_request' => -32600,
        'method_not_found' => -32601,
        'invalid_params' => -32602,
        'internal_error' => -32603,
        'not_initialized' => -32000,
        'already_initialized' => -32001,
        'busy' => -32002,
        'session_ended' => -32003,
        'frame_too_large' => -32004,
        'unsupported_version' => -32005,
        'setup_failed' => -32006,
        'filesystem_error' => -32007,
        'not_found' => -32008,
        'not_tmpfs' => -32009,
        'is_directory' => -32010,
        'host_error' => -32050,
        'fs_error' => -32051,
    ];

    public static function name(int $code): string
    {
        $name = array_search($code, self::CODES, true);

        return $name === false ? sprintf('unregistered code %d', $code) : $name;
    }
}
