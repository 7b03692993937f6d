<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

use PythonSandbox\Exception\ProtocolException;
use PythonSandbox\Exception\RemoteException;
use PythonSandbox\Exception\SandboxException;

/**
 * A child a pool started ahead of need: spawned, `warm` sent, its answer
 * not yet read. PHP has no background: the answer waits in the pipe until
 * the child is taken for a session (take()) or discarded.
 *
 * @internal
 */
final class WarmChild
{
    /** The warm version this parent speaks (protocol/SPEC.md, warm). */
    public const VERSION = '1.1';

    /**
     * Least wait for the answer at take(), even past the deadline: the
     * child may have answered long ago while the parent was busy.
     */
    private const MIN_WAIT_MS = 100;

    private function __construct(
        private readonly Connection $connection,
        private readonly int $requestId,
        private readonly int $sentAt,
    ) {
    }

    /**
     * Spawns the child and sends `warm` without waiting for its answer.
     *
     * @param array<string, string> $env the child process's environment
     * @param list<string> $preload
     * @throws SandboxException when the child cannot be started
     */
    public static function start(string $path, array $env, array $preload, int $verbosity): self
    {
        $process = Process::spawn($path, $env);
        $connection = new Connection($process, new Peer(new HostFunctions([]), new HostFsServer([])));
        $params = ['protocol_version' => self::VERSION, 'preload' => $preload, 'verbosity' => $verbosity];
        try {
            $id = $connection->begin('warm', $params);
        } catch (\Throwable $e) {
            $connection->abandon();
            throw $e;
        }

        return new self($connection, $id, hrtime(true));
    }

    public function connection(): Connection
    {
        return $this->connection;
    }

    /**
     * Reads the answer to `warm`, waiting at most what is left of
     * TIMEOUT_MS since it was sent (REQ-TIME-3).
     *
     * @return string|null the version `warm` negotiated, for `initialize`;
     *         null when the child does not speak 1.1 (`method_not_found`
     *         or `unsupported_version`) and is still in `new` (REQ-WARM-1)
     * @throws SandboxException when the warm failed; the child is reaped
     */
    public function take(int $timeoutMs): ?string
    {
        $spent = intdiv(hrtime(true) - $this->sentAt, 1000000);
        try {
            $result = $this->connection->finish($this->requestId, 'warm', max(self::MIN_WAIT_MS, $timeoutMs - $spent));
        } catch (RemoteException $e) {
            if ($e->errorName === 'method_not_found' || $e->errorName === 'unsupported_version') {
                return null;
            }
            $this->connection->abandon();
            throw $e;
        }

        $version = $result['protocol_version'] ?? null;
        if (!is_string($version) || preg_match('/^1\.([1-9]\d*)$/', $version) !== 1) {
            $this->connection->abandon();
            $why = 'child answered warm with protocol %s, not 1.1 or later';
            throw new ProtocolException(sprintf($why, Json::encode($version)));
        }
        if (!is_array($result['preloaded'] ?? null) || !array_is_list($result['preloaded'])) {
            $this->connection->abandon();
            throw new ProtocolException('child answered warm without the list of preloaded modules');
        }

        return $version;
    }

    /** The exit status once the child has exited: the code, or 128 + the signal. */
    public function exitCode(): ?int
    {
        return $this->connection->process()->exitCode();
    }

    /** Whether the child has exited on its own while it waited (it is then reaped). */
    public function hasExited(): bool
    {
        $process = $this->connection->process();
        if (!$process->hasExited()) {
            return false;
        }
        $process->kill();

        return true;
    }

    /**
     * Ends CHILDREN together: closes every fd 3 first, so that their
     * grace periods overlap, gives them GRACE_MS to exit, then kills and
     * reaps those that linger.
     *
     * @param list<self> $children
     */
    public static function discardAll(array $children, int $graceMs): void
    {
        foreach ($children as $child) {
            $child->connection->process()->closeInput();
        }

        $deadline = hrtime(true) + $graceMs * 1000000;
        do {
            $running = 0;
            foreach ($children as $child) {
                $process = $child->connection->process();
                if (!$process->hasExited()) {
                    // Drain its output so that a full pipe cannot keep it from exiting.
                    $process->pump(0);
                    $running++;
                }
            }
            if ($running > 0) {
                usleep(5000);
            }
        } while ($running > 0 && hrtime(true) < $deadline);

        foreach ($children as $child) {
            $child->connection->process()->kill();
        }
    }
}
