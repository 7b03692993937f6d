<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Internal;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\RemoteException;
use PythonSandbox\Internal\Connection;
use PythonSandbox\Internal\HostFsServer;
use PythonSandbox\Internal\HostFunctions;
use PythonSandbox\Internal\Json;
use PythonSandbox\Internal\Peer;
use PythonSandbox\Internal\Process;
use PythonSandbox\Tests\Fake;

/**
 * The JSON-RPC peer on its own, against the fake child, for what the
 * Session does not show: the child's exit status and the notices.
 */
final class ConnectionTest extends TestCase
{
    private Process $process;
    private Connection $connection;

    private function open(string $mode): void
    {
        $this->process = Process::spawn(Fake::CHILD, []);
        $this->connection = new Connection($this->process, new Peer(new HostFunctions([]), new HostFsServer([])));
        $params = ['protocol_version' => '1.0', 'env' => Json::object(['FAKE_MODE' => $mode])];
        $this->connection->request('initialize', $params, 5000);
    }

    protected function tearDown(): void
    {
        $this->process->kill();
    }

    public function testLeavesRequestsAfterShutdownUnanswered(): void
    {
        $this->open('late-request');

        $this->connection->shutdown(5000);
        $this->process->closeInput();
        $this->process->waitOrKill(2000);

        // The fake exits 97 when it gets an answer to its late request.
        self::assertSame(0, $this->process->exitCode(), $this->process->stderr());
        self::assertSame(["child sent request 'fake/late' after shutdown"], $this->connection->notices());
    }

    public function testAnswersOfUnawaitedRequestsAreDroppedQuietly(): void
    {
        $this->open('normal');

        $this->connection->sendRequest('cancel', Json::object([]));
        $this->connection->request('execute', ['code' => '[]'], 5000);

        self::assertSame([], $this->connection->notices());
    }

    public function testAnAnswerReadDuringAnotherWaitIsKeptForFinish(): void
    {
        $this->open('normal');

        $early = $this->connection->begin('no/such', Json::object([]));
        $this->connection->request('execute', ['code' => '[]'], 5000);

        self::assertSame([], $this->connection->notices());
        $this->expectExceptionMessage('no/such failed: method not found (method_not_found)');
        $this->connection->finish($early, 'no/such', 1);
    }

    public function testErrorAnswersBecomeRemoteExceptions(): void
    {
        $this->open('normal');

        try {
            $this->connection->request('no/such', Json::object([]), 5000);
            self::fail('no exception');
        } catch (RemoteException $e) {
            self::assertSame(-32601, $e->errorCode);
            self::assertSame('method_not_found', $e->errorName);
        }
        self::assertTrue(!$this->process->hasExited());
    }
}
