<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * A session was asked of a pool after close(); sessions it handed out
 * before are unaffected.
 */
final class PoolClosedException extends \LogicException implements SandboxException
{
}
