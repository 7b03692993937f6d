<?php

/*
 * Host-call round trip through the PHP parent, and its raw baseline.
 *
 * Usage: php bench/hostcall.php sandbox|raw CALLS
 *   sandbox  a session exposing echo(); the code times CALLS calls of
 *            sandbox.call('echo', i) inside the sandbox
 *   raw      answers CALLS host/call lines of build/bench/pipe_peer over
 *            plain pipes, decoding and encoding JSON as a parent must
 * Prints one JSON object {"calls":N,"per_call_us":X,"mean_us":Y}: the mean
 * round trip of the fastest of 5 batches (the least disturbed by other
 * processes) and of all calls. The child is
 * $PYSANDBOX_CHILD. Exit status 1 on failure, with a message on stderr.
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'PythonSandbox\\')) {
        $file = dirname(__DIR__) . '/parents/php/src/' . str_replace('\\', '/', substr($class, 14)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});

use PythonSandbox\Options;
use PythonSandbox\Sandbox;

const MAX_CALLS = 1000000;

function code(int $calls): string
{
    return implode("\n", [
        'import sandbox, time',
        "call, n, us = sandbox.call, max($calls // 5, 1), []",
        'for i in range(200): call("echo", i)',
        'for _ in range(5):',
        '    t = time.perf_counter()',
        '    for i in range(n): assert call("echo", i) == i',
        '    us.append((time.perf_counter() - t) / n * 1e6)',
        'print("%.3f %.3f" % (min(us), sum(us) / 5))',
    ]);
}

/** @return array{float, float} the fastest batch's and the overall mean per call */
function viaSandbox(int $calls): array
{
    $options = (new Options())->withFunction('echo', static fn (int $v): int => $v);
    $session = (new Sandbox($options))->start();
    try {
        $result = $session->execute(code($calls));
        if ($result->outcome->value !== 'ok') {
            throw new RuntimeException("run ended {$result->outcome->value}: {$result->stderr}");
        }
        [$best, $mean] = explode(' ', trim($result->stdout));
        return [(float) $best, (float) $mean];
    } finally {
        $session->close();
    }
}

/** @return array{float, float} the fastest batch's and the overall mean per call */
function viaPipes(int $calls): array
{
    $peer = proc_open(
        [dirname(__DIR__) . '/build/bench/pipe_peer', (string) $calls],
        [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => STDERR],
        $pipes,
    );
    if ($peer === false) {
        throw new RuntimeException('cannot start pipe_peer');
    }
    $done = null;
    while ($done === null && ($line = fgets($pipes[1])) !== false) {
        $msg = json_decode($line, true, 512, JSON_THROW_ON_ERROR);
        if ($msg['method'] === 'bench/done') {
            $done = [(float) $msg['params']['per_call_us'], (float) $msg['params']['mean_us']];
            break;
        }
        $reply = ['jsonrpc' => '2.0', 'id' => $msg['id'], 'result' => ['value' => $msg['params']['args'][0]]];
        fwrite($pipes[0], json_encode($reply, JSON_THROW_ON_ERROR) . "\n");
    }
    fclose($pipes[0]);
    fclose($pipes[1]);
    $status = proc_close($peer);
    if ($status !== 0 || $done === null) {
        throw new RuntimeException("pipe_peer exited with status $status");
    }
    return $done;
}

try {
    [$mode, $count] = array_pad(array_slice($argv, 1), 2, '');
    $calls = filter_var($count, FILTER_VALIDATE_INT, ['options' => ['min_range' => 1, 'max_range' => MAX_CALLS]]);
    if ($calls === false) {
        throw new RuntimeException(sprintf("calls must be 1..%d, not '%s'", MAX_CALLS, $count));
    }
    [$best, $mean] = match ($mode) {
        'sandbox' => viaSandbox($calls),
        'raw' => viaPipes($calls),
        default => throw new RuntimeException("unknown mode '$mode' (sandbox or raw)"),
    };
    echo json_encode(['calls' => $calls, 'per_call_us' => $best, 'mean_us' => $mean]), "\n";
} catch (Throwable $e) {
    fwrite(STDERR, 'hostcall.php: ' . $e->getMessage() . "\n");
    exit(1);
}
