<?php

declare(strict_types=1);

namespace PythonSandbox;

use PythonSandbox\Exception\RunException;
use PythonSandbox\Exception\SandboxException;

/**
 * Entry point: a sandbox configuration from which sessions are started.
 *
 *     $sandbox = new Sandbox((new Options())->withLimits(memory: '256M', wallTime: '5s'));
 *     $result = $sandbox->run('print(6 * 7)');
 *     echo $result->stdout;
 *
 * run() and mustRun() start a fresh child for one piece of code and close
 * it afterwards; start() gives a Session for several runs.
 */
final class Sandbox
{
    public function __construct(private readonly Options $options = new Options())
    {
    }

    public function options(): Options
    {
        return $this->options;
    }

    /** @throws SandboxException */
    public function start(): Session
    {
        return Session::start($this->options);
    }

    /**
     * Runs CODE in a fresh session and returns its result, whatever the
     * outcome; throws only when the sandbox itself failed.
     *
     * @param (callable(string, string): void)|null $onOutput
     * @throws SandboxException
     */
    public function run(string $code, ?callable $onOutput = null, string $stdin = ''): Result
    {
        $session = $this->start();
        try {
            return $session->execute($code, $onOutput, '<string>', $stdin);
        } finally {
            $session->close();
        }
    }

    /**
     * Like run(), but throws the outcome's RunException unless it is `ok`.
     *
     * @param (callable(string, string): void)|null $onOutput
     * @throws RunException
     * @throws SandboxException
     */
    public function mustRun(string $code, ?callable $onOutput = null, string $stdin = ''): Result
    {
        return $this->run($code, $onOutput, $stdin)->orThrow();
    }
}
