<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

use PythonSandbox\Exception\SpawnException;

/**
 * The child process: fd 3 (child reads) and fd 4 (child writes) are pipes,
 * stdin and stdout are /dev/null, stderr is a pipe kept as a bounded tail
 * for diagnostics. The environment is exactly the one given. All I/O is
 * non-blocking and multiplexed with stream_select(); kill() and the
 * destructor always reap the process.
 *
 * @internal
 */
final class Process
{
    public const STDERR_KEEP = 65536;
    private const READ_CHUNK = 65536;
    private const SIGKILL = 9;
    private const O_CLOEXEC = 0o2000000;

    /** @var resource|null */
    private $proc;
    /** @var resource|null */
    private $in;
    /** @var resource|null */
    private $out;
    /** @var resource|null */
    private $err;

    private string $pending = '';
    private string $stderr = '';
    private ?int $exitCode = null;

    /**
     * @param resource $proc
     * @param array<int, resource> $pipes
     */
    private function __construct($proc, array $pipes, public readonly string $path)
    {
        $this->proc = $proc;
        $this->in = $pipes[3];
        $this->out = $pipes[4];
        $this->err = $pipes[2];
        foreach ($pipes as $pipe) {
            stream_set_blocking($pipe, false);
        }
    }

    public function __destruct()
    {
        $this->kill();
    }

    /**
     * Starts the child at PATH once ChildTrust has checked it (every start,
     * cold or warm), by its resolved path.
     *
     * @param array<string, string> $env the child's whole environment
     * @throws SpawnException when the child cannot be trusted or started
     */
    public static function spawn(string $path, array $env): self
    {
        $real = ChildTrust::resolve($path);
        $descriptors = [
            0 => ['file', '/dev/null', 'r'],
            1 => ['file', '/dev/null', 'w'],
            2 => ['pipe', 'w'],
            3 => ['pipe', 'r'],
            4 => ['pipe', 'w'],
        ];
        foreach (self::strayDescriptors() as $fd) {
            $descriptors[$fd] = ['file', '/dev/null', 'r'];
        }
        $error = null;
        set_error_handler(static function (int $no, string $msg) use (&$error): bool {
            $error = $msg;
            return true;
        });
        try {
            $proc = proc_open([$real], $descriptors, $pipes, null, $env);
        } finally {
            restore_error_handler();
        }
        if (!is_resource($proc)) {
            $why = $error ?? 'proc_open failed';
            throw new SpawnException(sprintf("cannot start child '%s': %s", $path, $why), $path);
        }

        return new self($proc, $pipes, $path);
    }

    /**
     * Descriptors above 4 that this PHP process holds without close-on-exec
     * (inherited from its own parent, or opened by extensions). PHP cannot
     * close them in the child, so spawn() puts /dev/null in their place:
     * the child inherits nothing of the parent's but fds 0 to 4
     * (REQ-PROC-5). Without /proc there is nothing to find.
     *
     * @return list<int>
     */
    private static function strayDescriptors(): array
    {
        $stray = [];
        foreach (@scandir('/proc/self/fd') ?: [] as $name) {
            if (!ctype_digit($name) || (int) $name <= 4) {
                continue;
            }
            $info = @file_get_contents('/proc/self/fdinfo/' . $name);
            if (is_string($info) && preg_match('/^flags:\s+([0-7]+)$/m', $info, $m) === 1) {
                if ((octdec($m[1]) & self::O_CLOEXEC) === 0) {
                    $stray[] = (int) $name;
                }
            }
        }

        return $stray;
    }

    public function pid(): ?int
    {
        if ($this->proc === null) {
            return null;
        }

        return proc_get_status($this->proc)['pid'];
    }

    /**
     * Queues bytes for fd 3 and writes what the pipe takes at once (a host
     * call's answer goes out without waiting for the next pump()); the
     * rest is written by pump().
     */
    public function write(string $bytes): void
    {
        if ($this->in === null) {
            return;
        }
        $this->pending .= $bytes;
        $this->flush();
    }

    /** Bytes queued for fd 3 that the child has not read yet. */
    public function pendingBytes(): int
    {
        return strlen($this->pending);
    }

    public function hasPendingWrites(): bool
    {
        return $this->pending !== '' && $this->in !== null;
    }

    /**
     * Writes what it can, then waits at most TIMEOUT_US for fd 4, and
     * returns what fd 4 had: a string (maybe empty) or null at EOF.
     */
    public function pump(int $timeoutUs): ?string
    {
        if ($this->out === null) {
            return null;
        }
        $read = [$this->out];
        if ($this->err !== null) {
            $read[] = $this->err;
        }
        $write = $this->hasPendingWrites() ? [$this->in] : [];
        $except = null;
        $ready = @stream_select($read, $write, $except, intdiv($timeoutUs, 1000000), $timeoutUs % 1000000);
        if ($ready === false || $ready === 0) {
            return '';
        }
        if ($write !== []) {
            $this->flush();
        }
        if ($this->err !== null && in_array($this->err, $read, true)) {
            $this->drainStderr();
        }

        return in_array($this->out, $read, true) ? $this->readOut() : '';
    }

    /** Closes fd 3: the child sees EOF and ends the session. */
    public function closeInput(): void
    {
        if ($this->in !== null) {
            fclose($this->in);
            $this->in = null;
            $this->pending = '';
        }
    }

    /** The last STDERR_KEEP bytes of the child's diagnostics. */
    public function stderr(): string
    {
        if ($this->err !== null) {
            $this->drainStderr();
        }

        return $this->stderr;
    }

    /** Whether the process has exited (and records its status). */
    public function hasExited(): bool
    {
        if ($this->proc === null) {
            return true;
        }
        if ($this->exitCode !== null) {
            return true;
        }
        $status = proc_get_status($this->proc);
        if ($status['running']) {
            return false;
        }
        $this->exitCode = $status['signaled'] ? 128 + $status['termsig'] : $status['exitcode'];

        return true;
    }

    /** The exit status once known: the code, or 128 + the signal. */
    public function exitCode(): ?int
    {
        return $this->exitCode;
    }

    /** Kills the child with SIGKILL if it still runs, and reaps it. */
    public function kill(): void
    {
        if ($this->proc === null) {
            return;
        }
        if (!$this->hasExited()) {
            proc_terminate($this->proc, self::SIGKILL);
            // proc_close() would report the signal as a bare number; wait
            // (briefly: SIGKILL cannot be caught) for the status instead.
            for ($i = 0; $i < 1000 && !$this->hasExited(); $i++) {
                usleep(1000);
            }
        }
        $this->reap();
    }

    /**
     * Waits up to TIMEOUT_MS for the child to exit on its own (draining its
     * output meanwhile), then kills it; always reaps.
     */
    public function waitOrKill(int $timeoutMs): void
    {
        $deadline = hrtime(true) + $timeoutMs * 1000000;
        while (!$this->hasExited() && hrtime(true) < $deadline) {
            if ($this->pump(10000) === null) {
                usleep(5000);
            }
        }
        $this->kill();
    }

    private function reap(): void
    {
        $this->stderr();
        $this->closeInput();
        foreach ([$this->out, $this->err] as $pipe) {
            if ($pipe !== null) {
                fclose($pipe);
            }
        }
        $this->out = null;
        $this->err = null;
        $code = proc_close($this->proc);
        $this->proc = null;
        if ($this->exitCode === null && $code !== -1) {
            $this->exitCode = $code;
        }
    }

    private function flush(): void
    {
        $written = @fwrite($this->in, $this->pending);
        if ($written === false) {
            // The child closed fd 3 (EPIPE): nothing more can be sent; its
            // EOF on fd 4 follows and is reported there.
            $this->closeInput();
            return;
        }
        $this->pending = (string) substr($this->pending, $written);
    }

    private function readOut(): ?string
    {
        $data = @fread($this->out, self::READ_CHUNK);
        if ($data === false || ($data === '' && feof($this->out))) {
            return null;
        }

        return $data;
    }

    private function drainStderr(): void
    {
        for ($i = 0; $i < 16; $i++) {
            $data = @fread($this->err, self::READ_CHUNK);
            if ($data === false || $data === '') {
                if ($data === false || feof($this->err)) {
                    fclose($this->err);
                    $this->err = null;
                }
                return;
            }
            $this->stderr = substr($this->stderr . $data, -self::STDERR_KEEP);
        }
    }
}
