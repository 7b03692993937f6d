<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * The child answered a request with a JSON-RPC error (protocol/SPEC.md,
 * "Error codes"): for example `invalid_params`, `setup_failed`, `busy` or
 * `not_found`.
 */
final class RemoteException extends \RuntimeException implements SandboxException
{
    /**
     * @param array<array-key, mixed>|null $data the error's `data` member
     */
    public function __construct(
        public readonly string $method,
        public readonly int $errorCode,
        public readonly string $errorName,
        string $message,
        public readonly ?array $data,
    ) {
        parent::__construct(sprintf('%s failed: %s (%s)', $method, $message, $errorName), $errorCode);
    }
}
