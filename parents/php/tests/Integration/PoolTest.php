<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Integration;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Filesystem\ArrayDirectory;
use PythonSandbox\Options;
use PythonSandbox\Pool;
use PythonSandbox\Sandbox;
use PythonSandbox\Session;
use PythonSandbox\Tests\Fake;

/**
 * The warm pool against the real child (protocol 1.1): sessions run code,
 * preload is honoured, and nothing of one session reaches the next.
 *
 * @group integration
 */
final class PoolTest extends TestCase
{
    /** @var list<int> */
    private array $before = [];

    /** @var list<Pool> */
    private array $pools = [];

    /** @var list<Session> */
    private array $sessions = [];

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
        self::assertSame([], array_values(array_diff(Fake::children(), $this->before)), 'a child was left unreaped');
    }

    private static function options(): Options
    {
        $fromEnv = getenv('PYSANDBOX_CHILD');
        $child = is_string($fromEnv) && $fromEnv !== '' ? $fromEnv : dirname(__DIR__, 4) . '/build/sandbox';
        self::assertFileIsReadable($child, 'the real child is not built; run make first or set PYSANDBOX_CHILD');

        return (new Options())->withChildPath($child)->withLimits(memory: '256M', wallTime: '5s');
    }

    /** @param list<string> $preload */
    private function pool(int $size, array $preload = []): Pool
    {
        $pool = new Pool($size, $preload, self::options());
        $this->pools[] = $pool;

        return $pool;
    }

    private function session(Pool $pool, ?Options $options = null): Session
    {
        $session = $pool->session($options);
        $this->sessions[] = $session;

        return $session;
    }

    private static function ok(Session $session, string $code): string
    {
        $result = $session->execute($code);
        self::assertTrue($result->isOk(), $result->stderr);

        return $result->stdout;
    }

    public function testAPoolSessionIsAWarmOne(): void
    {
        $pool = $this->pool(1);

        $session = $this->session($pool);

        self::assertSame("42\n", self::ok($session, 'print(6 * 7)'));
        self::assertSame('1.1', $session->info()->protocolVersion);
        self::assertTrue($session->info()->isolation['seccomp']);
        self::assertSame(268435456, $session->info()->limit('memory_bytes'));
        $stats = $pool->stats();
        self::assertSame([1, 0, 0], [$stats->warmSessions, $stats->coldSessions, $stats->discarded]);
    }

    public function testPreloadedModulesAreImportedBeforeTheSession(): void
    {
        $check = "import sys\nprint('fractions' in sys.modules, 'xml.dom.minidom' in sys.modules)";

        $warm = self::ok($this->session($this->pool(1, ['fractions', 'xml.dom.minidom'])), $check);
        $cold = (new Sandbox(self::options()))->run($check)->stdout;

        self::assertSame("True True\n", $warm);
        self::assertSame("False False\n", $cold);
    }

    public function testNothingOfOneSessionIsVisibleInTheNext(): void
    {
        $pool = $this->pool(1, ['json']);
        $options = self::options()->withTmpfs('/scratch', '1M');
        $first = $this->session($pool, $options);
        $dirty = <<<'PY'
            import json, os, threading, time
            LEFT_BEHIND = 1
            json.LEFT_BEHIND = 1
            open('/scratch/left-behind', 'w').write('x')
            os.environ['LEFT_BEHIND'] = '1'
            os.chdir('/scratch')
            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
            print(threading.active_count(), os.getcwd())
            PY;
        $probe = <<<'PY'
            import json, os, threading
            print('LEFT_BEHIND' in globals(), hasattr(json, 'LEFT_BEHIND'), os.path.exists('/scratch/left-behind'),
                  'LEFT_BEHIND' in os.environ, os.getcwd() == '/scratch', threading.active_count())
            PY;

        self::assertSame("2 /scratch\n", self::ok($first, $dirty));
        $second = $this->session($pool, $options);
        $whileOpen = self::ok($second, $probe);
        $firstPid = $first->pid();
        $first->close();
        $afterClose = self::ok($this->session($pool, $options), $probe);

        self::assertIsInt($firstPid);
        self::assertNotSame($firstPid, $second->pid());
        self::assertSame("False False False False False 1\n", $whileOpen);
        self::assertSame("False False False False False 1\n", $afterClose);
        self::assertSame(3, $pool->stats()->warmSessions);
    }

    public function testEachSessionGetsItsOwnOptions(): void
    {
        $pool = $this->pool(2);
        $options = self::options()
            ->withEnv(['WHO' => 'php'])
            ->withArgv(['main.py', 'x'])
            ->withTmpfs('/out', '1M')
            ->withCwd('/out')
            ->withLimits(wallTime: '3s')
            ->withFunction('add', fn (int $a, int $b): int => $a + $b)
            ->withHostDirectory('/modules', new ArrayDirectory(['mod.py' => "X = 42\n"]));
        $code = <<<'PY'
            import os, sys, sandbox
            sys.path.insert(0, '/modules')
            import mod
            print(os.environ.get('WHO'), sys.argv, os.getcwd(), sandbox.call('add', 2, 3), mod.X)
            PY;

        $configured = $this->session($pool, $options);
        $plain = $this->session($pool);

        self::assertSame("php ['main.py', 'x'] /out 5 42\n", self::ok($configured, $code));
        self::assertSame(3000, $configured->info()->limit('wall_ms'));
        self::assertSame("None\n", self::ok($plain, "import os\nprint(os.environ.get('WHO'))"));
        self::assertSame(2, $pool->stats()->warmSessions);
    }

    public function testSeveralSessionsAtOnce(): void
    {
        $pool = $this->pool(2);
        $sessions = [$this->session($pool), $this->session($pool), $this->session($pool)];

        foreach ($sessions as $i => $session) {
            self::ok($session, "N = $i");
        }
        $seen = array_map(static fn (Session $s): string => self::ok($s, 'print(N)'), $sessions);

        self::assertSame(["0\n", "1\n", "2\n"], $seen);
        self::assertCount(3, array_unique(array_map(static fn (Session $s): ?int => $s->pid(), $sessions)));
        self::assertSame(3, $pool->stats()->warmSessions);
    }

    public function testAPreloadThatFailsIsServedCold(): void
    {
        $pool = $this->pool(1, ['no_such_module_for_the_pool']);

        $session = $this->session($pool);

        self::assertSame("ok\n", self::ok($session, "print('ok')"));
        self::assertSame('1.0', $session->info()->protocolVersion);
        self::assertSame([0, 1, 1], [
            $pool->stats()->warmSessions,
            $pool->stats()->coldSessions,
            $pool->stats()->discarded,
        ]);
        self::assertStringContainsString('no_such_module_for_the_pool', (string) $pool->stats()->lastFailure);
    }

    /**
     * REQ-WARM-9: a child started as root drops to uid 65534 in warm,
     * before it reaches the session's bind sources, so what is below a
     * source directory only root may enter is EACCES to a warm session's
     * code. Without root nothing is dropped and the code reads it.
     */
    public function testASourceOnlyRootMayEnterIsDeniedToAWarmSessionOfARootChild(): void
    {
        $dir = sys_get_temp_dir() . '/php-pool-private-' . getmypid();
        mkdir($dir, 0o700);
        file_put_contents($dir . '/secret.txt', 'root only');
        $read = <<<'PY'
            try:
                print(open('/private/secret.txt').read())
            except PermissionError as e:
                print('EACCES' if e.errno == 13 else e)
            PY;
        try {
            $session = $this->session($this->pool(1), self::options()->withBind($dir, '/private'));
            $warm = self::ok($session, $read);
        } finally {
            unlink($dir . '/secret.txt');
            rmdir($dir);
        }

        self::assertSame('1.1', $session->info()->protocolVersion);
        self::assertSame(posix_geteuid() === 0 ? "EACCES\n" : "root only\n", $warm);
    }

    public function testCloseReapsTheWaitingChildrenAndLeavesSessionsRunning(): void
    {
        $pool = $this->pool(3, ['json']);
        $session = $this->session($pool);
        self::assertCount(4, array_diff(Fake::children(), $this->before));

        $pool->close();

        self::assertSame([$session->pid()], array_values(array_diff(Fake::children(), $this->before)));
        self::assertSame("1\n", self::ok($session, 'print(1)'));
    }
}
