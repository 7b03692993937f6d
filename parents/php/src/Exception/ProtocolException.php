<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * The child sent something protocol/SPEC.md does not allow where the parent
 * cannot continue (a malformed result, a wrong version, output for another
 * run). The child has been killed when this is thrown.
 */
final class ProtocolException extends \RuntimeException implements SandboxException
{
}
