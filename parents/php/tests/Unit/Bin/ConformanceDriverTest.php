<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Bin;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Tests\Fake;

/**
 * bin/conformance-driver, run as a program against the fake child.
 */
final class ConformanceDriverTest extends TestCase
{
    private const DRIVER = __DIR__ . '/../../../bin/conformance-driver';

    /** @return array{int, string, string} status, stdout, stderr */
    private static function drive(string $input, array $args = ['--child', Fake::CHILD]): array
    {
        $proc = proc_open(
            [PHP_BINARY, self::DRIVER, ...$args],
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
        );
        fwrite($pipes[0], $input);
        fclose($pipes[0]);
        $stdout = (string) stream_get_contents($pipes[1]);
        $stderr = (string) stream_get_contents($pipes[2]);

        return [proc_close($proc), $stdout, $stderr];
    }

    public function testRunsACaseAndPrintsResults(): void
    {
        $case = [
            'env' => ['FAKE_MODE' => 'normal'],
            'limits' => ['wall_ms' => 5000],
            'filesystem' => [['type' => 'host', 'target' => '/m', 'files' => ['a.py' => 'X = 1']]],
            'host_functions' => [
                ['name' => 'echo', 'echo' => true],
                ['name' => 'fail', 'raises' => ['type' => 'KeyError', 'message' => 'k']],
                ['name' => 'add', 'add' => true, 'sleep_ms' => 50],
            ],
            'steps' => [
                ['invoke' => ['callable' => 'fake.script', 'args' => [[
                    ['op' => 'print', 'text' => 'hi'],
                    ['op' => 'call', 'function' => 'echo', 'args' => [1], 'kwargs' => ['b' => 2]],
                    ['op' => 'call', 'function' => 'fail'],
                    ['op' => 'hostfs', 'method' => 'read', 'target' => '/m', 'path' => 'a.py'],
                    ['op' => 'call', 'function' => 'add', 'args' => [2, 40]],
                ]]]],
                ['tmpfs_read' => '/out/none'],
                ['execute' => ['code' => 'syntax error']],
                ['execute' => ['code' => '[]']],
            ],
        ];

        $began = hrtime(true);
        [$status, $stdout] = self::drive(json_encode($case));
        $out = json_decode($stdout, true);

        self::assertSame(0, $status);
        self::assertNull($out['error']);
        self::assertSame(5000, $out['initialize']['limits']['wall_ms']);
        $first = $out['steps'][0]['result'];
        self::assertSame('hi', $first['stdout']);
        self::assertSame(['value' => [[1], ['b' => 2]]], $first['value'][0]['result']);
        self::assertSame(['type' => 'KeyError'], $first['value'][1]['error']['data']);
        self::assertSame(['data' => base64_encode('X = 1')], $first['value'][2]['result']);
        self::assertSame(['value' => 42], $first['value'][3]['result']);
        self::assertGreaterThan(50e6, hrtime(true) - $began);
        self::assertSame(1, $first['usage']['wall_ms']);
        self::assertSame('not_found', $out['steps'][1]['error']['name']);
        self::assertSame('remote', $out['steps'][1]['error']['kind']);
        self::assertSame('exception', $out['steps'][2]['result']['outcome']);
        self::assertArrayNotHasKey('value', $out['steps'][2]['result']);
        self::assertArrayNotHasKey('value', $out['steps'][3]['result']);
    }

    public function testReplacesInvalidUtf8InOutputAsPythonDoes(): void
    {
        // Each invalid sequence becomes one U+FFFD, as bytes.decode('utf-8', 'replace').
        $bytes = "caf\xc3\xa9 \xff! \xe2\x82x \xed\xa0\x80 \xf0\x9f\x98";
        $case = ['env' => ['FAKE_MODE' => 'normal'], 'steps' => [
            ['execute' => ['code' => Fake::script([['op' => 'print', 'data' => base64_encode($bytes)]])]],
        ]];

        $out = json_decode(self::drive(json_encode($case))[1], true);

        $want = "café \u{FFFD}! \u{FFFD}x \u{FFFD}\u{FFFD}\u{FFFD} \u{FFFD}";
        self::assertSame($want, $out['steps'][0]['result']['stdout']);
    }

    public function testReportsThePythonImplementation(): void
    {
        $out = json_decode(self::drive('{"env": {"FAKE_MODE": "normal"}}')[1], true);

        self::assertSame(['version' => '3.11.2', 'implementation' => 'cpython'], $out['initialize']['python']);
    }

    public function testStepErrorsLeaveTheSessionGoingAndFatalOnesEndTheCase(): void
    {
        $case = ['env' => ['FAKE_MODE' => 'small-frame'], 'steps' => [
            ['execute' => ['code' => str_repeat('x', 70000)]],
            ['execute' => ['code' => Fake::script([['op' => 'print', 'text' => 'after']])]],
            ['execute' => ['code' => Fake::script([['op' => 'die', 'status' => 5]])]],
            ['execute' => ['code' => '[]']],
        ]];

        $out = json_decode(self::drive(json_encode($case))[1], true);

        self::assertSame('InvalidOptionException', $out['steps'][0]['error']['class']);
        self::assertSame('invalid_argument', $out['steps'][0]['error']['kind']);
        self::assertSame('after', $out['steps'][1]['result']['stdout']);
        self::assertCount(2, $out['steps']);
        self::assertSame('ChildExitedException', $out['error']['class']);
        self::assertSame('child_exited', $out['error']['kind']);
    }

    public function testReportsStartFailuresAsErrors(): void
    {
        [$status, $stdout] = self::drive('{"env": {"FAKE_MODE": "bad-version"}}');

        self::assertSame(0, $status);
        self::assertSame('ProtocolException', json_decode($stdout, true)['error']['class']);
    }

    public function testOptionsTheApiRefusesAreAnErrorOfTheCase(): void
    {
        [$status, $stdout] = self::drive('{"limits": {"frame_bytes": 1024}, "steps": [{"execute": {"code": "1"}}]}');
        $out = json_decode($stdout, true);

        self::assertSame(0, $status);
        self::assertNull($out['initialize']);
        self::assertSame([], $out['steps']);
        self::assertSame('invalid_argument', $out['error']['kind']);
    }

    public function testAWarmCaseRunsThroughAPoolOfOne(): void
    {
        $case = [
            'warm' => ['preload' => ['json', 'decimal']],
            'steps' => [['invoke' => ['callable' => 'fake.script', 'args' => [[['op' => 'echo_warm']]]]]],
        ];

        [$status, $stdout] = self::drive(json_encode($case));
        $out = json_decode($stdout, true);

        self::assertSame(0, $status);
        self::assertNull($out['error']);
        self::assertSame('1.1', $out['initialize']['protocol_version']);
        self::assertSame(['json', 'decimal'], $out['steps'][0]['result']['value']['preload']);
    }

    public function testAWarmCaseOnAChildWithoutWarmStartsCold(): void
    {
        [$status, $stdout] = self::drive('{"warm": {}, "steps": [{"execute": {"code": "[]"}}]}', [
            '--child',
            __DIR__ . '/../../fixtures/old-fake-child.php',
        ]);
        $out = json_decode($stdout, true);

        self::assertSame(0, $status);
        self::assertSame('1.0', $out['initialize']['protocol_version']);
        self::assertSame('ok', $out['steps'][0]['result']['outcome']);
    }

    public function testARefusedPreloadIsAnErrorOfTheCase(): void
    {
        [$status, $stdout] = self::drive('{"warm": {"preload": ["no-dashes"]}}');
        $out = json_decode($stdout, true);

        self::assertSame(0, $status);
        self::assertNull($out['initialize']);
        self::assertSame('invalid_argument', $out['error']['kind']);
        self::assertStringContainsString("'no-dashes'", $out['error']['message']);
    }

    public function testMalformedCasesExitWithStatus2(): void
    {
        $inputs = [
            'not json', '[1]', '{"limits": {"bogus": 1}}', '{"filesystem": [{"type": "nfs"}]}',
            '{"warm": [1]}', '{"warm": {"preload": "json"}}',
        ];
        foreach ($inputs as $input) {
            [$status, $stdout, $stderr] = self::drive($input);
            self::assertSame(2, $status, $input);
            self::assertSame('', $stdout);
            self::assertStringContainsString('conformance-driver: malformed case', $stderr);
        }
        self::assertSame(2, self::drive('{}', ['--bogus'])[0]);
    }
}
