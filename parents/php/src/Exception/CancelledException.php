<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * The run was cancelled (outcome `cancelled`); the session has ended.
 */
final class CancelledException extends RunException
{
}
