<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

use PythonSandbox\HostError;

/**
 * Answers `host/call`: validates the request, calls the PHP callable with
 * positional and named arguments, and turns a thrown exception into a
 * `host_error` of the mapped Python type. Exceptions that map to no Python
 * type (database errors, for one) keep their message out of the sandbox.
 *
 * @internal
 */
final class HostFunctions
{
    /** PHP exception class => Python exception type; the first match wins. */
    private const MAP = [
        HostError::class => null,
        \ValueError::class => 'ValueError',
        \ArgumentCountError::class => 'TypeError',
        \TypeError::class => 'TypeError',
        \OutOfBoundsException::class => 'IndexError',
        \OutOfRangeException::class => 'IndexError',
        \InvalidArgumentException::class => 'ValueError',
        \DomainException::class => 'ValueError',
        \RangeException::class => 'ValueError',
        \UnexpectedValueException::class => 'ValueError',
        \LengthException::class => 'ValueError',
        \JsonException::class => 'ValueError',
        \RuntimeException::class => 'RuntimeError',
    ];

    /** @param array<string, callable> $functions */
    public function __construct(private readonly array $functions)
    {
    }

    /**
     * @param array<array-key, mixed> $params
     * @return array{value: mixed}
     * @throws RpcError
     */
    public function call(array $params, int $maxBytes): array
    {
        $name = $params['function'] ?? null;
        $args = $params['args'] ?? [];
        $kwargs = $params['kwargs'] ?? [];
        if (!is_string($name) || !is_array($args) || !array_is_list($args) || !is_array($kwargs)) {
            throw new RpcError('invalid_params', 'host/call needs a function name, args list and kwargs object');
        }
        $function = $this->functions[$name] ?? throw self::error('SandboxError', sprintf(
            "no host function '%s'",
            $name,
        ));
        foreach (array_keys($kwargs) as $key) {
            if (!is_string($key)) {
                throw self::error('TypeError', sprintf("keyword argument names must be identifiers, got '%s'", $key));
            }
        }

        return ['value' => self::encodable($name, $this->invoke($name, $function, $args, $kwargs), $maxBytes)];
    }

    public static function pythonType(\Throwable $e): ?string
    {
        if ($e instanceof HostError) {
            return $e->pythonType;
        }
        foreach (self::MAP as $class => $type) {
            if ($e instanceof $class) {
                return $type;
            }
        }

        return null;
    }

    /**
     * @param list<mixed> $args
     * @param array<string, mixed> $kwargs
     */
    private function invoke(string $name, callable $function, array $args, array $kwargs): mixed
    {
        try {
            return $function(...$args, ...$kwargs);
        } catch (\Throwable $e) {
            $type = self::pythonType($e);
            if ($type === null && $e instanceof \Error && str_contains($e->getMessage(), 'named parameter')) {
                $type = 'TypeError';
            }
            if ($type === null) {
                throw self::error('SandboxError', sprintf("host function '%s' failed", $name));
            }

            // PHP's own TypeErrors name the calling file; that stays on the host.
            throw self::error($type, preg_replace('/,? (?:called )?in \S+ on line \d+/', '', $e->getMessage()) ?? '');
        }
    }

    private static function encodable(string $name, mixed $value, int $maxBytes): mixed
    {
        try {
            $bytes = strlen(Json::encode(['value' => $value]));
        } catch (\JsonException $e) {
            throw self::error('TypeError', sprintf(
                "host function '%s' returned a value JSON cannot carry: %s",
                $name,
                $e->getMessage(),
            ));
        }
        if ($bytes > $maxBytes) {
            throw self::error('ValueError', sprintf(
                "host function '%s' returned %d bytes, over the host-call limit of %d",
                $name,
                $bytes,
                $maxBytes,
            ));
        }

        return $value;
    }

    private static function error(string $type, string $message): RpcError
    {
        return new RpcError('host_error', $message, ['type' => $type]);
    }
}
