<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * The child reported a capability as false (initialize `capabilities`), so
 * the feature is not used: the protocol forbids it (REQ-VER-4).
 */
final class UnsupportedException extends \LogicException implements SandboxException
{
}
