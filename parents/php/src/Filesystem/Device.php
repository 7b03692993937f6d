<?php

declare(strict_types=1);

namespace PythonSandbox\Filesystem;

use PythonSandbox\Exception\InvalidOptionException;

/**
 * One of the harmless devices: `null`, `zero` or `urandom`.
 */
final class Device implements Entry
{
    public const DEVICES = ['null', 'zero', 'urandom'];

    public function __construct(public readonly string $target, public readonly string $device)
    {
        Path::assertTarget($target, 'device target');
        if (!in_array($device, self::DEVICES, true)) {
            throw new InvalidOptionException('device', sprintf("'%s' is not one of null, zero, urandom", $device));
        }
    }

    public function target(): string
    {
        return $this->target;
    }

    public function toProtocol(): array
    {
        return ['type' => 'device', 'target' => $this->target, 'device' => $this->device];
    }
}
