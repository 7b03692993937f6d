<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

use PythonSandbox\Exception\ProtocolException;

/**
 * The parent's side of the child's requests and notifications: output of
 * the current run (to its callback or collected), host function calls,
 * host-served filesystem lookups and the `ended` notice.
 *
 * @internal
 */
final class Peer implements Dispatcher
{
    private ?int $run = null;

    /** @var (callable(string, string): void)|null */
    private $onOutput = null;

    private string $stdout = '';
    private string $stderr = '';
    private int $outputBytes = 0;

    private int $maxOutput = PHP_INT_MAX;
    private int $maxHostCall = 1048576;
    private int $maxFile = 67108864;

    /** @var array{reason: string, message: string}|null */
    private ?array $ended = null;

    public function __construct(private readonly HostFunctions $functions, private readonly HostFsServer $hostfs)
    {
    }

    public function setLimits(int $output, int $hostCall, int $file): void
    {
        $this->maxOutput = $output;
        $this->maxHostCall = $hostCall;
        $this->maxFile = $file;
    }

    /** @param (callable(string, string): void)|null $onOutput */
    public function beginRun(int $id, ?callable $onOutput): void
    {
        $this->run = $id;
        $this->onOutput = $onOutput;
        $this->stdout = '';
        $this->stderr = '';
        $this->outputBytes = 0;
    }

    /** @return array{string, string} collected stdout and stderr */
    public function endRun(): array
    {
        $output = [$this->stdout, $this->stderr];
        $this->run = null;
        $this->onOutput = null;
        $this->stdout = '';
        $this->stderr = '';

        return $output;
    }

    /** @return array{reason: string, message: string}|null */
    public function ended(): ?array
    {
        return $this->ended;
    }

    public function onRequest(string $method, array $params): array|object
    {
        if ($method === 'host/call') {
            if (!$this->isCurrentRun($params['run'] ?? null)) {
                throw new RpcError('invalid_params', 'host/call outside the current run', ['field' => '/run']);
            }

            return $this->functions->call($params);
        }
        if (in_array($method, ['hostfs/stat', 'hostfs/read', 'hostfs/list'], true)) {
            $run = $params['run'] ?? null;
            if ($run !== null && !$this->isCurrentRun($run)) {
                $why = sprintf('%s for a run that is not in progress', $method);
                throw new RpcError('invalid_params', $why, ['field' => '/run']);
            }

            return $this->hostfs->handle($method, $params, $this->maxFile);
        }

        throw new RpcError('method_not_found', sprintf("the parent has no method '%s'", $method));
    }

    public function onNotification(string $method, array $params): void
    {
        if ($method === 'output') {
            $this->onOutputNotification($params);
        } elseif ($method === 'ended') {
            $this->ended = [
                'reason' => is_string($params['reason'] ?? null) ? $params['reason'] : 'unknown',
                'message' => is_string($params['message'] ?? null) ? $params['message'] : '',
            ];
        }
    }

    public function maxAnswerBytes(string $method): int
    {
        return $method === 'host/call' ? $this->maxHostCall : PHP_INT_MAX;
    }

    /**
     * Output of another run is ignored (REQ-STATE-7); malformed output of
     * the current run fails it (REQ-BAD-16).
     *
     * @param array<array-key, mixed> $params
     */
    private function onOutputNotification(array $params): void
    {
        if (!$this->isCurrentRun($params['run'] ?? null)) {
            return;
        }
        $stream = $params['stream'] ?? null;
        if ($stream !== 'stdout' && $stream !== 'stderr') {
            throw new ProtocolException('output notification with an unknown stream');
        }
        $data = Decode::base64($params['data'] ?? null, 'output data');
        $this->outputBytes += strlen($data);
        if ($this->outputBytes > $this->maxOutput) {
            throw new ProtocolException(sprintf('child sent more output than the limit of %d bytes', $this->maxOutput));
        }

        if ($this->onOutput !== null) {
            ($this->onOutput)($stream, $data);
        } elseif ($stream === 'stdout') {
            $this->stdout .= $data;
        } else {
            $this->stderr .= $data;
        }
    }

    private function isCurrentRun(mixed $run): bool
    {
        return $this->run !== null && $run === $this->run;
    }
}
