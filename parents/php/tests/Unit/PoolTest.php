<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\ChildExitedException;
use PythonSandbox\Exception\InvalidOptionException;
use PythonSandbox\Exception\PoolClosedException;
use PythonSandbox\Exception\PythonException;
use PythonSandbox\Exception\RemoteException;
use PythonSandbox\Exception\SpawnException;
use PythonSandbox\Options;
use PythonSandbox\Pool;
use PythonSandbox\Session;
use PythonSandbox\Tests\Fake;
use PythonSandbox\Tests\TrustTree;

/**
 * The warm pool against the fake child: warm answered, refused by a 1.0
 * child, failing, the child dying or silent, and that every child it
 * started is reaped.
 */
final class PoolTest extends TestCase
{
    /** @var list<int> processes of this one before the test */
    private array $before = [];

    /** @var list<Pool> */
    private array $pools = [];

    /** @var list<Session> */
    private array $sessions = [];

    /** Nanoseconds of the clock steppedClock() gives a pool: tests of the pauses step it instead of sleeping. */
    private int $now = 0;

    protected function setUp(): void
    {
        $this->before = Fake::children();
    }

    protected function tearDown(): void
    {
        foreach ($this->sessions as $session) {
            $session->close();
        }
        foreach ($this->pools as $pool) {
            $pool->close();
        }
        self::assertSame([], $this->started(), 'a child of the test was left unreaped');
    }

    /** @param list<string> $preload */
    private function pool(int $size, Options $options, array $preload = [], ?\Closure $clock = null): Pool
    {
        $pool = new Pool($size, $preload, $options, $clock);
        $this->pools[] = $pool;

        return $pool;
    }

    /** A clock that stands still until step() moves it, so a slow machine cannot end a pause early. */
    private function steppedClock(): \Closure
    {
        return fn (): int => $this->now;
    }

    private function step(int $ms): void
    {
        $this->now += $ms * 1000000;
    }

    private function session(Pool $pool, ?Options $options = null): Session
    {
        $session = $pool->session($options);
        $this->sessions[] = $session;

        return $session;
    }

    /** @return list<int> children started during the test and not yet reaped */
    private function started(): array
    {
        return array_values(array_diff(Fake::children(), $this->before));
    }

    /** @param list<array<string, mixed>> $actions */
    private static function value(Session $session, array $actions): mixed
    {
        return $session->execute(Fake::script($actions))->value;
    }

    public function testStartsSizeChildrenAndSendsEachWarm(): void
    {
        $pool = $this->pool(2, Fake::poolOptions()->withVerbosity(2), ['json', 'xml.dom']);

        self::assertCount(2, $this->started());
        $session = $this->session($pool);

        $warm = self::value($session, [['op' => 'echo_warm']]);
        self::assertSame(['protocol_version' => '1.1', 'preload' => ['json', 'xml.dom'], 'verbosity' => 2], $warm);
        self::assertSame('1.1', $session->info()->protocolVersion);
        self::assertSame(['json', 'xml.dom'], $pool->preload());
    }

    public function testTheSessionGetsItsOwnOptionsInInitialize(): void
    {
        $pool = $this->pool(1, Fake::poolOptions());

        $session = $this->session($pool, Fake::options()->withLimits(wallTime: '7s')->withArgv(['main.py']));
        $init = self::value($session, [['op' => 'echo_init']]);

        self::assertSame('1.1', $init['protocol_version']);
        self::assertSame(['wall_ms' => 7000], $init['limits']);
        self::assertSame(['main.py'], $init['argv']);
        self::assertSame(7000, $session->info()->limit('wall_ms'));
    }

    public function testEveryChildServesOneSessionAndIsReplaced(): void
    {
        $pool = $this->pool(1, Fake::poolOptions());

        $first = $this->session($pool);
        $second = $this->session($pool);
        $stats = $pool->stats();

        self::assertNotSame($first->pid(), $second->pid());
        self::assertSame([1, 2, 0, 0], [$stats->idle, $stats->warmSessions, $stats->coldSessions, $stats->discarded]);
        self::assertNull($stats->lastFailure);
        self::assertCount(3, $this->started());
    }

    public function testRunAndMustRunUseAWarmSessionAndCloseIt(): void
    {
        $pool = $this->pool(1, Fake::poolOptions());

        $ok = $pool->run(Fake::script([['op' => 'print', 'text' => 'hi']]));
        $failed = $pool->run('not a script', null, '', Fake::options()->withLimits(wallTime: '2s'));

        self::assertSame('hi', $ok->stdout);
        self::assertSame('exception', $failed->outcome->value);
        self::assertSame(2, $pool->stats()->warmSessions);
        self::assertCount(1, $this->started(), 'only the waiting child runs');
        $this->expectException(PythonException::class);
        $pool->mustRun('not a script');
    }

    public function testSeveralSessionsAtOnce(): void
    {
        $pool = $this->pool(2, Fake::poolOptions());

        $sessions = [$this->session($pool), $this->session($pool), $this->session($pool)];
        foreach ($sessions as $i => $session) {
            $printed = $session->execute(Fake::script([['op' => 'print', 'text' => "s$i"]]))->stdout;
            self::assertSame("s$i", $printed);
        }

        self::assertCount(3, array_unique(array_map(static fn (Session $s): ?int => $s->pid(), $sessions)));
        self::assertSame(3, $pool->stats()->warmSessions);
    }

    public function testAChildHoldsNoPipeOfTheOthersItWasStartedAlongside(): void
    {
        $pool = $this->pool(3, Fake::poolOptions());
        $this->session($pool);

        $fds = self::value($this->session($pool), [['op' => 'fds']]);

        $own = [$fds[2], $fds[3], $fds[4]];
        foreach ($fds as $fd => $target) {
            if (str_starts_with($target, 'pipe:')) {
                self::assertContains($target, $own, sprintf('fd %d is a pipe of another child', $fd));
            }
        }
    }

    /** @return array<string, array{string}> */
    public static function oldChildren(): array
    {
        return ['method_not_found' => ['old'], 'unsupported_version' => ['old-version']];
    }

    /** @dataProvider oldChildren */
    public function testAChildThatRefusesWarmGetsAColdInitialize(string $mode): void
    {
        $pool = $this->pool(1, Fake::poolOptions($mode));

        $session = $this->session($pool);
        $stats = $pool->stats();

        self::assertSame('1.0', $session->info()->protocolVersion);
        self::assertSame('1.0', self::value($session, [['op' => 'echo_init']])['protocol_version']);
        self::assertNull(self::value($session, [['op' => 'echo_warm']]));
        self::assertSame([0, 1, 0], [$stats->warmSessions, $stats->coldSessions, $stats->discarded]);
        // The same child was initialized: only it and its replacement run.
        self::assertCount(2, $this->started());
    }

    /** @return array<string, array{string, string}> */
    public static function failedWarms(): array
    {
        return [
            'setup_failed' => ['setup-failed', "preload: No module named 'x'"],
            'child died' => ['die', 'exit status 5'],
            'exited after answering' => ['exit-after', "before answering 'initialize'"],
            'initialize setup_failed' => ['init-enomem', 'rlimits failed'],
        ];
    }

    /** @dataProvider failedWarms */
    public function testAFailedWarmChildIsReapedAndAColdOneServes(string $mode, string $why): void
    {
        $pool = $this->pool(1, Fake::poolOptions($mode));
        usleep(200000);

        $session = $this->session($pool);
        $stats = $pool->stats();

        self::assertTrue($session->execute('[]')->isOk());
        self::assertNull(self::value($session, [['op' => 'echo_warm']]));
        self::assertSame([0, 1], [$stats->warmSessions, $stats->coldSessions]);
        self::assertGreaterThanOrEqual(1, $stats->discarded);
        self::assertStringContainsString($mode === 'exit-after' ? 'exit' : $why, (string) $stats->lastFailure);
        self::assertCount(1 + $stats->idle, $this->started());
    }

    public function testAFailedWarmPausesTheRefillAndSessionsStartColdMeanwhile(): void
    {
        $pool = $this->pool(1, Fake::poolOptions('setup-failed'), [], $this->steppedClock());

        for ($i = 0; $i < 4; $i++) {
            $this->session($pool)->close();
        }
        $stats = $pool->stats();

        // Only the child the constructor started was spawned, and thrown away.
        self::assertSame([0, 4, 1, 0], [$stats->warmSessions, $stats->coldSessions, $stats->discarded, $stats->idle]);
        self::assertStringContainsString("preload: No module named 'x'", (string) $stats->lastFailure);
        self::assertSame([], $this->started());

        $this->step(Pool::RETRY_MIN_MS + 50);
        $this->session($pool)->close();
        self::assertSame(1, $pool->stats()->idle, 'no child was started after the pause');

        $this->session($pool)->close();
        $this->session($pool)->close();
        $stats = $pool->stats();
        // The second failure pauses the refill again (400 ms): no child waits.
        self::assertSame([0, 7, 2, 0], [$stats->warmSessions, $stats->coldSessions, $stats->discarded, $stats->idle]);
    }

    public function testAfterThePauseOneChildIsStartedNotSize(): void
    {
        $pool = $this->pool(3, Fake::poolOptions('setup-failed'), [], $this->steppedClock());
        for ($i = 0; $i < 3; $i++) {
            $this->session($pool)->close();                 // 200, 400, then 800 ms
        }
        $this->step(850);

        $this->session($pool)->close();
        self::assertSame(1, $pool->stats()->idle, 'more than one child was started after the pause');

        $this->session($pool)->close();                     // that one fails too: 1.6 s
        $stats = $pool->stats();
        self::assertSame([0, 5, 4, 0], [$stats->warmSessions, $stats->coldSessions, $stats->discarded, $stats->idle]);
    }

    public function testAChildFoundWarmAfterThePauseFillsThePoolAgain(): void
    {
        $flag = tempnam(sys_get_temp_dir(), 'pool-flag');
        $options = Fake::options()->withChildEnvironment(['FAKE_WARM' => 'flagged', 'FAKE_WARM_FLAG' => $flag]);
        $pool = $this->pool(3, $options, [], $this->steppedClock());
        try {
            for ($i = 0; $i < 3; $i++) {
                $this->session($pool)->close();             // 200, 400, then 800 ms
            }
            unlink($flag);
            $this->step(850);
            $this->session($pool)->close();                 // cold; one child starts, and warms

            $this->session($pool)->close();                 // warm: the pool fills up again
            $stats = $pool->stats();

            self::assertSame([1, 3, 3], [$stats->warmSessions, $stats->discarded, $stats->idle]);
        } finally {
            @unlink($flag);
        }
    }

    public function testAWarmChildEndsTheDoublingOfThePause(): void
    {
        $flag = tempnam(sys_get_temp_dir(), 'pool-flag');
        $options = Fake::options()->withChildEnvironment(['FAKE_WARM' => 'flagged', 'FAKE_WARM_FLAG' => $flag]);
        $pool = $this->pool(1, $options, [], $this->steppedClock());
        try {
            $this->session($pool)->close();                 // 1st failure: 200 ms
            $this->step(250);
            $this->session($pool)->close();                 // cold; its replacement fails too
            $this->session($pool)->close();                 // 2nd failure: 400 ms
            unlink($flag);
            $this->step(450);
            $this->session($pool)->close();                 // cold; its replacement warms
            $this->session($pool)->close();                 // warm: the doubling starts over
            touch($flag);
            // The replacement started just before may or may not see the
            // flag: the next failure comes one session earlier or later.
            $this->session($pool)->close();
            $this->session($pool)->close();                 // by now a failure after a warm: 200 ms, not 800
            $this->step(250);
            $this->session($pool)->close();

            $stats = $pool->stats();
            self::assertContains($stats->warmSessions, [1, 2]);
            self::assertSame(3, $stats->discarded);
            self::assertSame(1, $stats->idle, 'the pause after a warm child was not back to 200 ms');
        } finally {
            @unlink($flag);
        }
    }

    public function testAChildExitingWhileItWaitsIsReapedAtTheNextCall(): void
    {
        $pool = $this->pool(2, Fake::poolOptions('exit-after'));
        usleep(300000);

        $stats = $pool->stats();

        self::assertSame([0, 2], [$stats->idle, $stats->discarded]);
        self::assertSame('a warm child exited while it waited (exit status 0)', $stats->lastFailure);
        self::assertSame([], $this->started());
    }

    public function testAChildTakenWhileItExitsIsReplacedToo(): void
    {
        $pool = $this->pool(1, Fake::poolOptions('exit-after'));

        $session = $this->session($pool);

        self::assertTrue($session->execute('[]')->isOk());
        self::assertSame([0, 1, 1], [
            $pool->stats()->warmSessions,
            $pool->stats()->coldSessions,
            $pool->stats()->discarded,
        ]);
    }

    public function testASilentWarmTimesOutAndIsReplaced(): void
    {
        $pool = $this->pool(1, Fake::poolOptions('silent')->withTimeouts(start: '300ms'));

        $began = hrtime(true);
        $session = $this->session($pool, Fake::options());

        self::assertLessThan(3e9, hrtime(true) - $began);
        self::assertTrue($session->execute('[]')->isOk());
        self::assertStringContainsString("did not answer 'warm'", (string) $pool->stats()->lastFailure);
    }

    public function testAPendingWarmAnswerIsWaitedFor(): void
    {
        $pool = $this->pool(1, Fake::poolOptions('slow'));

        $session = $this->session($pool);

        self::assertSame('1.1', $session->info()->protocolVersion);
        self::assertSame(1, $pool->stats()->warmSessions);
    }

    public function testTheErrorSurfacesWhenTheColdStartFailsToo(): void
    {
        $pool = $this->pool(1, Fake::poolOptions('setup-failed'));

        try {
            $this->session($pool, Fake::options('die-init'));
            self::fail('no exception');
        } catch (ChildExitedException $e) {
            self::assertSame(3, $e->exitCode);
        }
        self::assertSame(1, $pool->stats()->discarded);
        self::assertCount($pool->stats()->idle, $this->started());
    }

    public function testAnInitializeErrorOfTheSessionSurfacesAsInAColdStart(): void
    {
        $pool = $this->pool(1, Fake::poolOptions());

        try {
            $this->session($pool, Fake::options('setup-failed'));
            self::fail('no exception');
        } catch (RemoteException $e) {
            self::assertSame('setup_failed', $e->errorName);
        }
        // setup_failed on the warm child is retried cold, which fails alike.
        $stats = $pool->stats();
        self::assertSame([1, 0, 0], [$stats->discarded, $stats->warmSessions, $stats->coldSessions]);
    }

    public function testCloseReapsEveryWaitingChildButNotTheSessions(): void
    {
        $pool = $this->pool(3, Fake::poolOptions());
        $session = $this->session($pool);
        self::assertCount(4, $this->started());

        $pool->close();
        $pool->close();

        self::assertSame([$session->pid()], $this->started());
        self::assertTrue($session->execute('[]')->isOk());
        self::assertSame(0, $pool->stats()->idle);
        $this->expectException(PoolClosedException::class);
        $pool->session();
    }

    public function testCloseEndsWaitingChildrenByClosingTheirInput(): void
    {
        $log = tempnam(sys_get_temp_dir(), 'php-pool-eof-');
        try {
            $pool = $this->pool(2, Fake::options()->withChildEnvironment(['FAKE_EOF_LOG' => $log]));
            $pids = $this->started();

            $pool->close();
            $seen = array_map('intval', file($log, FILE_IGNORE_NEW_LINES) ?: []);
        } finally {
            unlink($log);
        }

        sort($seen);
        self::assertSame($pids, $seen);
    }

    public function testCloseKillsChildrenThatLingerAfterOneSharedGracePeriod(): void
    {
        $pool = $this->pool(2, Fake::poolOptions('linger'));
        usleep(100000);

        $began = hrtime(true);
        $pool->close();
        $took = (hrtime(true) - $began) / 1e6;

        self::assertGreaterThanOrEqual(1900, $took);
        self::assertLessThan(3500, $took);
        self::assertSame([], $this->started());
    }

    public function testTheDestructorClosesThePool(): void
    {
        $pool = new Pool(2, [], Fake::poolOptions());
        self::assertCount(2, $this->started());

        unset($pool);

        self::assertSame([], $this->started());
    }

    public function testAFatalErrorStillReapsTheWaitingChildren(): void
    {
        $proc = proc_open(
            [PHP_BINARY, '-d', 'display_errors=stderr', dirname(__DIR__) . '/fixtures/pool-fatal.php'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
        );
        $stdout = (string) stream_get_contents($pipes[1]);
        $stderr = (string) stream_get_contents($pipes[2]);
        $status = proc_close($proc);

        $lines = explode("\n", trim($stdout));
        self::assertSame(255, $status);
        self::assertStringContainsString('dying on purpose', $stderr);
        self::assertCount(2, json_decode($lines[0], true), $stdout);
        self::assertSame('[]', $lines[1] ?? null, 'children left when the last shutdown function ran');
    }

    /** @return array<string, array{int}> */
    public function testKeepsTwoChildrenByDefault(): void
    {
        $pool = new Pool(options: Fake::poolOptions());
        $this->pools[] = $pool;

        self::assertSame(2, $pool->size);
        self::assertCount(2, $this->started());
    }

    public static function badSizes(): array
    {
        return ['zero' => [0], 'negative' => [-1], 'over the maximum' => [Pool::MAX_SIZE + 1]];
    }

    /** @dataProvider badSizes */
    public function testRefusesASizeOutsideTheBounds(int $size): void
    {
        $this->expectException(InvalidOptionException::class);
        $this->expectExceptionMessage(sprintf('invalid pool size: %d is outside 1..64', $size));

        new Pool($size, [], Fake::poolOptions());
    }

    /** @return array<string, array{array<array-key, mixed>, string}> */
    public static function badPreloads(): array
    {
        return [
            'dash' => [['json', 'a-b'], "'a-b' is not a dotted module name"],
            'empty' => [[''], "'' is not a dotted module name"],
            'trailing dot' => [['os.'], "'os.' is not a dotted module name"],
            'too long' => [[str_repeat('m', 129)], 'of at most 128 characters'],
            'not a string' => [[42], "'int' is not a dotted module name"],
            'not a list' => [['a' => 'json'], 'expected a list of at most 64 module names'],
            'too many' => [array_fill(0, 65, 'json'), 'expected a list of at most 64 module names'],
        ];
    }

    /**
     * @dataProvider badPreloads
     * @param array<array-key, mixed> $preload
     */
    public function testRefusesABadPreloadList(array $preload, string $why): void
    {
        $this->expectException(InvalidOptionException::class);
        $this->expectExceptionMessage($why);

        new Pool(1, $preload, Fake::poolOptions());
    }

    public function testRefusesSessionOptionsForAnotherChild(): void
    {
        $pool = $this->pool(1, Fake::poolOptions());

        try {
            $pool->session(Fake::options()->withChildPath('/bin/true'));
            self::fail('no exception');
        } catch (InvalidOptionException $e) {
            self::assertStringContainsString("'/bin/true' is not the pool's child", $e->getMessage());
        }
        $this->expectExceptionMessage("invalid child environment: it differs from the pool's");
        $pool->session(Fake::options()->withChildEnvironment(['OTHER' => '1']));
    }

    public function testAChildBinaryRemovedAfterTheStartFailsTheColdStartThatReplacesAFailedWarm(): void
    {
        $dir = sys_get_temp_dir() . '/php-pool-child-' . getmypid();
        mkdir($dir);
        // fake-child.php requires FakeChild.php beside it.
        foreach (['fake-child.php', 'FakeChild.php'] as $file) {
            copy(dirname(Fake::CHILD) . '/' . $file, $dir . '/' . $file);
        }
        chmod($dir . '/fake-child.php', 0o755);
        $options = Fake::poolOptions('die')->withChildPath($dir . '/fake-child.php');
        try {
            $pool = $this->pool(1, $options);
        } finally {
            array_map('unlink', glob($dir . '/*') ?: []);
            rmdir($dir);
        }

        try {
            $pool->session();
            self::fail('no exception');
        } catch (SpawnException $e) {
            self::assertStringContainsString('does not exist', $e->getMessage());
        }
        $stats = $pool->stats();
        self::assertSame([0, 0], [$stats->warmSessions, $stats->coldSessions]);
        // The replacement started after the failure cannot start either; it may be reaped already.
        self::assertGreaterThanOrEqual(1, $stats->discarded);
    }

    public function testEveryStartChecksTheChildColdAndWarm(): void
    {
        $tree = new TrustTree();
        try {
            $tree->set('/d', 0o777);
            $refused = sprintf("cannot trust child '%s': '%s/d' is writable by others", $tree->child(), $tree->top);
            try {
                $this->pool(1, Fake::poolOptions()->withChildPath($tree->child()));
                self::fail('no exception');
            } catch (SpawnException $e) {
                self::assertSame($refused, $e->getMessage());
            }

            $tree->set('/d', 0o755);
            $pool = $this->pool(1, Fake::poolOptions()->withChildPath($tree->child()));
            $tree->set('/d', 0o777);
            // The warm child started while the directory was safe; its replacement is refused.
            $this->session($pool);
            self::assertSame($refused, $pool->stats()->lastFailure);
            try {
                $pool->session();
                self::fail('no exception');
            } catch (SpawnException $e) {
                self::assertSame($refused, $e->getMessage());
            }
        } finally {
            $tree->remove();
        }
    }

    public function testAReplacementThatCannotBeStartedCountsAsDiscarded(): void
    {
        $tree = new TrustTree();
        try {
            $pool = $this->pool(1, Fake::poolOptions()->withChildPath($tree->child()));
            $tree->set('/d', 0o777);

            $this->session($pool);
            $stats = $pool->stats();

            self::assertSame([1, 0, 1], [$stats->warmSessions, $stats->idle, $stats->discarded]);
            self::assertStringContainsString('is writable by others', (string) $stats->lastFailure);
        } finally {
            $tree->remove();
        }
    }

    public function testAMissingChildFailsTheConstructor(): void
    {
        $this->expectException(SpawnException::class);

        new Pool(1, [], (new Options())->withChildPath('/nonexistent/sandbox'));
    }
}
