<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\InvalidOptionException;
use PythonSandbox\Filesystem\ArrayDirectory;
use PythonSandbox\Options;

final class OptionsTest extends TestCase
{
    public function testDefaultsSendOnlyWhatIsNeeded(): void
    {
        $params = json_decode(json_encode((new Options())->toInitializeParams(), JSON_THROW_ON_ERROR));

        self::assertSame('1.0', $params->protocol_version);
        self::assertEquals(new \stdClass(), $params->limits);
        self::assertSame([], $params->filesystem);
        self::assertTrue($params->defaults);
        self::assertSame([], $params->host_functions);
        self::assertFalse(property_exists($params, 'env'));
        self::assertFalse(property_exists($params, 'argv'));
    }

    public function testWithMethodsReturnChangedCopies(): void
    {
        $base = new Options();
        $changed = $base->withLimits(memory: '256M')->withCwd('/work');

        self::assertSame([], $base->limits());
        self::assertSame(['memory_bytes' => 268435456], $changed->limits());
    }

    public function testLimitsUseProtocolNamesAndUnits(): void
    {
        $options = (new Options())
            ->withLimits(memory: '256M', cpuTime: '2s', wallTime: '5s', output: '1M')
            ->withLimits(openFiles: 32, threads: 4, hostCallSize: '64K', frameSize: '1M', fileSize: 1000)
            ->withLimits(wallTime: 750);

        $limits = $options->limits();
        ksort($limits);
        self::assertSame([
            'cpu_ms' => 2000, 'file_bytes' => 1000, 'frame_bytes' => 1048576, 'host_call_bytes' => 65536,
            'memory_bytes' => 268435456, 'open_files' => 32, 'output_bytes' => 1048576, 'threads' => 4,
            'wall_ms' => 750,
        ], $limits);
    }

    public function testZeroOutputAndFileSizesAreAllowed(): void
    {
        $options = (new Options())->withLimits(output: 0, fileSize: '0');

        self::assertSame(['output_bytes' => 0, 'file_bytes' => 0], $options->limits());
    }

    public function testFrameSizeMustBeInTheSpecRange(): void
    {
        $this->expectExceptionMessage('invalid frame size limit: 1024 is outside 65536..67108864');

        (new Options())->withLimits(frameSize: '1K');
    }

    public function testFilesystemEntriesInOrderWithLaterReplacingEarlier(): void
    {
        $dir = new ArrayDirectory(['m.py' => '']);
        $options = (new Options())
            ->withBind('/srv/data', '/data', ['*.csv'], ['secret/*'])
            ->withFile('/main.py', "print('hi')\n", 0o600)
            ->withTmpfs('/out', '1M', 10)
            ->withHostDirectory('/modules', $dir)
            ->withDevice('/dev/null', 'null')
            ->withFile('/data', 'replaced');

        self::assertSame([
            ['type' => 'file', 'target' => '/main.py', 'data' => base64_encode("print('hi')\n"), 'mode' => 0o600],
            ['type' => 'tmpfs', 'target' => '/out', 'max_bytes' => 1048576, 'max_files' => 10],
            ['type' => 'host', 'target' => '/modules'],
            ['type' => 'device', 'target' => '/dev/null', 'device' => 'null'],
            ['type' => 'file', 'target' => '/data', 'data' => base64_encode('replaced'), 'mode' => 0o644],
        ], $options->toInitializeParams()['filesystem']);
        self::assertSame(['/modules' => $dir], $options->hostDirectories());
    }

    public function testBindIsSentWithItsGlobs(): void
    {
        $params = (new Options())->withBind('/srv', '/srv', ['*.py'])->toInitializeParams();

        $bind = ['type' => 'bind', 'source' => '/srv', 'target' => '/srv', 'include' => ['*.py']];
        self::assertSame([$bind], $params['filesystem']);
    }

    public function testEnvArgvCwdFunctionsAndVerbosity(): void
    {
        $params = (new Options())
            ->withEnv(['LANG' => 'C.UTF-8'])
            ->withArgv(['prog', 'arg'])
            ->withCwd('/tmp')
            ->withFunction('lookup', 'strtoupper')
            ->withVerbosity(2)
            ->withoutDefaults()
            ->toInitializeParams();

        self::assertEquals((object) ['LANG' => 'C.UTF-8'], $params['env']);
        self::assertSame(['prog', 'arg'], $params['argv']);
        self::assertSame('/tmp', $params['cwd']);
        self::assertSame([['name' => 'lookup']], $params['host_functions']);
        self::assertSame(2, $params['verbosity']);
        self::assertFalse($params['defaults']);
    }

    public function testEmptyEnvIsStillAnObject(): void
    {
        self::assertSame('{}', json_encode((new Options())->withEnv([])->toInitializeParams()['env']));
    }

    /** @return array<string, array{callable(Options): mixed, string}> */
    public static function badOptions(): array
    {
        return [
            'env with =' => [fn (Options $o) => $o->withEnv(['A=B' => 'x']), 'invalid env'],
            'env non-string' => [fn (Options $o) => $o->withEnv(['A' => 1]), 'invalid env'],
            'env nul' => [fn (Options $o) => $o->withEnv(['A' => "x\0"]), 'invalid env'],
            'argv map' => [fn (Options $o) => $o->withArgv(['a' => 'b']), 'invalid argv'],
            'argv int' => [fn (Options $o) => $o->withArgv([1]), 'invalid argv'],
            'cwd relative' => [fn (Options $o) => $o->withCwd('tmp'), 'invalid cwd'],
            'function name' => [fn (Options $o) => $o->withFunction('1bad', 'strlen'), 'invalid host function name'],
            'function dotted' => [fn (Options $o) => $o->withFunction('a.b', 'strlen'), 'invalid host function name'],
            'verbosity' => [fn (Options $o) => $o->withVerbosity(4), 'invalid verbosity'],
            'device' => [fn (Options $o) => $o->withDevice('/dev/sda', 'sda'), 'invalid device'],
            'bind source' => [fn (Options $o) => $o->withBind('rel', '/x'), 'invalid bind source'],
            'bind glob' => [fn (Options $o) => $o->withBind('/x', '/x', ['/abs']), 'invalid bind include'],
            'tmpfs size' => [fn (Options $o) => $o->withTmpfs('/x', 'big'), 'invalid tmpfs max bytes'],
            'tmpfs files' => [fn (Options $o) => $o->withTmpfs('/x', null, 0), 'invalid tmpfs max files'],
            'grace' => [fn (Options $o) => $o->withTimeouts(grace: 'soon'), 'invalid grace period'],
            'child path' => [fn (Options $o) => $o->withChildPath(''), 'invalid child path'],
            'child env' => [fn (Options $o) => $o->withChildEnvironment(['' => 'x']), 'invalid child environment'],
            'memory too small' => [fn (Options $o) => $o->withLimits(memory: '16M'), 'invalid memory limit'],
            'wall zero' => [fn (Options $o) => $o->withLimits(wallTime: '0s'), 'invalid wall time limit: 0 is'],
            'open files' => [fn (Options $o) => $o->withLimits(openFiles: 8), 'invalid open files limit'],
            'threads' => [fn (Options $o) => $o->withLimits(threads: 2000), 'invalid threads limit'],
            'host call' => [fn (Options $o) => $o->withLimits(hostCallSize: 100), 'invalid host call size limit'],
            'long name' => [fn (Options $o) => $o->withFunction(str_repeat('f', 129), 'strlen'), 'function name'],
            'argv count' => [fn (Options $o) => $o->withArgv(array_fill(0, 1025, 'a')), 'invalid argv'],
            'env long' => [fn (Options $o) => $o->withEnv(['A' => str_repeat('x', 32769)]), 'invalid env'],
            'tmpfs small' => [fn (Options $o) => $o->withTmpfs('/t', '1K'), 'invalid tmpfs max bytes'],
            'tmpfs many' => [fn (Options $o) => $o->withTmpfs('/t', null, 2000000), 'invalid tmpfs max files'],
            'file mode' => [fn (Options $o) => $o->withFile('/x', '', 0o1777), 'invalid file mode'],
            'globs' => [fn (Options $o) => $o->withBind('/x', '/x', array_fill(0, 65, '*')), 'invalid bind include'],
        ];
    }

    /**
     * @dataProvider badOptions
     * @param callable(Options): mixed $apply
     */
    public function testRejectsBadOptionsWithTheirName(callable $apply, string $message): void
    {
        $this->expectException(InvalidOptionException::class);
        $this->expectExceptionMessage($message);

        $apply(new Options());
    }

    public function testBoundsEntriesAndFunctions(): void
    {
        $options = new Options();
        for ($i = 0; $i < Options::MAX_ENTRIES; $i++) {
            $options = $options->withFile('/f' . $i, '');
        }
        $options = $options->withFile('/f0', 'replacing does not count');

        $this->expectExceptionMessage('invalid filesystem: more than 256 entries');
        $options->withFile('/one-too-many', '');
    }
}
