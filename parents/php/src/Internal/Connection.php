<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

use PythonSandbox\Exception\ChildExitedException;
use PythonSandbox\Exception\InvalidOptionException;
use PythonSandbox\Exception\ProtocolException;
use PythonSandbox\Exception\RemoteException;
use PythonSandbox\Exception\TimeoutException;

/**
 * The parent's JSON-RPC 2.0 peer on the child's fds 3 and 4.
 *
 * Requests are sent with increasing integer ids and awaited with a
 * deadline; while waiting, the child's own requests and notifications go
 * to the dispatcher. Framing problems the spec lets the session survive
 * (garbage, oversized frames, stray responses) are answered as the spec
 * says and remembered for diagnostics. Whatever escapes a wait (a deadline,
 * the child's exit, a callback's exception) kills the child first.
 *
 * @internal
 */
final class Connection
{
    public const INITIAL_FRAME = 1048576;
    private const MAX_NOTICES = 8;
    private const POLL_US = 250000;
    public const GRACE_MS = 2000;
    private const MAX_ID_BYTES = 256;

    private FrameReader $reader;
    private int $maxFrame = self::INITIAL_FRAME;
    private int $nextId = 1;

    /** @var array<int, true> requests whose answer is awaited */
    private array $awaited = [];

    /** @var array<int, true> requests sent without waiting (their answers are dropped) */
    private array $unawaited = [];

    /** @var array<int, array<array-key, mixed>> answers received, by id */
    private array $answers = [];

    /** @var list<string> */
    private array $notices = [];

    /** Set once `shutdown` is sent: the child's requests get no answer (REQ-SHUT-3). */
    private bool $shuttingDown = false;

    public function __construct(private readonly Process $process, private Dispatcher $dispatcher)
    {
        $this->reader = new FrameReader(self::INITIAL_FRAME);
    }

    /**
     * Hands the child's requests and notifications to DISPATCHER from now
     * on: a warm child is started before its session's host functions and
     * host directories are known.
     */
    public function attach(Dispatcher $dispatcher): void
    {
        $this->dispatcher = $dispatcher;
    }

    public function process(): Process
    {
        return $this->process;
    }

    /** Sets the frame limit of both directions (after initialize). */
    public function setMaxFrame(int $bytes): void
    {
        $this->maxFrame = $bytes;
        $this->reader->setMax($bytes);
    }

    public function maxFrame(): int
    {
        return $this->maxFrame;
    }

    /** The id the next request will carry (a run's id, for its output). */
    public function nextId(): int
    {
        return $this->nextId;
    }

    /**
     * Protocol problems the child caused that the session survived,
     * most recent last.
     *
     * @return list<string>
     */
    public function notices(): array
    {
        return $this->notices;
    }

    /**
     * Sends a request and waits for its answer.
     *
     * @param array<string, mixed>|object $params
     * @return array<array-key, mixed> the result member
     * @throws RemoteException when the child answers with an error
     * @throws TimeoutException when no answer comes within TIMEOUT_MS
     * @throws ChildExitedException when the child goes away first
     */
    public function request(string $method, array|object $params, int $timeoutMs): array
    {
        return $this->finish($this->begin($method, $params), $method, $timeoutMs);
    }

    /**
     * Sends a request whose answer finish() collects later; until then
     * the answer waits in the pipe (or in this object, if another wait
     * reads it first).
     *
     * @param array<string, mixed>|object $params
     * @return int the request's id, for finish()
     */
    public function begin(string $method, array|object $params): int
    {
        $id = $this->send($method, $params);
        $this->awaited[$id] = true;

        return $id;
    }

    /**
     * Waits for the answer to request ID that begin() sent, as request()
     * does.
     *
     * @return array<array-key, mixed> the result member
     * @throws RemoteException when the child answers with an error
     * @throws TimeoutException when no answer comes within TIMEOUT_MS
     * @throws ChildExitedException when the child goes away first
     */
    public function finish(int $id, string $method, int $timeoutMs): array
    {
        try {
            $this->waitFor($id, $method, $timeoutMs);
        } catch (\Throwable $e) {
            $this->abandon();
            throw $e;
        } finally {
            unset($this->awaited[$id]);
        }

        return $this->unwrap($method, $this->takeAnswer($id));
    }

    /**
     * Sends `shutdown` and waits for its answer; from then on the child's
     * requests are left unanswered, as REQ-SHUT-3 requires.
     */
    public function shutdown(int $timeoutMs): void
    {
        $this->shuttingDown = true;
        $this->request('shutdown', Json::object([]), $timeoutMs);
    }

    /**
     * Ends a session the parent can no longer trust (REQ-TIME-4): closes
     * fd 3, gives the child GRACE_MS to exit, then kills and reaps it.
     */
    public function abandon(): void
    {
        $this->process->closeInput();
        $this->process->waitOrKill(self::GRACE_MS);
    }

    /**
     * Sends a request whose answer nobody waits for (cancel from a
     * callback); the answer is dropped when it arrives.
     *
     * @param array<string, mixed>|object $params
     */
    public function sendRequest(string $method, array|object $params): void
    {
        $this->unawaited[$this->send($method, $params)] = true;
    }

    /** @param array<string, mixed>|object $params */
    private function send(string $method, array|object $params): int
    {
        $id = $this->nextId++;
        $this->write(['jsonrpc' => '2.0', 'id' => $id, 'method' => $method, 'params' => $params], $method);

        return $id;
    }

    /** @param array<string, mixed> $message */
    private function write(array $message, string $what): void
    {
        try {
            $frame = Json::encode($message) . "\n";
        } catch (\JsonException $e) {
            throw new InvalidOptionException($what, 'the message cannot be sent as JSON: ' . $e->getMessage());
        }
        if (strlen($frame) > $this->maxFrame) {
            throw new InvalidOptionException(
                $what,
                sprintf('the message is %d bytes, over the frame limit of %d', strlen($frame), $this->maxFrame),
            );
        }
        $this->queue($frame);
    }

    /**
     * A child that keeps sending (garbage, say) without reading fd 3 would
     * make the parent queue answers without end: past two frames and a
     * margin of unread bytes, it is broken.
     */
    private function queue(string $frame): void
    {
        if ($this->process->pendingBytes() + strlen($frame) > 2 * $this->maxFrame + self::INITIAL_FRAME) {
            throw new ProtocolException(sprintf(
                'child does not read its input: %d bytes are waiting for it',
                $this->process->pendingBytes(),
            ));
        }
        $this->process->write($frame);
    }

    private function waitFor(int $id, string $method, int $timeoutMs): void
    {
        $deadline = hrtime(true) + $timeoutMs * 1000000;
        while (!isset($this->answers[$id])) {
            $left = intdiv($deadline - hrtime(true), 1000);
            if ($left <= 0) {
                throw new TimeoutException($this->describe(
                    sprintf("child did not answer '%s' within %d ms; stopped it", $method, $timeoutMs),
                ), null);
            }
            $bytes = $this->process->pump(min($left, self::POLL_US));
            if ($bytes === null) {
                $this->childGone($method);
            }
            foreach ($this->reader->feed($bytes) as $frame) {
                $this->onFrame($frame);
            }
        }
    }

    private function childGone(string $method): never
    {
        $this->process->waitOrKill(1000);
        $message = sprintf("child closed the protocol before answering '%s'", $method);
        if ($this->process->exitCode() !== null) {
            $message .= sprintf(' (exit status %d)', $this->process->exitCode());
        }

        throw new ChildExitedException($this->describe($message), $this->process->exitCode(), $this->process->stderr());
    }

    private function describe(string $message): string
    {
        if ($this->notices === []) {
            return $message;
        }

        return $message . '; earlier: ' . implode('; ', $this->notices);
    }

    private function onFrame(?string $frame): void
    {
        if ($frame === FrameReader::OVERSIZED) {
            $this->refuse(null, 'frame_too_large', sprintf('frame over %d bytes', $this->maxFrame));
            return;
        }
        try {
            $message = Json::decode($frame);
        } catch (\JsonException $e) {
            $this->refuse(null, 'parse_error', 'malformed JSON: ' . $e->getMessage());
            return;
        }
        $this->onMessage($message);
    }

    private function onMessage(mixed $message): void
    {
        if (!is_array($message) || ($message['jsonrpc'] ?? null) !== '2.0') {
            $this->refuse(null, 'invalid_request', 'not a JSON-RPC 2.0 object');
            return;
        }
        $hasId = array_key_exists('id', $message);
        $id = $hasId ? $message['id'] : null;
        $validId = is_int($id) || (is_string($id) && strlen($id) <= self::MAX_ID_BYTES);
        if (!array_key_exists('method', $message)) {
            $this->onAnswer($message, $validId ? $id : null);
            return;
        }
        $params = $message['params'] ?? [];
        if (!is_string($message['method']) || ($hasId && !$validId) || !is_array($params)) {
            $this->refuse($validId ? $id : null, 'invalid_request', 'bad method, id or params');
            return;
        }
        if (!$hasId) {
            // Notifications are never answered; malformed ones are dropped.
            if ($params === [] || !array_is_list($params)) {
                $this->dispatcher->onNotification($message['method'], $params);
            }
            return;
        }
        if ($this->shuttingDown) {
            $this->notice(sprintf("child sent request '%s' after shutdown", $message['method']));
            return;
        }
        if ($params !== [] && array_is_list($params)) {
            $this->answerError($id, new RpcError('invalid_params', 'params must be an object', ['field' => '']));
            return;
        }
        $this->onRequest($message['method'], $params, $id);
    }

    /** @param array<array-key, mixed> $params */
    private function onRequest(string $method, array $params, int|string $id): void
    {
        try {
            $result = $this->dispatcher->onRequest($method, $params);
            $frame = Json::encode(['jsonrpc' => '2.0', 'id' => $id, 'result' => $result]) . "\n";
            $max = min($this->maxFrame, $this->dispatcher->maxAnswerBytes($method));
            if (strlen($frame) > $max) {
                throw self::oversized($method, sprintf('%d bytes, over the limit of %d', strlen($frame), $max));
            }
            $this->queue($frame);
        } catch (RpcError $e) {
            $this->answerError($id, $e);
        } catch (\JsonException $e) {
            $this->answerError($id, self::unsendable($method, $e->getMessage()));
        }
    }

    /**
     * Responses are never answered (REQ-BAD-4); a malformed one for an
     * awaited request fails that request.
     *
     * @param array<array-key, mixed> $message
     */
    private function onAnswer(array $message, int|string|null $id): void
    {
        $awaited = is_int($id) && isset($this->awaited[$id]);
        $hasResult = array_key_exists('result', $message);
        $error = $message['error'] ?? null;
        $validError = is_array($error) && is_int($error['code'] ?? null) && is_string($error['message'] ?? null);
        if ($hasResult === array_key_exists('error', $message) || (!$hasResult && !$validError)) {
            if ($awaited) {
                throw new ProtocolException(sprintf('child sent a malformed response to request %d', $id));
            }
            $this->notice('child sent a malformed response');
            return;
        }
        if (is_int($id) && isset($this->unawaited[$id])) {
            unset($this->unawaited[$id]);
            return;
        }
        if (!$awaited) {
            $this->notice(sprintf('child sent a response for no awaited request: %s', Json::encode($message)));
            return;
        }
        $this->answers[$id] = $message;
    }

    /** @return array<array-key, mixed> */
    private function takeAnswer(int $id): array
    {
        $answer = $this->answers[$id];
        unset($this->answers[$id]);

        return $answer;
    }

    /**
     * @param array<array-key, mixed> $answer
     * @return array<array-key, mixed>
     */
    private function unwrap(string $method, array $answer): array
    {
        if (array_key_exists('result', $answer)) {
            $result = $answer['result'];
            if (!is_array($result)) {
                throw new RemoteException($method, ErrorCode::CODES['internal_error'], 'internal_error', sprintf(
                    'the child answered with a %s, not an object',
                    get_debug_type($result),
                ), null);
            }

            return $result;
        }

        $error = $answer['error'];
        $code = is_int($error['code'] ?? null) ? $error['code'] : ErrorCode::CODES['internal_error'];
        $text = is_string($error['message'] ?? null) ? $error['message'] : 'no message';
        $data = is_array($error['data'] ?? null) ? $error['data'] : null;

        throw new RemoteException($method, $code, ErrorCode::name($code), $text, $data);
    }

    private function refuse(int|string|null $id, string $name, string $message): void
    {
        $this->notice(sprintf('child sent a bad frame (%s: %s)', $name, $message));
        $this->answerError($id, new RpcError($name, $message));
    }

    private function answerError(int|string|null $id, RpcError $error): void
    {
        $this->write(['jsonrpc' => '2.0', 'id' => $id, 'error' => $error->toProtocol()], 'error answer');
    }

    private function notice(string $notice): void
    {
        $this->notices[] = substr($notice, 0, 300);
        if (count($this->notices) > self::MAX_NOTICES) {
            array_shift($this->notices);
        }
    }

    /** An answer over the frame (or host-call) limit, as METHOD's callers expect it. */
    private static function oversized(string $method, string $why): RpcError
    {
        $message = 'the answer is too large: ' . $why;

        return match (true) {
            $method === 'host/call' => new RpcError('host_error', $message, ['type' => 'ValueError']),
            str_starts_with($method, 'hostfs/') => new RpcError('fs_error', $message, ['errno' => 'EACCES']),
            default => new RpcError('internal_error', $message),
        };
    }

    /** A value JSON cannot carry (invalid UTF-8, NAN, too deep). */
    private static function unsendable(string $method, string $why): RpcError
    {
        $message = 'the answer cannot be sent as JSON: ' . $why;

        return $method === 'host/call'
            ? new RpcError('host_error', $message, ['type' => 'TypeError'])
            : new RpcError('internal_error', $message);
    }
}
