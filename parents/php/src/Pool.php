<?php

declare(strict_types=1);

namespace PythonSandbox;

use PythonSandbox\Exception\ChildExitedException;
use PythonSandbox\Exception\InvalidOptionException;
use PythonSandbox\Exception\PoolClosedException;
use PythonSandbox\Exception\ProtocolException;
use PythonSandbox\Exception\RemoteException;
use PythonSandbox\Exception\SandboxException;
use PythonSandbox\Exception\TimeoutException;
use PythonSandbox\Internal\ChildLocator;
use PythonSandbox\Internal\Connection;
use PythonSandbox\Internal\WarmChild;

/**
 * A warm pool: up to SIZE children started ahead of need, each sent
 * `warm` (protocol 1.1), so that a session starts with `initialize` alone.
 *
 *     $pool = new Pool(size: 2, preload: ['json'], options: $options);
 *     $session = $pool->session($options->withLimits(wallTime: '2s'));
 *
 * Every child serves one session only (REQ-WARM-8): session() takes a
 * warm child and then starts its replacement, sending `warm` without
 * waiting for the answer, which is read when that child is taken in turn.
 * PHP has no background work: a child that exits while it waits is
 * noticed and reaped at the next call to the pool.
 *
 * A child that does not speak 1.1 gets a cold `initialize` on the spot;
 * one whose `warm` (or whose `initialize` with setup_failed) fails, exits
 * or times out is reaped and a fresh child is started cold, so such a
 * failure surfaces only when the cold start fails too. After a failed
 * `warm` (a preload module that does not import, say) the pool starts no
 * replacement for a pause that doubles while failures continue, from
 * RETRY_MIN_MS up to RETRY_MAX_MS: sessions meanwhile start cold, and a
 * child that cannot warm is not spawned, and thrown away, for each one.
 * After the pause it starts one child, and up to SIZE again only once a
 * session has found that child warm.
 *
 * close(), the destructor, and PHP's shutdown (after a fatal error too)
 * end the children still waiting.
 */
final class Pool
{
    public const MAX_SIZE = 64;
    public const MAX_PRELOAD = 64;
    private const MODULE = '/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/';
    private const MAX_MODULE = 128;
    public const DEFAULT_SIZE = 2;

    /** First pause before children are started again after a failed warm; it doubles up to the maximum. */
    public const RETRY_MIN_MS = 200;
    public const RETRY_MAX_MS = 30000;

    /**
     * Pools not yet destroyed, for the shutdown function: PHP skips
     * destructors after a fatal error but still runs shutdown functions.
     *
     * @var \WeakMap<self, true>|null
     */
    private static ?\WeakMap $live = null;

    private readonly string $childPath;

    /** @var list<WarmChild> oldest first */
    private array $idle = [];

    private bool $closed = false;
    private int $warmSessions = 0;
    private int $coldSessions = 0;
    private int $discarded = 0;
    private ?string $lastFailure = null;

    /** Warm failures in a row, and until when (the clock's ns) refill() starts no child because of them. */
    private int $failures = 0;
    private int $retryAt = 0;

    /** @var \Closure(): int monotonic nanoseconds: hrtime(true), or a test's clock */
    private readonly \Closure $clock;

    /**
     * Starts SIZE children and sends each `warm`; returns without waiting
     * for their answers. OPTIONS give the child binary, its environment,
     * the verbosity and the start timeout, and are the default options of
     * session().
     *
     * @param list<string> $preload modules every child imports before its session
     * @param (\Closure(): int)|null $clock monotonic time in nanoseconds for the
     *     pause after failed warms; hrtime(true) unless a test steps its own
     * @throws InvalidOptionException for a size outside 1..MAX_SIZE or a bad module name
     * @throws SandboxException when the child cannot be found or started
     */
    public function __construct(
        public readonly int $size = self::DEFAULT_SIZE,
        private readonly array $preload = [],
        private readonly Options $options = new Options(),
        ?\Closure $clock = null,
    ) {
        $this->clock = $clock ?? static fn (): int => hrtime(true);
        if ($size < 1 || $size > self::MAX_SIZE) {
            throw new InvalidOptionException('pool size', sprintf('%d is outside 1..%d', $size, self::MAX_SIZE));
        }
        self::assertModules($preload);
        $this->childPath = ChildLocator::find($options->childPath());
        self::track($this);

        try {
            while (count($this->idle) < $this->size) {
                $this->idle[] = $this->spawn();
            }
        } catch (\Throwable $e) {
            $this->close();
            throw $e;
        }
    }

    public function __destruct()
    {
        $this->close();
    }

    /**
     * A session with OPTIONS (by default the pool's), on a warm child
     * when one is ready. OPTIONS must name the pool's child binary and
     * child environment, or none.
     *
     * @throws PoolClosedException after close()
     * @throws SandboxException as Session::start() does
     */
    public function session(?Options $options = null): Session
    {
        if ($this->closed) {
            throw new PoolClosedException('cannot start a session: the pool is closed');
        }
        $options ??= $this->options;
        $this->assertSameChild($options);
        $this->sweep();

        $child = array_shift($this->idle);
        try {
            return $child === null ? $this->cold($options) : $this->fromWarm($child, $options);
        } finally {
            $this->refill();
        }
    }

    /**
     * Runs CODE in a session of the pool, closed afterwards, and returns
     * its result whatever the outcome, as Sandbox::run() does.
     *
     * @param (callable(string, string): void)|null $onOutput
     * @throws SandboxException
     */
    public function run(string $code, ?callable $onOutput = null, string $stdin = '', ?Options $options = null): Result
    {
        $session = $this->session($options);
        try {
            return $session->execute($code, $onOutput, '<string>', $stdin);
        } finally {
            $session->close();
        }
    }

    /**
     * Like run(), but throws the outcome's RunException unless it is `ok`.
     *
     * @param (callable(string, string): void)|null $onOutput
     * @throws Exception\RunException
     * @throws SandboxException
     */
    public function mustRun(
        string $code,
        ?callable $onOutput = null,
        string $stdin = '',
        ?Options $options = null,
    ): Result {
        return $this->run($code, $onOutput, $stdin, $options)->orThrow();
    }

    /** @return list<string> */
    public function preload(): array
    {
        return $this->preload;
    }

    public function stats(): PoolStats
    {
        $this->sweep();

        return new PoolStats(
            $this->size,
            count($this->idle),
            $this->warmSessions,
            $this->coldSessions,
            $this->discarded,
            $this->lastFailure,
        );
    }

    /**
     * Ends every waiting child: closes its fd 3, kills it after the grace
     * period if it lingers, and reaps it. Sessions handed out are not
     * affected. Idempotent.
     */
    public function close(): void
    {
        $this->closed = true;
        $idle = $this->idle;
        $this->idle = [];
        WarmChild::discardAll($idle, Connection::GRACE_MS);
    }

    /** Closes POOL when PHP shuts down, even after a fatal error; one shutdown function serves every pool. */
    private static function track(self $pool): void
    {
        if (self::$live === null) {
            self::$live = new \WeakMap();
            register_shutdown_function(static function (): void {
                foreach (self::$live ?? [] as $live => $_) {
                    $live->close();
                }
            });
        }
        self::$live[$pool] = true;
    }

    private function fromWarm(WarmChild $child, Options $options): Session
    {
        try {
            $version = $child->take($this->options->startTimeoutMs());
        } catch (SandboxException $e) {
            $this->pause();
            return $this->replace($e, $options);
        }
        $this->failures = 0;
        if ($version === null) {
            // A 1.0 child, still in `new` (REQ-WARM-1).
            $session = Session::open($child->connection(), $options, '1.0');
            $this->coldSessions++;
            return $session;
        }

        try {
            $session = Session::open($child->connection(), $options, $version);
        } catch (RemoteException $e) {
            // setup_failed is the warm jail's own (REQ-WARM-6: memory below
            // what it already uses); other errors a cold start repeats.
            if ($e->errorName !== 'setup_failed') {
                throw $e;
            }
            return $this->replace($e, $options);
        } catch (TimeoutException | ChildExitedException | ProtocolException $e) {
            return $this->replace($e, $options);
        }
        $this->warmSessions++;

        return $session;
    }

    /** A warm child failed (and is reaped): a fresh one, started cold, takes its place. */
    private function replace(SandboxException $failure, Options $options): Session
    {
        $this->discarded++;
        $this->lastFailure = $failure->getMessage();

        return $this->cold($options);
    }

    private function cold(Options $options): Session
    {
        $spawn = $options->withChildPath($this->childPath)->withChildEnvironment($this->options->childEnvironment());
        $session = Session::start($spawn);
        $this->coldSessions++;

        return $session;
    }

    /**
     * Starts replacements up to SIZE, unless a pause after failed warms is
     * running; after a failure, up to one child only, until a session finds
     * a child warm (fromWarm()), so that a configuration that still fails
     * costs one child per pause. A spawn failure counts as a discarded
     * child (as Node's `stats.failed` counts it), is kept for stats(),
     * pauses as a failed warm, and the next session() starts cold.
     */
    private function refill(): void
    {
        if (($this->clock)() < $this->retryAt) {
            return;
        }
        $target = $this->failures > 0 ? 1 : $this->size;
        try {
            while (count($this->idle) < $target) {
                $this->idle[] = $this->spawn();
            }
        } catch (SandboxException $e) {
            $this->discarded++;
            $this->lastFailure = $e->getMessage();
            $this->pause();
        }
    }

    /** Counts a failed warm or start and sets how long refill() waits: doubling, within the bounds. */
    private function pause(): void
    {
        $this->failures++;
        $ms = min(self::RETRY_MAX_MS, self::RETRY_MIN_MS * 2 ** min($this->failures - 1, 16));
        $this->retryAt = ($this->clock)() + $ms * 1000000;
    }

    private function spawn(): WarmChild
    {
        $options = $this->options;

        return WarmChild::start($this->childPath, $options->childEnvironment(), $this->preload, $options->verbosity());
    }

    /** Reaps the waiting children that exited on their own (REQ-WARM-8). */
    private function sweep(): void
    {
        foreach ($this->idle as $i => $child) {
            if ($child->hasExited()) {
                unset($this->idle[$i]);
                $this->discarded++;
                $why = 'a warm child exited while it waited (exit status %d)';
                $this->lastFailure = sprintf($why, $child->exitCode());
                $this->pause();
            }
        }
        $this->idle = array_values($this->idle);
    }

    private function assertSameChild(Options $options): void
    {
        $path = $options->childPath();
        if ($path !== null && $path !== $this->options->childPath() && $path !== $this->childPath) {
            $why = sprintf("'%s' is not the pool's child '%s'", $path, $this->childPath);
            throw new InvalidOptionException('child path', $why);
        }
        $env = $options->childEnvironment();
        if ($env !== [] && $env !== $this->options->childEnvironment()) {
            throw new InvalidOptionException('child environment', "it differs from the pool's");
        }
    }

    /** @param array<array-key, mixed> $preload */
    private static function assertModules(array $preload): void
    {
        if (!array_is_list($preload) || count($preload) > self::MAX_PRELOAD) {
            $why = sprintf('expected a list of at most %d module names', self::MAX_PRELOAD);
            throw new InvalidOptionException('preload', $why);
        }
        foreach ($preload as $module) {
            if (!is_string($module) || strlen($module) > self::MAX_MODULE || preg_match(self::MODULE, $module) !== 1) {
                $shown = is_string($module) ? $module : get_debug_type($module);
                $why = "'%s' is not a dotted module name of at most %d characters";
                throw new InvalidOptionException('preload', sprintf($why, $shown, self::MAX_MODULE));
            }
        }
    }
}
