<?php

declare(strict_types=1);

namespace PythonSandbox;

use PythonSandbox\Exception\InvalidOptionException;
use PythonSandbox\Filesystem\Bind;
use PythonSandbox\Filesystem\Device;
use PythonSandbox\Filesystem\Entry;
use PythonSandbox\Filesystem\File;
use PythonSandbox\Filesystem\Host;
use PythonSandbox\Filesystem\HostDirectory;
use PythonSandbox\Filesystem\Path;
use PythonSandbox\Filesystem\Tmpfs;
use PythonSandbox\Internal\Units;

/**
 * Everything a sandbox is started with. Immutable: every with*() method
 * returns a changed copy and validates its input on the spot, so a bad
 * option fails where it is written, not when the child is started.
 *
 * Limits left unset take the child's defaults (protocol/SPEC.md).
 */
final class Options
{
    public const MAX_ENTRIES = 256;
    public const MAX_FUNCTIONS = 256;
    public const FRAME_MIN = 65536;
    public const FRAME_MAX = 67108864;
    public const MAX_ARGV = 1024;
    public const MAX_STRING = 32768;

    /** protocol name => [option name, minimum, maximum] (protocol/SPEC.md, initialize limits) */
    private const LIMITS = [
        'memory_bytes' => ['memory limit', 33554432, 1099511627776],
        'cpu_ms' => ['cpu time limit', 1, 86400000],
        'wall_ms' => ['wall time limit', 1, 86400000],
        'output_bytes' => ['output limit', 0, 1073741824],
        'open_files' => ['open files limit', 16, 65536],
        'threads' => ['threads limit', 1, 1024],
        'host_call_bytes' => ['host call size limit', 1024, 67108864],
        'frame_bytes' => ['frame size limit', self::FRAME_MIN, self::FRAME_MAX],
        'file_bytes' => ['file size limit', 0, 1099511627776],
    ];
    /** Backstop waits of protocol/SPEC.md REQ-TIME-3. */
    public const DEFAULT_GRACE_MS = 5000;
    public const DEFAULT_START_TIMEOUT_MS = 30000;
    public const DEFAULT_CONTROL_TIMEOUT_MS = 5000;

    /** @var array<string, int> protocol limit name => value */
    private array $limits = [];

    /** @var array<string, Entry> target => entry, in insertion order */
    private array $filesystem = [];

    private bool $defaults = true;

    /** @var array<string, string>|null */
    private ?array $env = null;

    /** @var list<string>|null */
    private ?array $argv = null;

    private ?string $cwd = null;

    /** @var array<string, callable> */
    private array $functions = [];

    private ?string $childPath = null;

    /** @var array<string, string> */
    private array $childEnvironment = [];

    private int $verbosity = 0;
    private int $graceMs = self::DEFAULT_GRACE_MS;
    private int $startTimeoutMs = self::DEFAULT_START_TIMEOUT_MS;
    private int $controlTimeoutMs = self::DEFAULT_CONTROL_TIMEOUT_MS;

    /**
     * Sets limits; sizes take bytes or strings like '256M', durations
     * milliseconds or strings like '5s'. Null leaves a limit as it was.
     */
    public function withLimits(
        int|string|null $memory = null,
        int|string|null $cpuTime = null,
        int|string|null $wallTime = null,
        int|string|null $output = null,
        ?int $openFiles = null,
        ?int $threads = null,
        int|string|null $hostCallSize = null,
        int|string|null $frameSize = null,
        int|string|null $fileSize = null,
    ): self {
        $given = [
            'memory_bytes' => $memory, 'cpu_ms' => $cpuTime, 'wall_ms' => $wallTime, 'output_bytes' => $output,
            'open_files' => $openFiles, 'threads' => $threads, 'host_call_bytes' => $hostCallSize,
            'frame_bytes' => $frameSize, 'file_bytes' => $fileSize,
        ];
        $limits = [];
        foreach (array_filter($given, static fn ($v): bool => $v !== null) as $name => $value) {
            [$option, $min, $max] = self::LIMITS[$name];
            $isTime = str_ends_with($name, '_ms');
            $parsed = $isTime ? Units::duration($value, $option) : Units::size($value, $option);
            $limits[$name] = Units::inRange($parsed, $min, $max, $option);
        }

        $copy = clone $this;
        $copy->limits = $limits + $this->limits;
        return $copy;
    }

    /** Adds an entry; a later entry at the same target replaces the earlier one. */
    public function withMount(Entry $entry): self
    {
        $copy = clone $this;
        unset($copy->filesystem[$entry->target()]);
        $copy->filesystem[$entry->target()] = $entry;
        if (count($copy->filesystem) > self::MAX_ENTRIES) {
            throw new InvalidOptionException('filesystem', sprintf('more than %d entries', self::MAX_ENTRIES));
        }

        return $copy;
    }

    /**
     * @param list<string> $include
     * @param list<string> $exclude
     */
    public function withBind(string $source, string $target, array $include = [], array $exclude = []): self
    {
        return $this->withMount(new Bind($source, $target, $include, $exclude));
    }

    public function withFile(string $target, string $contents, int $mode = 0o644): self
    {
        return $this->withMount(new File($target, $contents, $mode));
    }

    public function withTmpfs(string $target, int|string|null $maxBytes = null, ?int $maxFiles = null): self
    {
        return $this->withMount(new Tmpfs($target, $maxBytes, $maxFiles));
    }

    public function withHostDirectory(string $target, HostDirectory $directory): self
    {
        return $this->withMount(new Host($target, $directory));
    }

    public function withDevice(string $target, string $device): self
    {
        return $this->withMount(new Device($target, $device));
    }

    /** Starts from an empty filesystem instead of the default layout. */
    public function withoutDefaults(): self
    {
        $copy = clone $this;
        $copy->defaults = false;
        return $copy;
    }

    /** @param array<string, string> $env the Python code's whole environment */
    public function withEnv(array $env): self
    {
        $copy = clone $this;
        $copy->env = self::stringMap($env, 'env');
        return $copy;
    }

    /** @param list<string> $argv sys.argv */
    public function withArgv(array $argv): self
    {
        if (!array_is_list($argv) || count($argv) > self::MAX_ARGV) {
            throw new InvalidOptionException('argv', sprintf('expected a list of at most %d strings', self::MAX_ARGV));
        }
        foreach ($argv as $arg) {
            if (!is_string($arg) || !self::isText($arg)) {
                throw new InvalidOptionException('argv', 'every argument must be a UTF-8 string without NUL');
            }
        }

        $copy = clone $this;
        $copy->argv = $argv;
        return $copy;
    }

    public function withCwd(string $cwd): self
    {
        $copy = clone $this;
        $copy->cwd = Path::assertTarget($cwd, 'cwd');
        return $copy;
    }

    /**
     * Exposes a PHP callable to the Python code as `sandbox.call(NAME, ...)`.
     * Arguments arrive as PHP values (positional, then named); the return
     * value goes back as JSON. See docs/php.md for the exception mapping.
     */
    public function withFunction(string $name, callable $function): self
    {
        if (!preg_match('/^[A-Za-z_][A-Za-z0-9_]{0,127}$/', $name)) {
            throw new InvalidOptionException('host function name', sprintf("'%s' is not a Python identifier", $name));
        }
        $copy = clone $this;
        $copy->functions[$name] = $function;
        if (count($copy->functions) > self::MAX_FUNCTIONS) {
            throw new InvalidOptionException('host functions', sprintf('more than %d', self::MAX_FUNCTIONS));
        }

        return $copy;
    }

    /** The child binary; otherwise PYSANDBOX_CHILD, then the install location. */
    public function withChildPath(string $path): self
    {
        if ($path === '') {
            throw new InvalidOptionException('child path', 'empty');
        }
        $copy = clone $this;
        $copy->childPath = $path;
        return $copy;
    }

    /**
     * The environment of the child process itself (not of the Python
     * code); empty by default, nothing of the parent's is passed on.
     *
     * @param array<string, string> $env
     */
    public function withChildEnvironment(array $env): self
    {
        $copy = clone $this;
        $copy->childEnvironment = self::stringMap($env, 'child environment');
        return $copy;
    }

    public function withVerbosity(int $verbosity): self
    {
        if ($verbosity < 0 || $verbosity > 3) {
            throw new InvalidOptionException('verbosity', sprintf('%d is outside 0..3', $verbosity));
        }
        $copy = clone $this;
        $copy->verbosity = $verbosity;
        return $copy;
    }

    /**
     * Timeouts of the parent's own backstops: how long past the wall-time
     * limit a run may take before the child is given up (grace, default
     * 5s), how long start-up may take (30s), and how long tmpfs and
     * shutdown requests may (5s). A child that misses one is treated as
     * broken: fd 3 is closed, and it is killed 2s later if still running.
     */
    public function withTimeouts(
        int|string|null $grace = null,
        int|string|null $start = null,
        int|string|null $control = null,
    ): self {
        $copy = clone $this;
        $copy->graceMs = $grace === null ? $this->graceMs : Units::duration($grace, 'grace period');
        $copy->startTimeoutMs = $start === null ? $this->startTimeoutMs : Units::duration($start, 'start timeout');
        $copy->controlTimeoutMs = $control === null
            ? $this->controlTimeoutMs
            : Units::duration($control, 'control timeout');
        return $copy;
    }

    /**
     * The `initialize` params these options describe.
     *
     * @return array<string, mixed>
     */
    public function toInitializeParams(): array
    {
        $params = [
            'protocol_version' => '1.0',
            'limits' => (object) $this->limits,
            'filesystem' => array_values(array_map(static fn (Entry $e): array => $e->toProtocol(), $this->filesystem)),
            'defaults' => $this->defaults,
            'host_functions' => array_map(static fn (string $n): array => ['name' => $n], array_keys($this->functions)),
            'verbosity' => $this->verbosity,
        ];
        if ($this->env !== null) {
            $params['env'] = (object) $this->env;
        }
        if ($this->argv !== null) {
            $params['argv'] = $this->argv;
        }
        if ($this->cwd !== null) {
            $params['cwd'] = $this->cwd;
        }

        return $params;
    }

    /** @return array<string, int> */
    public function limits(): array
    {
        return $this->limits;
    }

    /** @return array<string, callable> */
    public function functions(): array
    {
        return $this->functions;
    }

    /** @return array<string, HostDirectory> target => directory */
    public function hostDirectories(): array
    {
        $mounts = [];
        foreach ($this->filesystem as $target => $entry) {
            if ($entry instanceof Host) {
                $mounts[$target] = $entry->directory;
            }
        }

        return $mounts;
    }

    public function childPath(): ?string
    {
        return $this->childPath;
    }

    /** @return array<string, string> */
    public function childEnvironment(): array
    {
        return $this->childEnvironment;
    }

    public function verbosity(): int
    {
        return $this->verbosity;
    }

    public function graceMs(): int
    {
        return $this->graceMs;
    }

    public function startTimeoutMs(): int
    {
        return $this->startTimeoutMs;
    }

    public function controlTimeoutMs(): int
    {
        return $this->controlTimeoutMs;
    }

    /**
     * @param array<array-key, mixed> $map
     * @return array<string, string>
     */
    private static function stringMap(array $map, string $option): array
    {
        $clean = [];
        foreach ($map as $key => $value) {
            $key = (string) $key;
            if ($key === '' || str_contains($key, '=') || !self::isText($key) || !is_string($value)) {
                throw new InvalidOptionException($option, sprintf("'%s' is not a NAME => string pair", $key));
            }
            if (!self::isText($value)) {
                $why = "the value of '%s' is not UTF-8 without NUL, of at most %d characters";
                throw new InvalidOptionException($option, sprintf($why, $key, self::MAX_STRING));
            }
            $clean[$key] = $value;
        }

        return $clean;
    }

    private static function isText(string $s): bool
    {
        return !str_contains($s, "\0") && preg_match('//u', $s) === 1 && mb_strlen($s, 'UTF-8') <= self::MAX_STRING;
    }
}
