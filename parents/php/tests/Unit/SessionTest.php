<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\ChildExitedException;
use PythonSandbox\Exception\InvalidOptionException;
use PythonSandbox\Exception\LimitException;
use PythonSandbox\Exception\ProtocolException;
use PythonSandbox\Exception\RemoteException;
use PythonSandbox\Exception\SessionStateException;
use PythonSandbox\Exception\TimeoutException;
use PythonSandbox\Exception\UnsupportedException;
use PythonSandbox\Filesystem\ArrayDirectory;
use PythonSandbox\HostError;
use PythonSandbox\Options;
use PythonSandbox\Outcome;
use PythonSandbox\Result;
use PythonSandbox\Session;
use PythonSandbox\Tests\Fake;

/**
 * The session against the fake child: the normal protocol, then every
 * misbehaviour the fake can be told to show.
 */
final class SessionTest extends TestCase
{
    /** @var list<Session> */
    private array $sessions = [];

    protected function tearDown(): void
    {
        foreach ($this->sessions as $session) {
            $session->close();
        }
    }

    private function start(?Options $options = null): Session
    {
        $session = Session::start($options ?? Fake::options());
        $this->sessions[] = $session;

        return $session;
    }

    /** @param list<array<string, mixed>> $actions */
    private static function script(Session $session, array $actions, ?callable $onOutput = null): Result
    {
        return $session->execute(Fake::script($actions), $onOutput);
    }

    public function testStartsAndReportsTheChild(): void
    {
        $info = $this->start(Fake::options()->withLimits(wallTime: '7s'))->info();

        self::assertSame('1.0', $info->protocolVersion);
        self::assertSame('fake-child', $info->childName);
        self::assertSame('3.11.2', $info->pythonVersion);
        self::assertSame('cpython', $info->pythonImplementation);
        self::assertSame(7000, $info->limit('wall_ms'));
        self::assertTrue($info->capabilities['hostfs']);
    }

    public function testAcceptsTheZeroOutputAndFileLimitsTheChildEnforces(): void
    {
        $info = $this->start(Fake::options()->withLimits(output: 0, fileSize: 0))->info();

        self::assertSame([0, 0], [$info->limit('output_bytes'), $info->limit('file_bytes')]);
    }

    public function testSendsTheOptionsInInitialize(): void
    {
        $options = Fake::options()
            ->withLimits(memory: '128M')
            ->withTmpfs('/out', '1M')
            ->withFunction('f', fn () => 1)
            ->withArgv(['main.py']);

        $init = self::script($this->start($options), [['op' => 'echo_init']])->value;

        self::assertSame(['memory_bytes' => 134217728], $init['limits']);
        self::assertSame([['type' => 'tmpfs', 'target' => '/out', 'max_bytes' => 1048576]], $init['filesystem']);
        self::assertSame([['name' => 'f']], $init['host_functions']);
        self::assertSame(['main.py'], $init['argv']);
    }

    public function testChildGetsNoInheritedEnvironmentAndNoStdio(): void
    {
        putenv('PHP_PARENT_SECRET=leak');
        try {
            $session = $this->start(Fake::options()->withChildEnvironment(['ONLY' => 'this']));
            $env = self::script($session, [['op' => 'env']])->value;
            $fds = self::script($session, [['op' => 'fds']])->value;
        } finally {
            putenv('PHP_PARENT_SECRET');
        }

        self::assertSame(['ONLY' => 'this'], $env);
        self::assertSame('/dev/null', $fds[0]);
        self::assertSame('/dev/null', $fds[1]);
        self::assertStringStartsWith('pipe:', $fds[2]);
        self::assertStringStartsWith('pipe:', $fds[3]);
        self::assertStringStartsWith('pipe:', $fds[4]);
    }

    public function testCollectsOutputPerStream(): void
    {
        $result = self::script($this->start(), [
            ['op' => 'print', 'text' => "one\n"],
            ['op' => 'print', 'stream' => 'stderr', 'text' => "warn\n"],
            ['op' => 'print', 'text' => "two\n"],
        ]);

        self::assertTrue($result->isOk());
        self::assertSame("one\ntwo\n", $result->stdout);
        self::assertSame("warn\n", $result->stderr);
        self::assertSame(1, $result->usage->wallMs);
    }

    public function testStreamsOutputToTheCallbackInOrder(): void
    {
        $chunks = [];
        $result = self::script($this->start(), [
            ['op' => 'print', 'text' => 'a'],
            ['op' => 'print', 'stream' => 'stderr', 'text' => 'b'],
        ], function (string $stream, string $data) use (&$chunks): void {
            $chunks[] = [$stream, $data];
        });

        self::assertSame([['stdout', 'a'], ['stderr', 'b']], $chunks);
        self::assertSame('', $result->stdout);
    }

    public function testCallsHostFunctionsWithPhpValues(): void
    {
        $options = Fake::options()
            ->withFunction('add', fn (int $a, int $b) => $a + $b)
            ->withFunction('page', fn (string $title, string $lang = 'en') => ['title' => $title, 'lang' => $lang])
            ->withFunction('missing', fn (string $k) => throw new HostError('KeyError', "no page '$k'"))
            ->withFunction('bad', fn () => throw new \InvalidArgumentException('negative'));

        $replies = self::script($this->start($options), [
            ['op' => 'call', 'function' => 'add', 'args' => [2, 3]],
            ['op' => 'call', 'function' => 'page', 'args' => ['Main'], 'kwargs' => ['lang' => 'de']],
            ['op' => 'call', 'function' => 'missing', 'args' => ['X']],
            ['op' => 'call', 'function' => 'bad'],
            ['op' => 'call', 'function' => 'undeclared'],
            ['op' => 'call', 'function' => 'add', 'args' => [1]],
        ])->value;

        self::assertSame(['result' => ['value' => 5]], $replies[0]);
        self::assertSame(['result' => ['value' => ['title' => 'Main', 'lang' => 'de']]], $replies[1]);
        $keyError = ['code' => -32050, 'message' => "no page 'X'", 'data' => ['type' => 'KeyError']];
        self::assertSame($keyError, $replies[2]['error']);
        self::assertSame(['type' => 'ValueError'], $replies[3]['error']['data']);
        $undeclared = ['code' => -32602, 'message' => 'no such host function', 'data' => ['field' => '/function']];
        self::assertSame($undeclared, $replies[4]['error']);
        self::assertSame(['field' => '/args'], $replies[5]['error']['data']);
    }

    public function testHostCallAnswersJsonCannotCarryOrTooLargeAreErrors(): void
    {
        $options = Fake::options()
            ->withLimits(hostCallSize: '1K')
            ->withFunction('big', fn () => str_repeat('x', 2000))
            ->withFunction('binary', fn () => "\xff")
            ->withFunction('nan', fn () => NAN);

        $replies = self::script($this->start($options), [
            ['op' => 'call', 'function' => 'big'],
            ['op' => 'call', 'function' => 'binary'],
            ['op' => 'call', 'function' => 'nan'],
        ])->value;

        self::assertSame(['type' => 'ValueError'], $replies[0]['error']['data']);
        self::assertStringContainsString('over the limit of 1024', $replies[0]['error']['message']);
        self::assertSame(['type' => 'TypeError'], $replies[1]['error']['data']);
        self::assertSame(['type' => 'TypeError'], $replies[2]['error']['data']);
        self::assertStringContainsString('cannot be sent as JSON', $replies[2]['error']['message']);
    }

    public function testServesHostDirectories(): void
    {
        $options = Fake::options()->withHostDirectory('/modules', new ArrayDirectory([
            'Module_Foo.py' => "X = 42\n",
            'pkg/__init__.py' => '',
        ]));

        $replies = self::script($this->start($options), [
            ['op' => 'hostfs', 'method' => 'stat', 'target' => '/modules', 'path' => ''],
            ['op' => 'hostfs', 'method' => 'list', 'target' => '/modules', 'path' => ''],
            ['op' => 'hostfs', 'method' => 'read', 'target' => '/modules', 'path' => 'Module_Foo.py'],
            ['op' => 'hostfs', 'method' => 'stat', 'target' => '/modules', 'path' => 'Module_Foo/__init__.py'],
            ['op' => 'hostfs', 'method' => 'read', 'target' => '/modules', 'path' => '../etc/passwd'],
            ['op' => 'hostfs', 'method' => 'read', 'target' => '/elsewhere', 'path' => 'x'],
        ])->value;

        self::assertSame(['type' => 'dir', 'size' => 0, 'mode' => 0o555], $replies[0]['result']);
        self::assertSame(['entries' => [
            ['name' => 'Module_Foo.py', 'type' => 'file'],
            ['name' => 'pkg', 'type' => 'dir'],
        ]], $replies[1]['result']);
        self::assertSame(['data' => base64_encode("X = 42\n")], $replies[2]['result']);
        self::assertSame(['errno' => 'ENOENT'], $replies[3]['error']['data']);
        self::assertSame(['code' => -32602, 'field' => '/path'], [
            'code' => $replies[4]['error']['code'], 'field' => $replies[4]['error']['data']['field'],
        ]);
        self::assertSame(['code' => -32051, 'errno' => 'ENOENT'], [
            'code' => $replies[5]['error']['code'], 'errno' => $replies[5]['error']['data']['errno'],
        ]);
    }

    public function testHostDirectoryFailuresKeepTheirDetailsOnTheHost(): void
    {
        $broken = new class implements \PythonSandbox\Filesystem\HostDirectory {
            public function stat(string $path): \PythonSandbox\Filesystem\Stat
            {
                throw new \RuntimeException('SQLSTATE[HY000] password=hunter2');
            }

            public function read(string $path): string
            {
                return str_repeat('x', 2048);
            }

            public function list(string $path): array
            {
                return ['a/b' => 'file'];
            }
        };
        $options = Fake::options()->withLimits(fileSize: '1K')->withHostDirectory('/m', $broken);

        $replies = self::script($this->start($options), [
            ['op' => 'hostfs', 'method' => 'stat', 'target' => '/m', 'path' => 'x'],
            ['op' => 'hostfs', 'method' => 'read', 'target' => '/m', 'path' => 'x'],
            ['op' => 'hostfs', 'method' => 'list', 'target' => '/m', 'path' => ''],
        ])->value;

        self::assertSame(-32603, $replies[0]['error']['code']);
        self::assertStringNotContainsString('hunter2', $replies[0]['error']['message']);
        self::assertSame(['errno' => 'EACCES'], $replies[1]['error']['data']);
        $tooBig = "'x' is 2048 bytes, over the file limit of 1024";
        self::assertStringContainsString($tooBig, $replies[1]['error']['message']);
        self::assertSame(-32603, $replies[2]['error']['code']);
    }

    public function testAnswersUnknownChildMethodsWithMethodNotFound(): void
    {
        $reply = self::script($this->start(), [['op' => 'request', 'method' => 'no/such']])->value[0];

        self::assertSame(-32601, $reply['error']['code']);
    }

    public function testHostCallOutsideTheCurrentRunIsRefused(): void
    {
        $options = Fake::options()->withFunction('f', fn () => 1);

        $reply = self::script($this->start($options), [
            ['op' => 'request', 'method' => 'host/call', 'params' => ['run' => 999, 'function' => 'f']],
        ])->value[0];

        $refused = ['code' => -32602, 'message' => 'host/call outside the current run', 'data' => ['field' => '/run']];
        self::assertSame($refused, $reply['error']);
    }

    public function testInvokePassesArgumentsAndStdin(): void
    {
        $result = $this->start()->invoke('fake.echo', [1, 'two'], ['three' => 3.5], stdin: "input\n");

        self::assertSame(['args' => [1, 'two'], 'kwargs' => ['three' => 3.5], 'stdin' => "input\n"], $result->value);
    }

    public function testInvokeRejectsBadCallablesAndArgs(): void
    {
        $session = $this->start();

        foreach (['nodots', '1a.b', 'a.', 'a..b'] as $callable) {
            try {
                $session->invoke($callable);
                self::fail("accepted '$callable'");
            } catch (InvalidOptionException $e) {
                self::assertStringContainsString('invalid callable', $e->getMessage());
            }
        }
        $this->expectExceptionMessage('invalid args');
        $session->invoke('a.b', ['x' => 1]);
    }

    public function testExceptionOutcomeKeepsTheSession(): void
    {
        $session = $this->start();

        $result = $session->execute('not a script');

        self::assertSame(Outcome::Exception, $result->outcome);
        self::assertSame('SyntaxError', $result->exception?->type);
        self::assertTrue($session->isUsable());
        self::assertTrue(self::script($session, [])->isOk());
    }

    public function testFatalOutcomeEndsTheSession(): void
    {
        $session = $this->start();

        $result = self::script($session, [['op' => 'result', 'result' => [
            'outcome' => 'violation', 'session_usable' => false,
            'violation' => ['syscall' => 'socket', 'number' => 41, 'arch' => 'x86_64'],
        ]]]);

        self::assertSame(Outcome::Violation, $result->outcome);
        self::assertSame('socket', $result->violation?->syscall);
        self::assertFalse($session->isUsable());
        $this->expectException(SessionStateException::class);
        $this->expectExceptionMessage('cannot execute: the session has ended after a fatal outcome');
        $session->execute('[]');
    }

    public function testCancelFromAHostFunction(): void
    {
        $session = null;
        $options = Fake::options()->withFunction('stop', function () use (&$session): string {
            self::assertTrue($session->cancel());
            return 'cancelling';
        });
        $session = $this->start($options);

        $result = self::script($session, [
            ['op' => 'call', 'function' => 'stop'],
            ['op' => 'print', 'text' => 'never'],
        ]);

        self::assertSame(Outcome::Cancelled, $result->outcome);
        self::assertSame('', $result->stdout);
        self::assertFalse($session->isUsable());
        self::assertFalse($session->cancel());
    }

    public function testCallbacksCannotStartAnotherRun(): void
    {
        $session = null;
        $options = Fake::options()->withFunction('nested', function () use (&$session): void {
            $session->execute('[]');
        });
        $session = $this->start($options);

        $reply = self::script($session, [['op' => 'call', 'function' => 'nested']])->value[0];

        self::assertSame(['type' => 'SandboxError'], $reply['error']['data']);
        self::assertTrue($session->isUsable());
    }

    public function testOutputCallbackExceptionEndsTheSessionAndPropagates(): void
    {
        $session = $this->start();
        $pid = $this->pidOf($session);

        try {
            self::script($session, [['op' => 'print', 'text' => 'x']], fn () => throw new \DomainException('mine'));
            self::fail('no exception');
        } catch (\DomainException $e) {
            self::assertSame('mine', $e->getMessage());
        }

        self::assertFalse($session->isUsable());
        self::assertTrue(Fake::isGone($pid));
    }

    public function testReadsTmpfsBackInFrameSizedChunks(): void
    {
        $session = $this->start(Fake::options('small-frame'));
        $big = random_bytes(30000);
        self::script($session, [
            ['op' => 'write_tmpfs', 'path' => '/out/a.txt', 'text' => 'x,y'],
            ['op' => 'write_tmpfs', 'path' => '/out/big.bin', 'text' => base64_encode($big)],
        ]);

        $entries = $session->listTmpfs('/out')->entries;

        self::assertCount(2, $entries);
        self::assertSame('/out/a.txt', $entries[0]->path);
        self::assertSame(3, $entries[0]->size);
        self::assertSame('x,y', $session->readTmpfs('/out/a.txt'));
        self::assertSame(base64_encode($big), $session->readTmpfs('/out/big.bin'));
    }

    public function testReadTmpfsRefusesFilesOverTheCallersMaximum(): void
    {
        $session = $this->start();
        self::script($session, [['op' => 'write_tmpfs', 'path' => '/out/a', 'text' => str_repeat('x', 100)]]);

        $this->expectException(LimitException::class);
        $this->expectExceptionMessage("'/out/a' is 100 bytes, over the 10 allowed");
        $session->readTmpfs('/out/a', 10);
    }

    public function testChildErrorsBecomeRemoteExceptions(): void
    {
        $session = $this->start();

        try {
            $session->readTmpfs('/out/none');
            self::fail('no exception');
        } catch (RemoteException $e) {
            self::assertSame('not_found', $e->errorName);
            self::assertSame(-32008, $e->errorCode);
            self::assertSame('tmpfs/read', $e->method);
        }
        self::assertTrue($session->isUsable());
    }

    public function testSurvivesGarbageAndAnswersParseError(): void
    {
        $session = $this->start(Fake::options('garbage-init'));

        $errors = self::script($session, [
            ['op' => 'raw', 'text' => '{"jsonrpc":"1.0"}'],
            ['op' => 'raw', 'text' => '[1,2]'],
            ['op' => 'peer_errors'],
        ])->value;

        self::assertSame([-32700, -32600, -32600], array_column($errors, 'code'));
    }

    public function testSurvivesOversizedFramesAndAnswersFrameTooLarge(): void
    {
        $session = $this->start(Fake::options('oversized-init')->withLimits(frameSize: '64K'));

        $errors = self::script($session, [
            ['op' => 'big', 'bytes' => 70000],
            ['op' => 'print', 'text' => 'still here'],
            ['op' => 'peer_errors'],
        ]);

        self::assertSame('still here', $errors->stdout);
        self::assertSame([-32004, -32004], array_column($errors->value, 'code'));
    }

    public function testAChildThatSendsButNeverReadsIsBroken(): void
    {
        $session = $this->start(Fake::options()->withLimits(frameSize: '64K'));

        $this->expectException(ProtocolException::class);
        $this->expectExceptionMessage('child does not read its input');
        self::script($session, [['op' => 'flood', 'lines' => 1000]]);
    }

    public function testBackstopKillsASilentChild(): void
    {
        $session = $this->start(Fake::options()->withLimits(wallTime: '200ms')->withTimeouts(grace: '300ms'));
        $pid = $this->pidOf($session);
        $began = hrtime(true);

        try {
            self::script($session, [['op' => 'raw', 'text' => 'junk'], ['op' => 'silence']]);
            self::fail('no timeout');
        } catch (TimeoutException $e) {
            self::assertTrue($e->isBackstop());
            $expected = "child did not answer 'execute' within 500 ms; stopped it";
            self::assertStringContainsString($expected, $e->getMessage());
            self::assertStringContainsString('parse_error', $e->getMessage());
        }

        self::assertLessThan(5e9, hrtime(true) - $began);
        self::assertTrue(Fake::isGone($pid));
        self::assertFalse($session->isUsable());
    }

    public function testChildDyingMidRunIsReportedWithItsStatusAndStderr(): void
    {
        $session = $this->start();
        $pid = $this->pidOf($session);

        try {
            self::script($session, [['op' => 'print', 'text' => 'x'], ['op' => 'die', 'status' => 7]]);
            self::fail('no exception');
        } catch (ChildExitedException $e) {
            self::assertSame(7, $e->exitCode);
            self::assertStringContainsString('fake child dying with status 7', $e->stderr);
            $expected = "child closed the protocol before answering 'execute' (exit status 7)";
            self::assertStringContainsString($expected, $e->getMessage());
        }

        self::assertTrue(Fake::isGone($pid));
        $this->expectException(SessionStateException::class);
        $session->execute('[]');
    }

    public function testOutputForAnotherRunIsIgnored(): void
    {
        $result = self::script($this->start(), [
            ['op' => 'notify', 'method' => 'output', 'params' => ['run' => 99, 'stream' => 'stdout', 'data' => 'eA==']],
            ['op' => 'print', 'text' => 'mine'],
        ]);

        self::assertSame('mine', $result->stdout);
    }

    /** @return array<string, array{array<string, mixed>}> */
    public static function badOutput(): array
    {
        return [
            'no data' => [['stream' => 'stdout']],
            'unpadded' => [['stream' => 'stdout', 'data' => 'eA']],
            'whitespace' => [['stream' => 'stdout', 'data' => 'eA= =']],
            'unknown stream' => [['stream' => 'stdlog', 'data' => 'eA==']],
        ];
    }

    /**
     * @dataProvider badOutput
     * @param array<string, mixed> $params
     */
    public function testMalformedOutputOfTheRunIsAProtocolError(array $params): void
    {
        $session = $this->start();
        $params['run'] = 2;

        $this->expectException(ProtocolException::class);
        self::script($session, [['op' => 'notify', 'method' => 'output', 'params' => $params]]);
    }

    public function testMalformedResponseToTheRunFailsIt(): void
    {
        $session = $this->start();

        $this->expectException(ProtocolException::class);
        $this->expectExceptionMessage('malformed response to request 2');
        self::script($session, [['op' => 'bad_response']]);
    }

    public function testNeverAnswersResponsesAndRefusesArrayParams(): void
    {
        $errors = self::script($this->start(), [
            ['op' => 'raw', 'text' => '{"jsonrpc":"2.0","id":999,"result":{}}'],
            ['op' => 'raw', 'text' => '{"jsonrpc":"2.0","id":998}'],
            ['op' => 'raw', 'text' => '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}'],
            ['op' => 'raw', 'text' => '{"jsonrpc":"2.0","method":"output"}'],
            ['op' => 'raw', 'text' => '{"jsonrpc":"2.0","id":"r1","method":"host/call","params":[1,2]}'],
            ['op' => 'peer_errors'],
        ])->value;

        $arrayParams = ['code' => -32602, 'message' => 'params must be an object', 'data' => ['field' => '']];
        self::assertSame([$arrayParams], $errors);
    }

    public function testUnsupportedCapabilitiesAreNotUsed(): void
    {
        $session = $this->start(Fake::options('no-caps'));

        $uses = ['invoke' => fn () => $session->invoke('m.f'), 'tmpfs' => fn () => $session->listTmpfs('/out')];
        foreach ($uses as $cap => $use) {
            try {
                $use();
                self::fail("used '$cap'");
            } catch (UnsupportedException $e) {
                self::assertSame("the child does not support '$cap'", $e->getMessage());
            }
        }
        self::assertTrue($session->isUsable());

        $this->expectExceptionMessage("the child does not support 'hostfs', which host directories need");
        Session::start(Fake::options('no-caps')->withHostDirectory('/m', new ArrayDirectory([])));
    }

    public function testNoInheritedDescriptorReachesTheChild(): void
    {
        $script = __DIR__ . '/../fixtures/print-child-fds.php';
        $proc = proc_open([PHP_BINARY, $script], [1 => ['pipe', 'w'], 12 => ['pipe', 'w']], $pipes);
        $fds = json_decode((string) stream_get_contents($pipes[1]), true);
        proc_close($proc);

        // 5 to 7 are the fake child's own (its script, php://fd/3 and 4).
        self::assertIsArray($fds);
        self::assertSame('/dev/null', $fds[12]);
        foreach ($fds as $fd => $target) {
            if ($fd > 7 || $fd < 2) {
                self::assertSame('/dev/null', $target, "fd $fd");
            }
        }
    }

    public function testOutputOverTheLimitIsAProtocolError(): void
    {
        $session = $this->start(Fake::options()->withLimits(output: 4));

        $this->expectException(ProtocolException::class);
        $this->expectExceptionMessage('more output than the limit of 4 bytes');
        self::script($session, [['op' => 'print', 'text' => 'abc'], ['op' => 'print', 'text' => 'de']]);
    }

    public function testMalformedResultIsAProtocolErrorAndKillsTheChild(): void
    {
        $session = $this->start();
        $pid = $this->pidOf($session);

        try {
            self::script($session, [['op' => 'result', 'result' => ['outcome' => 'exploded']]]);
            self::fail('no exception');
        } catch (ProtocolException $e) {
            self::assertStringContainsString('outcome is not valid', $e->getMessage());
        }
        self::assertTrue(Fake::isGone($pid));
    }

    public function testFatalOutcomeClaimingAUsableSessionIsRefused(): void
    {
        $this->expectException(ProtocolException::class);

        $lie = ['outcome' => 'crash', 'session_usable' => true];
        self::script($this->start(), [['op' => 'result', 'result' => $lie]]);
    }

    public function testStartFailures(): void
    {
        $cases = [
            'die-init' => [ChildExitedException::class, "before answering 'initialize' (exit status 3)"],
            'silent-init' => [TimeoutException::class, "child did not answer 'initialize' within 300 ms"],
            'bad-version' => [ProtocolException::class, 'child speaks protocol "2.0", not 1.x'],
            'setup-failed' => [RemoteException::class, 'initialize failed: seccomp failed (setup_failed)'],
        ];
        foreach ($cases as $mode => [$class, $message]) {
            try {
                Session::start(Fake::options($mode)->withTimeouts(start: '300ms'));
                self::fail("$mode: no exception");
            } catch (\Throwable $e) {
                self::assertInstanceOf($class, $e, $mode . ': ' . $e->getMessage());
                self::assertStringContainsString($message, $e->getMessage());
            }
        }
    }

    public function testRefusesToSendAFrameOverTheLimit(): void
    {
        $session = $this->start(Fake::options('small-frame'));

        try {
            $session->execute(str_repeat('x', 70000));
            self::fail('no exception');
        } catch (InvalidOptionException $e) {
            self::assertStringContainsString('over the frame limit of 65536', $e->getMessage());
        }
        self::assertTrue($session->isUsable());
        self::assertTrue(self::script($session, [])->isOk());
    }

    public function testInlineFilesOverTheInitialFrameAreRefusedBeforeStart(): void
    {
        $this->expectException(InvalidOptionException::class);
        $this->expectExceptionMessage('over the frame limit of 1048576');

        Session::start(Fake::options()->withFile('/big', str_repeat('x', 1048576)));
    }

    public function testArgumentsJsonCannotCarryAreRefusedAndTheSessionGoesOn(): void
    {
        $session = $this->start();
        $deep = [];
        for ($i = 0; $i < 70; $i++) {
            $deep = [$deep];
        }

        foreach ([["\xff"], [NAN], [$deep]] as $args) {
            try {
                $session->invoke('fake.echo', $args);
                self::fail('accepted ' . var_export($args, true));
            } catch (InvalidOptionException $e) {
                $expected = 'invalid invoke: the message cannot be sent as JSON';
                self::assertStringContainsString($expected, $e->getMessage());
            }
        }
        self::assertTrue($session->isUsable());
        self::assertSame([1], $session->invoke('fake.echo', [1])->value['args']);
    }

    public function testRejectsInvalidUtf8Code(): void
    {
        $this->expectExceptionMessage('invalid code: not valid UTF-8');

        $this->start()->execute("print('\xff')");
    }

    public function testCloseShutsDownAndIsIdempotent(): void
    {
        $session = Session::start(Fake::options());
        $pid = $this->pidOf($session);

        $session->close();
        $session->close();

        self::assertTrue(Fake::isGone($pid));
        self::assertFalse($session->isUsable());
        $this->expectException(SessionStateException::class);
        $session->listTmpfs('/out');
    }

    public function testDestructorKillsAndReapsTheChild(): void
    {
        $session = Session::start(Fake::options());
        $pid = $this->pidOf($session);
        self::assertFalse(Fake::isGone($pid));

        unset($session);

        self::assertTrue(Fake::isGone($pid));
    }

    private function pidOf(Session $session): int
    {
        $pid = $session->pid();
        self::assertIsInt($pid);

        return $pid;
    }
}
