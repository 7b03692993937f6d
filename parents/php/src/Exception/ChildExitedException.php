<?php

declare(strict_types=1);

namespace PythonSandbox\Exception;

/**
 * The child closed its end of the protocol or exited while the parent still
 * expected an answer. The child's last diagnostics are kept for the log.
 */
final class ChildExitedException extends \RuntimeException implements SandboxException
{
    public function __construct(
        string $message,
        public readonly ?int $exitCode,
        public readonly string $stderr,
    ) {
        parent::__construct(self::withDiagnostics($message, $stderr));
    }

    private static function withDiagnostics(string $message, string $stderr): string
    {
        $stderr = trim($stderr);
        if ($stderr === '') {
            return $message;
        }

        $lines = explode("\n", $stderr);
        return $message . '; child stderr: ' . end($lines);
    }
}
