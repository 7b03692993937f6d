<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Internal;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\ProtocolException;
use PythonSandbox\Internal\Decode;
use PythonSandbox\Outcome;

final class DecodeTest extends TestCase
{
    /** @return array<string, mixed> */
    private static function base(array $fields = []): array
    {
        return $fields + [
            'outcome' => 'ok', 'session_usable' => true, 'exit_status' => null, 'exception' => null,
            'usage' => [
                'wall_ms' => 3, 'cpu_ms' => 2, 'peak_memory_bytes' => 14680064, 'forwarded_calls' => 12,
                'host_calls' => 1, 'stdout_bytes' => 2, 'stderr_bytes' => 0,
            ],
            'violation' => null, 'signal' => null, 'unknown_field' => 'ignored',
        ];
    }

    public function testDecodesAFullResult(): void
    {
        $result = Decode::result(self::base(['value' => ['a' => 1]]), "2\n", '');

        self::assertSame(Outcome::Ok, $result->outcome);
        self::assertSame(['a' => 1], $result->value);
        self::assertSame(14680064, $result->usage->peakMemoryBytes);
        self::assertSame(12, $result->usage->forwardedCalls);
        self::assertSame("2\n", $result->stdout);
    }

    public function testDecodesExceptionViolationAndSignal(): void
    {
        $exception = Decode::result(self::base(['outcome' => 'exception', 'exception' => [
            'type' => 'KeyError', 'message' => "'x'", 'traceback' => 'Traceback',
        ]]), '', '');
        $violation = Decode::result(self::base([
            'outcome' => 'violation', 'session_usable' => false,
            'violation' => ['syscall' => 'socket', 'number' => 41, 'arch' => 'x86_64'],
        ]), '', '');
        $crash = Decode::result(self::base(['outcome' => 'crash', 'session_usable' => false, 'signal' => 11]), '', '');

        self::assertSame('KeyError', $exception->exception?->type);
        self::assertSame('Traceback', $exception->exception?->traceback);
        self::assertSame(41, $violation->violation?->number);
        self::assertSame(11, $crash->signal);
    }

    public function testValueOnlyForOk(): void
    {
        $exit = self::base(['outcome' => 'exit', 'exit_status' => 3, 'value' => 1]);
        self::assertNull(Decode::result($exit, '', '')->value);
    }

    /** @return array<string, array{array<string, mixed>}> */
    public static function malformed(): array
    {
        return [
            'no outcome' => [['outcome' => null]],
            'unknown outcome' => [['outcome' => 'exploded']],
            'usable not bool' => [['session_usable' => 1]],
            'fatal but usable' => [['outcome' => 'timeout']],
            'exit status string' => [['exit_status' => '3']],
            'exception without type' => [['exception' => ['message' => 'x']]],
            'usage not object' => [['usage' => 5]],
            'usage negative' => [['usage' => ['wall_ms' => -1]]],
            'usage float' => [['usage' => ['cpu_ms' => 1.5]]],
            'violation without number' => [['violation' => ['syscall' => 'socket']]],
        ];
    }

    /**
     * @dataProvider malformed
     * @param array<string, mixed> $fields
     */
    public function testRefusesMalformedResults(array $fields): void
    {
        $this->expectException(ProtocolException::class);

        Decode::result(self::base($fields), '', '');
    }

    public function testBase64IsStrict(): void
    {
        self::assertSame('hi', Decode::base64('aGk=', 'x'));
        $this->expectException(ProtocolException::class);
        Decode::base64('a!b', 'x');
    }

    public function testTmpfsEntries(): void
    {
        $listing = Decode::tmpfsListing(['entries' => [
            ['path' => '/out/a', 'type' => 'file', 'size' => 3, 'mode' => 420],
            ['path' => '/out/d', 'type' => 'dir', 'size' => 0, 'mode' => 493],
        ], 'truncated' => false]);

        self::assertSame('dir', $listing->entries[1]->type);
        self::assertCount(2, $listing);
        self::assertFalse($listing->truncated);
        $fifo = ['path' => '/out/a', 'type' => 'fifo', 'size' => 0, 'mode' => 0];
        foreach ([['entries' => [$fifo], 'truncated' => false], ['entries' => []]] as $bad) {
            try {
                Decode::tmpfsListing($bad);
                self::fail('accepted ' . json_encode($bad));
            } catch (ProtocolException) {
                self::addToAssertionCount(1);
            }
        }
    }
}
