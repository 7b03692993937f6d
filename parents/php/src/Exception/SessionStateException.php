<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * The session cannot take this call in its current state: it is closed,
 * a fatal outcome ended it, or a run is already in progress (a host function
 * or output callback tried to start another one).
 */
final class SessionStateException extends \LogicException implements SandboxException
{
}
