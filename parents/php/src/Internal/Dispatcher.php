<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

/**
 * What the connection hands the child's requests and notifications to.
 *
 * @internal
 */
interface Dispatcher
{
    /**
     * Answers a request of the child.
     *
     * @param array<array-key, mixed> $params
     * @return array<string, mixed>|object the `result` member
     * @throws RpcError to answer with an error
     */
    public function onRequest(string $method, array $params): array|object;

    /** @param array<array-key, mixed> $params */
    public function onNotification(string $method, array $params): void;

    /** The longest answer frame METHOD may get (besides the frame limit). */
    public function maxAnswerBytes(string $method): int;
}
