<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * The jail died of a signal (outcome `crash`); see `$result->signal`.
 */
final class CrashException extends RunException
{
}
