<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Internal;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Internal\Process;

final class ProcessTest extends TestCase
{
    private const CHILD = __DIR__ . '/../../fixtures/echo-child.php';

    /** Pumps until WANT has arrived on fd 4 (or EOF); at most 5 s. */
    private static function readUntil(Process $process, string $want): string
    {
        $got = '';
        $deadline = hrtime(true) + 5e9;
        while (!str_contains($got, $want) && hrtime(true) < $deadline) {
            $bytes = $process->pump(100000);
            if ($bytes === null) {
                break;
            }
            $got .= $bytes;
        }

        return $got;
    }

    public function testTalksOverFds3And4AndKeepsABoundedStderrTail(): void
    {
        $process = Process::spawn(self::CHILD, []);

        $process->write("hello\n");
        self::assertSame("hello\n", self::readUntil($process, "\n"));
        $process->closeInput();
        self::assertSame('', self::readUntil($process, 'never'));
        $process->waitOrKill(2000);

        self::assertSame(0, $process->exitCode());
        self::assertSame(Process::STDERR_KEEP, strlen($process->stderr()));
        self::assertStringEndsWith("last line\n", $process->stderr());
        self::assertNull($process->pid());
    }

    public function testWaitOrKillKillsAChildThatOutstaysTheGrace(): void
    {
        $process = Process::spawn(self::CHILD, []);
        $process->write("linger\n");
        self::readUntil($process, "linger\n");
        $pid = $process->pid();
        $process->closeInput();

        $began = hrtime(true);
        $process->waitOrKill(200);

        self::assertLessThan(3e9, hrtime(true) - $began);
        self::assertSame(128 + 9, $process->exitCode());
        self::assertFileDoesNotExist('/proc/' . $pid);
    }

    public function testKillIsIdempotentAndPendingWritesAreDroppedAfterward(): void
    {
        $process = Process::spawn(self::CHILD, []);

        $process->kill();
        $process->kill();
        $process->write('ignored');

        self::assertFalse($process->hasPendingWrites());
        self::assertTrue($process->hasExited());
        self::assertNull($process->pump(1000));
    }

    public function testAProgramThatCannotBeExecutedEndsAt127(): void
    {
        // ChildLocator refuses paths that are not executable first; exec
        // failing anyway shows up as end of file and status 127, never as
        // a hang. This file is not executable, and is trusted.
        $process = Process::spawn(__FILE__, []);

        self::assertSame('', self::readUntil($process, 'never'));
        $process->waitOrKill(2000);
        self::assertSame(127, $process->exitCode());
    }
}
