<?php

declare(strict_types=1);

namespace WikiExample;

use PythonSandbox\Exception\SandboxException;
use PythonSandbox\HostError;
use PythonSandbox\Options;
use PythonSandbox\Result;
use PythonSandbox\Sandbox;
use PythonSandbox\Session;

/**
 * Runs `{{#invoke:Module|function|args...}}` the way a wiki would: the
 * module comes from the database through the host directory /wiki/modules,
 * the code may read pages through the host function `page`, and each page
 * render gets one session, shared by all its invocations.
 */
final class Wiki
{
    private const MODULES = '/wiki/modules';

    private Sandbox $sandbox;
    private ?Session $session = null;

    public function __construct(ModuleStore $store, Options $options = new Options())
    {
        $this->sandbox = new Sandbox($options
            ->withLimits(memory: '256M', cpuTime: '2s', wallTime: '5s', output: '1M')
            ->withHostDirectory(self::MODULES, new ModuleDirectory($store))
            ->withFunction('page', fn (string $title): string => $store->page($title)
                ?? throw new HostError('KeyError', sprintf("no page '%s'", $title))));
    }

    /**
     * Calls FUNCTION of MODULE with ARGS and returns what it returned, as
     * text for the page; failures become a short error for the reader.
     *
     * @param list<string> $args
     */
    public function invoke(string $module, string $function, array $args): string
    {
        try {
            $result = $this->session()->invoke($module . '.' . $function, $args);
        } catch (SandboxException $e) {
            $this->session = null;
            return sprintf('<strong class="error">script error: %s</strong>', htmlspecialchars($e->getMessage()));
        }

        return $this->render($result);
    }

    public function close(): void
    {
        $this->session?->close();
        $this->session = null;
    }

    private function session(): Session
    {
        if ($this->session === null || !$this->session->isUsable()) {
            $this->session = $this->sandbox->start();
            // A JSON string without escaped slashes is a valid Python literal.
            $path = json_encode(self::MODULES, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
            $this->session->execute("import sys\nsys.path.insert(0, $path)")->orThrow();
        }

        return $this->session;
    }

    private function render(Result $result): string
    {
        if (!$result->isOk()) {
            $why = $result->exception === null ? $result->outcome->value : $result->exception->type;
            return sprintf('<strong class="error">script error: %s</strong>', htmlspecialchars($why));
        }

        // Everything from the sandbox is untrusted: escape before rendering.
        return htmlspecialchars(is_string($result->value) ? $result->value : json_encode($result->value));
    }
}
