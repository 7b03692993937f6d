<?php

declare(strict_types=1);

namespace PythonSandbox;

use PythonSandbox\Exception\ChildExitedException;
use PythonSandbox\Exception\InvalidOptionException;
use PythonSandbox\Exception\LimitException;
use PythonSandbox\Exception\ProtocolException;
use PythonSandbox\Exception\RemoteException;
use PythonSandbox\Exception\SessionStateException;
use PythonSandbox\Exception\UnsupportedException;
use PythonSandbox\Filesystem\Path;
use PythonSandbox\Internal\ChildLocator;
use PythonSandbox\Internal\Connection;
use PythonSandbox\Internal\Decode;
use PythonSandbox\Internal\HostFsServer;
use PythonSandbox\Internal\HostFunctions;
use PythonSandbox\Internal\Json;
use PythonSandbox\Internal\Peer;
use PythonSandbox\Internal\Process;

/**
 * One child process: one Python interpreter whose state persists across
 * execute() and invoke() calls until close(), a fatal outcome, or the
 * object's destruction (which kills the child).
 *
 * Calls are synchronous. Output callbacks and host functions run inside
 * them; from there only cancel() may be called on the session. An
 * exception thrown by a callback ends the session and propagates.
 */
final class Session
{
    private const STATE_READY = 'ready';
    private const STATE_RUNNING = 'running';
    private const STATE_ENDED = 'ended';
    private const STATE_CLOSED = 'closed';

    private string $state = self::STATE_READY;

    private function __construct(
        private readonly Connection $connection,
        private readonly Peer $peer,
        private readonly Options $options,
        private readonly SessionInfo $info,
    ) {
    }

    public function __destruct()
    {
        $this->connection->process()->kill();
    }

    /**
     * Starts the child and initializes it; prefer Sandbox::start().
     *
     * @throws Exception\SandboxException
     */
    public static function start(Options $options): self
    {
        $path = ChildLocator::find($options->childPath());
        $process = Process::spawn($path, $options->childEnvironment());
        $idle = new Peer(new HostFunctions([]), new HostFsServer([]));

        return self::open(new Connection($process, $idle), $options, '1.0');
    }

    /**
     * Initializes the child behind CONNECTION (in state `new`, or `warm`
     * with PROTOCOL_VERSION the version `warm` negotiated) as OPTIONS say.
     * On any failure the child is abandoned (and reaped) before the
     * exception propagates.
     *
     * @internal Session::start() and Pool use it.
     * @throws Exception\SandboxException
     */
    public static function open(Connection $connection, Options $options, string $protocolVersion): self
    {
        $params = ['protocol_version' => $protocolVersion] + $options->toInitializeParams();
        $peer = new Peer(new HostFunctions($options->functions()), new HostFsServer($options->hostDirectories()));
        $connection->attach($peer);

        try {
            $result = $connection->request('initialize', $params, $options->startTimeoutMs());
            $info = SessionInfo::fromProtocol($result);
        } catch (\Throwable $e) {
            $connection->abandon();
            throw $e;
        }
        if ($options->hostDirectories() !== [] && ($info->capabilities['hostfs'] ?? false) !== true) {
            $connection->abandon();
            throw new UnsupportedException("the child does not support 'hostfs', which host directories need");
        }
        $connection->setMaxFrame($info->limit('frame_bytes'));
        $peer->setLimits($info->limit('output_bytes'), $info->limit('host_call_bytes'), $info->limit('file_bytes'));

        return new self($connection, $peer, $options, $info);
    }

    public function info(): SessionInfo
    {
        return $this->info;
    }

    /** The child's process id while it runs, for monitoring. */
    public function pid(): ?int
    {
        return $this->connection->process()->pid();
    }

    /** Whether the session takes more runs (not closed, no fatal outcome). */
    public function isUsable(): bool
    {
        return $this->state === self::STATE_READY;
    }

    /**
     * Runs CODE in the session's `__main__` namespace.
     *
     * @param (callable(string, string): void)|null $onOutput receives (stream, bytes) as the code writes;
     *        without it, output is collected into the Result
     */
    public function execute(
        string $code,
        ?callable $onOutput = null,
        string $filename = '<string>',
        string $stdin = '',
    ): Result {
        self::assertText($code, 'code');
        self::assertText($filename, 'filename');

        return $this->run('execute', ['code' => $code, 'filename' => $filename], $stdin, $onOutput);
    }

    /**
     * Runs the file at sandbox PATH (it must be visible in the sandbox).
     *
     * @param (callable(string, string): void)|null $onOutput
     */
    public function executeFile(string $path, ?callable $onOutput = null, string $stdin = ''): Result
    {
        Path::assertTarget($path, 'path');

        return $this->run('execute', ['path' => $path], $stdin, $onOutput);
    }

    /**
     * Calls a Python callable (`module.attr`, or `__main__.f` for one an
     * earlier execute defined) with JSON-able arguments; its return value
     * is Result::$value.
     *
     * @param list<mixed> $args
     * @param array<string, mixed> $kwargs
     * @param (callable(string, string): void)|null $onOutput
     */
    public function invoke(
        string $callable,
        array $args = [],
        array $kwargs = [],
        ?callable $onOutput = null,
        string $stdin = '',
    ): Result {
        if (!preg_match('/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/', $callable)) {
            throw new InvalidOptionException('callable', sprintf("'%s' is not a dotted module.attr name", $callable));
        }
        if (!array_is_list($args)) {
            throw new InvalidOptionException('args', 'expected a list; use kwargs for named arguments');
        }
        $this->assertCapability('invoke');
        $params = ['callable' => $callable, 'args' => $args, 'kwargs' => Json::object($kwargs)];

        return $this->run('invoke', $params, $stdin, $onOutput);
    }

    /**
     * Cancels the run in progress; callable from an output callback or a
     * host function. The run then ends with outcome `cancelled`, which
     * ends the session. Returns false when no run is in progress.
     */
    public function cancel(): bool
    {
        if ($this->state !== self::STATE_RUNNING) {
            return false;
        }
        $this->assertCapability('cancel');
        $this->connection->sendRequest('cancel', Json::object([]));

        return true;
    }

    /** Everything below PATH in a tmpfs entry, recursively, depth first. */
    public function listTmpfs(string $path): TmpfsListing
    {
        Path::assertTarget($path, 'path');
        $result = $this->control('tmpfs/list', ['path' => $path]);
        try {
            return Decode::tmpfsListing($result);
        } catch (ProtocolException $e) {
            throw $this->broken($e->getMessage());
        }
    }

    /**
     * Reads a whole file back from a tmpfs entry, in chunks that fit a frame.
     *
     * @throws LimitException when the file is larger than MAX_BYTES
     */
    public function readTmpfs(string $path, int|string $maxBytes = '64M'): string
    {
        Path::assertTarget($path, 'path');
        $max = Internal\Units::size($maxBytes, 'max bytes');
        $chunk = intdiv($this->info->limit('frame_bytes'), 2);
        $data = '';
        do {
            $r = $this->control('tmpfs/read', ['path' => $path, 'offset' => strlen($data), 'length' => $chunk]);
            $piece = Decode::base64($r['data'] ?? null, 'tmpfs/read data');
            $size = $r['size'] ?? null;
            if (!is_int($size) || !is_bool($r['eof'] ?? null) || strlen($piece) > $chunk) {
                throw $this->broken('tmpfs/read result is malformed');
            }
            if ($size > $max) {
                throw new LimitException(sprintf("'%s' is %d bytes, over the %d allowed", $path, $size, $max), null);
            }
            $data .= $piece;
            if (strlen($data) > $size || ($piece === '' && !$r['eof'])) {
                throw $this->broken('tmpfs/read returned inconsistent sizes');
            }
        } while (!$r['eof']);

        return $data;
    }

    /**
     * Ends the session politely: `shutdown`, then reading until the child
     * exits, killing it if it has not within 2s (REQ-SHUT-3). Idempotent.
     */
    public function close(): void
    {
        if ($this->state === self::STATE_CLOSED) {
            return;
        }
        $this->assertNotRunning('close');
        $this->state = self::STATE_CLOSED;
        try {
            $this->connection->shutdown($this->options->controlTimeoutMs());
        } catch (Exception\SandboxException) {
            // The child is gone or unresponsive: abandon() below ends it.
        }
        $this->connection->abandon();
    }

    /**
     * @param array<string, mixed> $params
     * @param (callable(string, string): void)|null $onOutput
     */
    private function run(string $method, array $params, string $stdin, ?callable $onOutput): Result
    {
        $this->assertReady($method);
        if ($stdin !== '') {
            $params['stdin_data'] = base64_encode($stdin);
        }
        $timeout = $this->info->limit('wall_ms') + $this->options->graceMs();

        $this->state = self::STATE_RUNNING;
        $this->peer->beginRun($this->connection->nextId(), $onOutput);
        try {
            $r = $this->connection->request($method, $params, $timeout);
        } catch (RemoteException $e) {
            $this->state = $e->errorName === 'session_ended' ? self::STATE_ENDED : self::STATE_READY;
            throw $e;
        } catch (InvalidOptionException $e) {
            $this->state = self::STATE_READY;
            throw $e;
        } catch (\Throwable $e) {
            $this->state = self::STATE_CLOSED;
            throw $this->explained($e);
        } finally {
            [$stdout, $stderr] = $this->peer->endRun();
        }

        try {
            $result = Decode::result($r, $stdout, $stderr);
        } catch (ProtocolException $e) {
            throw $this->broken($e->getMessage());
        }
        $this->state = $result->sessionUsable ? self::STATE_READY : self::STATE_ENDED;

        return $result;
    }

    /**
     * A request outside a run (tmpfs, with the control timeout).
     *
     * @param array<string, mixed> $params
     * @return array<array-key, mixed>
     */
    private function control(string $method, array $params): array
    {
        $this->assertNotRunning($method);
        $this->assertCapability('tmpfs');
        if ($this->state === self::STATE_CLOSED) {
            throw new SessionStateException(sprintf('cannot %s: the session is closed', $method));
        }
        try {
            return $this->connection->request($method, $params, $this->options->controlTimeoutMs());
        } catch (RemoteException $e) {
            throw $e;
        } catch (\Throwable $e) {
            $this->state = self::STATE_CLOSED;
            throw $this->explained($e);
        }
    }

    /** REQ-VER-4: a feature whose capability is false is never used. */
    private function assertCapability(string $name): void
    {
        if (($this->info->capabilities[$name] ?? false) !== true) {
            throw new UnsupportedException(sprintf("the child does not support '%s'", $name));
        }
    }

    private function assertReady(string $what): void
    {
        $this->assertNotRunning($what);
        if ($this->state !== self::STATE_READY) {
            throw new SessionStateException(sprintf(
                'cannot %s: the session has %s',
                $what,
                $this->state === self::STATE_ENDED ? 'ended after a fatal outcome' : 'been closed',
            ));
        }
    }

    private function assertNotRunning(string $what): void
    {
        if ($this->state === self::STATE_RUNNING) {
            throw new SessionStateException(sprintf(
                'cannot %s while a run is in progress (only cancel() is allowed from callbacks)',
                $what,
            ));
        }
    }

    /** Adds the child's `ended` notice to the report of its exit. */
    private function explained(\Throwable $e): \Throwable
    {
        $ended = $this->peer->ended();
        if (!$e instanceof ChildExitedException || $ended === null) {
            return $e;
        }

        return new ChildExitedException(
            sprintf('%s; child ended the session (%s: %s)', $e->getMessage(), $ended['reason'], $ended['message']),
            $e->exitCode,
            $e->stderr,
        );
    }

    private function broken(string $message): ProtocolException
    {
        $this->state = self::STATE_CLOSED;
        $this->connection->abandon();

        return new ProtocolException($message);
    }

    private static function assertText(string $value, string $option): void
    {
        if (preg_match('//u', $value) !== 1) {
            throw new InvalidOptionException($option, 'not valid UTF-8');
        }
    }
}
