<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * Marker interface of every exception this package throws.
 *
 * Catch it to handle any sandbox failure in one place; catch a concrete
 * class to handle one failure mode.
 */
interface SandboxException extends \Throwable
{
}
