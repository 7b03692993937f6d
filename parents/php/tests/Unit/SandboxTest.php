<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\ExitException;
use PythonSandbox\Exception\PythonException;
use PythonSandbox\Outcome;
use PythonSandbox\Sandbox;
use PythonSandbox\Tests\Fake;

final class SandboxTest extends TestCase
{
    public function testRunReturnsEveryOutcome(): void
    {
        $sandbox = new Sandbox(Fake::options());

        $ok = $sandbox->run(Fake::script([['op' => 'print', 'text' => 'hi']]));
        $failed = $sandbox->run('not a script');

        self::assertSame('hi', $ok->stdout);
        self::assertSame(Outcome::Exception, $failed->outcome);
    }

    public function testMustRunThrowsOnAnyOtherOutcome(): void
    {
        $sandbox = new Sandbox(Fake::options());

        self::assertTrue($sandbox->mustRun('[]')->isOk());
        try {
            $sandbox->mustRun('not a script');
            self::fail('no exception');
        } catch (PythonException $e) {
            self::assertSame('SyntaxError', $e->result?->exception?->type);
        }
        $this->expectException(ExitException::class);
        $sandbox->mustRun(Fake::script([['op' => 'result', 'result' => ['outcome' => 'exit', 'exit_status' => 0]]]));
    }

    public function testRunClosesItsSession(): void
    {
        $sandbox = new Sandbox(Fake::options());
        $session = $sandbox->start();
        $pid = $session->pid();
        $session->close();

        self::assertNotNull($pid);
        self::assertTrue(Fake::isGone($pid));
        self::assertNull($session->pid());
    }

    public function testRunPassesStdinAndStreamsOutput(): void
    {
        $seen = '';
        $sandbox = new Sandbox(Fake::options());

        $sandbox->run(Fake::script([['op' => 'print', 'text' => 'streamed']]), function ($stream, $data) use (&$seen) {
            $seen .= "$stream:$data";
        });

        self::assertSame('stdout:streamed', $seen);
    }
}
