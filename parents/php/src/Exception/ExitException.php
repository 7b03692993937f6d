<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * The Python code called sys.exit() or raised SystemExit (outcome `exit`).
 */
final class ExitException extends RunException
{
}
