<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Internal;

use PHPUnit\Framework\TestCase;
use PythonSandbox\HostError;
use PythonSandbox\Internal\HostFunctions;
use PythonSandbox\Internal\RpcError;

final class HostFunctionsTest extends TestCase
{
    /** @param array<string, mixed> $params */
    private static function failure(HostFunctions $functions, array $params): RpcError
    {
        try {
            $functions->call($params);
        } catch (RpcError $e) {
            return $e;
        }
        self::fail('no error answer');
    }

    public function testPassesPositionalAndNamedArguments(): void
    {
        $functions = new HostFunctions(['greet' => fn (string $name, string $greeting = 'hello') => "$greeting $name"]);

        $answer = $functions->call(['function' => 'greet', 'args' => ['ada'], 'kwargs' => ['greeting' => 'hi']]);

        self::assertSame(['value' => 'hi ada'], $answer);
    }

    public function testObjectsArriveAsArraysAndGoBackAsObjects(): void
    {
        $functions = new HostFunctions(['keys' => fn (array $map) => ['keys' => array_keys($map)]]);

        $answer = $functions->call(['function' => 'keys', 'args' => [['a' => 1, 'b' => 2]]]);

        self::assertSame('{"value":{"keys":["a","b"]}}', json_encode($answer));
    }

    /** @return array<string, array{\Throwable, string}> */
    public static function mappings(): array
    {
        return [
            'InvalidArgumentException' => [new \InvalidArgumentException('bad'), 'ValueError'],
            'DomainException' => [new \DomainException('bad'), 'ValueError'],
            'UnexpectedValueException' => [new \UnexpectedValueException('bad'), 'ValueError'],
            'ValueError' => [new \ValueError('bad'), 'ValueError'],
            'TypeError' => [new \TypeError('bad'), 'TypeError'],
            'ArgumentCountError' => [new \ArgumentCountError('bad'), 'TypeError'],
            'OutOfBoundsException' => [new \OutOfBoundsException('bad'), 'IndexError'],
            'OutOfRangeException' => [new \OutOfRangeException('bad'), 'IndexError'],
            'RuntimeException' => [new \RuntimeException('bad'), 'RuntimeError'],
            'HostError KeyError' => [new HostError('KeyError', 'bad'), 'KeyError'],
            'HostError PermissionError' => [new HostError('PermissionError', 'bad'), 'PermissionError'],
        ];
    }

    /** @dataProvider mappings */
    public function testMapsExceptionsToPythonTypes(\Throwable $thrown, string $type): void
    {
        $functions = new HostFunctions(['f' => fn () => throw $thrown]);

        $error = self::failure($functions, ['function' => 'f']);

        self::assertSame('host_error', $error->name);
        self::assertSame(-32050, $error->getCode());
        self::assertSame(['type' => $type], $error->data);
        self::assertSame('bad', $error->getMessage());
    }

    public function testUnmappedExceptionsKeepTheirMessageOnTheHost(): void
    {
        $functions = new HostFunctions(['db' => fn () => throw new \LogicException('SELECT secret FROM users')]);

        $error = self::failure($functions, ['function' => 'db']);

        self::assertSame(['type' => 'SandboxError'], $error->data);
        self::assertSame("host function 'db' failed", $error->getMessage());
    }

    /** @return array<string, array{array<string, mixed>, string}> */
    public static function refusedArguments(): array
    {
        return [
            'wrong type' => [['args' => [1, 'x']], '/args'],
            'too few' => [['args' => [1]], '/args'],
            'unknown name' => [['args' => [1, 2], 'kwargs' => ['c' => 3]], '/kwargs'],
            'internal function' => [['function' => 'upper', 'args' => [1]], '/args'],
            'internal too few' => [['function' => 'upper'], '/args'],
        ];
    }

    /**
     * REQ-HOST-7: arguments a function does not accept are invalid_params,
     * and PHP's messages lose the host's file names.
     *
     * @dataProvider refusedArguments
     * @param array<string, mixed> $params
     */
    public function testRefusedArgumentsAreInvalidParams(array $params, string $field): void
    {
        $functions = new HostFunctions(['add' => fn (int $a, int $b) => $a + $b, 'upper' => 'strtoupper']);

        $error = self::failure($functions, $params + ['function' => 'add']);

        self::assertSame('invalid_params', $error->name);
        self::assertSame(['field' => $field], $error->data);
        self::assertStringNotContainsString('.php', $error->getMessage());
    }

    public function testTypeErrorsFromTheFunctionBodyStayTypeErrors(): void
    {
        $inner = fn (int $x) => $x;
        $functions = new HostFunctions([
            'builtin' => fn () => strlen([]),
            'nested' => fn () => $inner('x'),
            'thrown' => fn () => throw new \TypeError('upper(): Argument #1 ($a) must be of type int, string given'),
        ]);

        foreach (['builtin', 'nested', 'thrown'] as $name) {
            $error = self::failure($functions, ['function' => $name]);
            self::assertSame(['type' => 'TypeError'], $error->data, $name);
            self::assertStringNotContainsString('.php', $error->getMessage());
        }
    }

    /** @return array<string, array{array<string, mixed>, string}> */
    public static function badParams(): array
    {
        return [
            'no function' => [['args' => []], '/function'],
            'unknown function' => [['function' => 'nope'], '/function'],
            'args map' => [['function' => 'f', 'args' => ['a' => 1]], '/args'],
            'args string' => [['function' => 'f', 'args' => 'x'], '/args'],
            'kwargs list' => [['function' => 'f', 'kwargs' => [1]], '/kwargs'],
            'kwargs bad name' => [['function' => 'f', 'kwargs' => ['a-b' => 1]], '/kwargs'],
        ];
    }

    /**
     * @dataProvider badParams
     * @param array<string, mixed> $params
     */
    public function testBadParamsNameTheField(array $params, string $field): void
    {
        $error = self::failure(new HostFunctions(['f' => fn () => 1]), $params);

        self::assertSame('invalid_params', $error->name);
        self::assertSame(['field' => $field], $error->data);
    }

    public function testHostErrorPassesOtherNamesOnButRejectsNonNames(): void
    {
        $functions = new HostFunctions(['f' => fn () => throw new HostError('OSError', 'm3')]);

        self::assertSame(['type' => 'OSError'], self::failure($functions, ['function' => 'f'])->data);
        $this->expectException(\InvalidArgumentException::class);
        new HostError('Not A Name', 'no');
    }
}
