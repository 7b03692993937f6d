<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Integration;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\PythonException;
use PythonSandbox\Exception\RemoteException;
use PythonSandbox\Filesystem\ArrayDirectory;
use PythonSandbox\Filesystem\HostDirectory;
use PythonSandbox\Filesystem\Stat;
use PythonSandbox\HostError;
use PythonSandbox\Options;
use PythonSandbox\Outcome;
use PythonSandbox\Sandbox;
use PythonSandbox\Session;

/**
 * The package against the real child: PYSANDBOX_CHILD, else
 * build/sandbox of this tree. php.mk runs this group after the child is
 * built; a missing child fails here rather than being skipped.
 *
 * @group integration
 */
final class RealChildTest extends TestCase
{
    /** @var list<Session> */
    private array $sessions = [];

    protected function tearDown(): void
    {
        foreach ($this->sessions as $session) {
            $session->close();
        }
    }

    private static function child(): string
    {
        $fromEnv = getenv('PYSANDBOX_CHILD');
        $child = is_string($fromEnv) && $fromEnv !== '' ? $fromEnv : dirname(__DIR__, 4) . '/build/sandbox';
        self::assertFileIsReadable($child, 'the real child is not built; run make first or set PYSANDBOX_CHILD');

        return $child;
    }

    private static function options(): Options
    {
        return (new Options())->withChildPath(self::child())->withLimits(memory: '256M', wallTime: '5s');
    }

    private function start(Options $options): Session
    {
        $session = (new Sandbox($options))->start();
        $this->sessions[] = $session;

        return $session;
    }

    public function testReportsTheIsolationInForce(): void
    {
        $info = $this->start(self::options())->info();

        self::assertSame('1.0', $info->protocolVersion);
        self::assertSame('python-sandbox', $info->childName);
        self::assertTrue($info->isolation['seccomp']);
        self::assertSame(268435456, $info->limit('memory_bytes'));
    }

    public function testRunsCodeAndCollectsOrStreamsOutput(): void
    {
        $session = $this->start(self::options());
        $chunks = [];

        $collected = $session->execute("import sys\nprint('out')\nprint('err', file=sys.stderr)");
        $session->execute("print('streamed')", function (string $stream, string $data) use (&$chunks): void {
            $chunks[] = [$stream, $data];
        });

        self::assertTrue($collected->isOk());
        self::assertSame("out\n", $collected->stdout);
        self::assertSame("err\n", $collected->stderr);
        self::assertSame([['stdout', "streamed\n"]], $chunks);
    }

    public function testStateLastsAcrossRunsAndInvokeReturnsValues(): void
    {
        $session = $this->start(self::options());

        $session->execute("def area(w, h):\n    return {'area': w * h}");
        $result = $session->invoke('__main__.area', [3], ['h' => 4]);

        self::assertSame(['area' => 12], $result->value);
    }

    public function testHostFunctionsAndTheirExceptions(): void
    {
        $pages = ['Main' => 'Welcome'];
        $options = self::options()
            ->withFunction('page', fn (string $title) => $pages[$title] ?? throw new HostError('KeyError', $title))
            ->withFunction('check', fn (int $n) => $n >= 0 ? $n : throw new \InvalidArgumentException('negative'));
        $code = <<<'PY'
            import sandbox
            print(sandbox.call('page', 'Main'))
            for call in (lambda: sandbox.call('page', 'Nope'), lambda: sandbox.call('check', -1),
                         lambda: sandbox.call('check')):
                try:
                    call()
                except Exception as e:
                    print(type(e).__name__)
            PY;

        $result = $this->start($options)->execute($code);

        self::assertSame("Welcome\nKeyError\nValueError\nSandboxError\n", $result->stdout, $result->stderr);
        self::assertSame(4, $result->usage->hostCalls);
    }

    public function testExceptionExitAndStdin(): void
    {
        $session = $this->start(self::options());

        $exception = $session->execute('1/0');
        $exit = $session->execute('raise SystemExit(3)');
        $stdin = $session->execute("import sys\nprint(sys.stdin.read().upper())", stdin: 'abc');

        self::assertSame('ZeroDivisionError', $exception->exception?->type);
        self::assertStringContainsString('ZeroDivisionError', $exception->exception->traceback);
        self::assertSame(3, $exit->exitStatus);
        self::assertSame("ABC\n", $stdin->stdout);
        self::assertTrue($session->isUsable());
    }

    public function testFilesystemEntriesEnvArgvAndTmpfsReadBack(): void
    {
        $options = self::options()
            ->withFile('/data/main.py', "import os, sys\nprint(os.environ['WHO'], sys.argv[1:], os.getcwd())\n")
            ->withTmpfs('/out', '1M')
            ->withEnv(['WHO' => 'php'])
            ->withArgv(['main.py', 'x'])
            ->withCwd('/out');
        $session = $this->start($options);

        $fromFile = $session->executeFile('/data/main.py');
        $session->execute("open('/out/plot.csv', 'w').write('x,y\\n1,2\\n')");
        $listing = $session->listTmpfs('/out');

        self::assertSame("php ['x'] /out\n", $fromFile->stdout, $fromFile->stderr);
        self::assertSame(['/out/plot.csv'], array_map(fn ($e) => $e->path, $listing->entries));
        self::assertSame("x,y\n1,2\n", $session->readTmpfs('/out/plot.csv'));
        $this->expectException(RemoteException::class);
        $session->readTmpfs('/out/none.csv');
    }

    public function testHostDirectoriesServeImportsAndFiles(): void
    {
        $failing = new class implements HostDirectory {
            public function stat(string $path): Stat
            {
                throw new \RuntimeException('database is down: password=hunter2');
            }

            public function read(string $path): string
            {
                throw new \RuntimeException('unreachable');
            }

            public function list(string $path): array
            {
                throw new \RuntimeException('unreachable');
            }
        };
        $options = self::options()
            ->withHostDirectory('/modules', new ArrayDirectory([
                'Module_Foo.py' => "X = 42\n",
                'pkg/__init__.py' => "from .sub import Y\n",
                'pkg/sub.py' => "Y = 'y'\n",
            ]))
            ->withHostDirectory('/broken', $failing);
        $code = <<<'PY'
            import os, sys
            sys.path.insert(0, '/modules')
            import Module_Foo, pkg
            print(Module_Foo.X, pkg.Y, sorted(os.listdir('/modules')))
            for path in ('/modules/missing.py', '/broken/x'):
                try:
                    open(path)
                except OSError as e:
                    print(type(e).__name__, e.errno)
            PY;

        $result = $this->start($options)->execute($code);

        $expected = "42 y ['Module_Foo.py', 'pkg']\nFileNotFoundError 2\nOSError 5\n";
        self::assertSame($expected, $result->stdout, $result->stderr);
    }

    public function testLimitsEndTheSession(): void
    {
        $timeout = $this->start(self::options()->withLimits(wallTime: '500ms'));
        $memory = $this->start(self::options()->withLimits(memory: '128M'));

        $timedOut = $timeout->execute('while True: pass');
        $outOfMemory = $memory->execute('x = bytearray(512 * 1024 * 1024)');

        self::assertSame(Outcome::Timeout, $timedOut->outcome);
        self::assertFalse($timeout->isUsable());
        self::assertSame(Outcome::MemoryLimit, $outOfMemory->outcome);
    }

    public function testZeroOutputAndFileSizesAreEnforcedNotRefused(): void
    {
        $noOutput = $this->start(self::options()->withLimits(output: 0));
        $noFiles = $this->start(self::options()->withLimits(fileSize: 0));

        $printed = $noOutput->execute("print('x')");
        $written = $noFiles->execute("f = open('/tmp/f', 'wb')\ntry:\n    f.write(b'x'); f.close()\n"
            . "except OSError as e:\n    print(e.errno)");

        self::assertSame([Outcome::OutputLimit, ''], [$printed->outcome, $printed->stdout]);
        self::assertSame(0, $noFiles->info()->limit('file_bytes'));
        self::assertSame("27\n", $written->stdout, $written->stderr);
    }

    public function testForbiddenSystemCallIsAViolation(): void
    {
        $session = $this->start(self::options());

        $result = $session->execute("import ctypes\nctypes.CDLL(None).syscall(101, 0, 0, 0, 0)");

        self::assertSame(Outcome::Violation, $result->outcome);
        self::assertSame('ptrace', $result->violation?->syscall);
        self::assertFalse($session->isUsable());
    }

    public function testCancelFromAHostFunction(): void
    {
        $session = null;
        $options = self::options()->withFunction('stop', function () use (&$session): int {
            $session->cancel();
            return 1;
        });
        $session = $this->start($options);

        $result = $session->execute("import sandbox, time\nsandbox.call('stop')\ntime.sleep(10)");

        self::assertSame(Outcome::Cancelled, $result->outcome);
    }

    public function testMustRunThrowsTheOutcomesException(): void
    {
        $sandbox = new Sandbox(self::options());

        self::assertSame("42\n", $sandbox->mustRun('print(6 * 7)')->stdout);
        $this->expectException(PythonException::class);
        $this->expectExceptionMessage('python code raised NameError');
        $sandbox->mustRun('undefined_name');
    }

    public function testCloseAndDestructorReapTheChild(): void
    {
        $closed = (new Sandbox(self::options()))->start();
        $dropped = (new Sandbox(self::options()))->start();
        $pids = [$closed->pid(), $dropped->pid()];

        $closed->close();
        unset($dropped);

        foreach ($pids as $pid) {
            self::assertIsInt($pid);
            self::assertFileDoesNotExist('/proc/' . $pid);
        }
    }
}
