<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Exception;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\CancelledException;
use PythonSandbox\Exception\CrashException;
use PythonSandbox\Exception\ExitException;
use PythonSandbox\Exception\LimitException;
use PythonSandbox\Exception\PythonException;
use PythonSandbox\Exception\RunException;
use PythonSandbox\Exception\SandboxException;
use PythonSandbox\Exception\TimeoutException;
use PythonSandbox\Exception\ViolationException;
use PythonSandbox\Outcome;
use PythonSandbox\PythonError;
use PythonSandbox\Result;
use PythonSandbox\Usage;
use PythonSandbox\Violation;

final class RunExceptionTest extends TestCase
{
    private static function result(Outcome $outcome): Result
    {
        return new Result(
            $outcome,
            !$outcome->isFatal(),
            $outcome === Outcome::Exit ? 3 : null,
            $outcome === Outcome::Exception ? new PythonError('ZeroDivisionError', 'division by zero', '') : null,
            null,
            new Usage(),
            $outcome === Outcome::Violation ? new Violation('socket', 41, 'x86_64') : null,
            $outcome === Outcome::Crash ? 11 : null,
            '',
            '',
        );
    }

    /** @return array<string, array{Outcome, class-string<RunException>, string}> */
    public static function outcomes(): array
    {
        return [
            'exception' => [Outcome::Exception, PythonException::class, 'raised ZeroDivisionError: division by zero'],
            'exit' => [Outcome::Exit, ExitException::class, 'exited with status 3'],
            'timeout' => [Outcome::Timeout, TimeoutException::class, 'wall-time limit'],
            'cpu' => [Outcome::CpuLimit, LimitException::class, 'CPU-time limit'],
            'memory' => [Outcome::MemoryLimit, LimitException::class, 'memory limit'],
            'output' => [Outcome::OutputLimit, LimitException::class, 'output limit'],
            'violation' => [Outcome::Violation, ViolationException::class, 'socket (41, x86_64)'],
            'crash' => [Outcome::Crash, CrashException::class, 'signal 11'],
            'cancelled' => [Outcome::Cancelled, CancelledException::class, 'cancelled'],
        ];
    }

    /**
     * @dataProvider outcomes
     * @param class-string<RunException> $class
     */
    public function testEachOutcomeHasItsException(Outcome $outcome, string $class, string $message): void
    {
        $result = self::result($outcome);

        try {
            $result->orThrow();
            self::fail('no exception');
        } catch (RunException $e) {
            self::assertInstanceOf($class, $e);
            self::assertInstanceOf(SandboxException::class, $e);
            self::assertSame($result, $e->result);
            self::assertStringContainsString($message, $e->getMessage());
        }
    }

    public function testOkDoesNotThrow(): void
    {
        $result = self::result(Outcome::Ok);

        self::assertSame($result, $result->orThrow());
    }

    public function testFatalOutcomes(): void
    {
        $fatal = array_filter(Outcome::cases(), fn (Outcome $o) => $o->isFatal());

        self::assertSame(
            ['timeout', 'cpu_limit', 'memory_limit', 'output_limit', 'violation', 'crash', 'cancelled'],
            array_values(array_map(fn (Outcome $o) => $o->value, $fatal)),
        );
    }
}
