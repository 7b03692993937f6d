<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

/**
 * An error answer the parent sends to one of the child's requests.
 *
 * @internal
 */
final class RpcError extends \Exception
{
    /** @param array<string, mixed>|null $data */
    public function __construct(public readonly string $name, string $message, public readonly ?array $data = null)
    {
        parent::__construct($message, ErrorCode::CODES[$name]);
    }

    /** @return array{code: int, message: string, data?: array<string, mixed>} */
    public function toProtocol(): array
    {
        $error = ['code' => $this->getCode(), 'message' => $this->getMessage()];
        if ($this->data !== null) {
            $error['data'] = $this->data;
        }

        return $error;
    }
}
