<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

use PythonSandbox\HostError;

/**
 * Answers `host/call`: validates the request, calls the PHP callable with
 * positional and named arguments, and turns a thrown exception into a
 * `host_error` of the mapped Python type. (Whether the value can be sent,
 * as JSON and within host_call_bytes, Connection checks on the frame.) Exceptions that map to no Python
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
    public function call(array $params): array
    {
        $name = $params['function'] ?? null;
        $args = $params['args'] ?? [];
        $kwargs = $params['kwargs'] ?? [];
        $function = is_string($name) ? ($this->functions[$name] ?? null) : null;
        if ($function === null) {
            throw self::invalid('/function', 'no such host function');
        }
        if (!is_array($args) || !array_is_list($args)) {
            throw self::invalid('/args', 'args is not an array');
        }
        if (!is_array($kwargs) || ($kwargs !== [] && array_is_list($kwargs))) {
            throw self::invalid('/kwargs', 'kwargs is not an object');
        }
        foreach (array_keys($kwargs) as $key) {
            if (!is_string($key) || !preg_match('/^[A-Za-z_][A-Za-z0-9_]*$/', $key)) {
                throw self::invalid('/kwargs', sprintf("'%s' is not an identifier", $key));
            }
        }

        return ['value' => $this->invoke($name, $function, $args, $kwargs)];
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
            if (self::isBindingError($e, $function)) {
                throw self::invalid(array_key_last($kwargs) === null ? '/args' : '/kwargs', sprintf(
                    "host function '%s' does not accept these arguments: %s",
                    $name,
                    self::withoutPaths($e->getMessage()),
                ));
            }
            $type = self::pythonType($e);
            if ($type === null) {
                throw self::error('SandboxError', sprintf("host function '%s' failed", $name));
            }

            throw self::error($type, self::withoutPaths($e->getMessage()));
        }
    }

    private static function error(string $type, string $message): RpcError
    {
        return new RpcError('host_error', $message, ['type' => $type]);
    }

    private static function invalid(string $field, string $message): RpcError
    {
        return new RpcError('invalid_params', $message, ['field' => $field]);
    }

    /**
     * Whether PHP refused the arguments while calling the function (too
     * few, an unknown name, a parameter type): the spec's invalid_params
     * (REQ-HOST-7). Errors raised inside the function's body are not.
     */
    private static function isBindingError(\Throwable $e, callable $function): bool
    {
        $message = $e->getMessage();
        if (!$e instanceof \TypeError) {
            return $e instanceof \Error && str_starts_with($message, 'Unknown named parameter')
                && ($e->getTrace()[0]['file'] ?? null) === __FILE__;
        }

        // The message must be about the called function itself, not about
        // something its body called with bad arguments.
        $reflection = new \ReflectionFunction(\Closure::fromCallable($function));
        if ($reflection->isUserDefined() && ($e->getTrace()[0]['file'] ?? null) !== __FILE__) {
            return false;
        }
        $about = '(?:\S+::)?' . preg_quote($reflection->getName(), '/') . '\(\)';

        return preg_match('/^' . $about . ': Argument #\d+ .* must be of type /', $message) === 1
            || preg_match('/^' . $about . ' expects /', $message) === 1
            || preg_match('/^Too few arguments to function ' . $about . '/', $message) === 1;
    }

    /** PHP's own messages name host files and lines; those stay on the host. */
    private static function withoutPaths(string $message): string
    {
        return preg_replace('/,? (?:called )?in \S+ on line \d+/', '', $message) ?? '';
    }
}
