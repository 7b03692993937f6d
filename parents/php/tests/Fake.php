<?php

declare(strict_types=1);

namespace PythonSandbox\Tests;

use PythonSandbox\Options;

/**
 * Helpers for tests that run against tests/fixtures/fake-child.php.
 */
final class Fake
{
    public const CHILD = __DIR__ . '/fixtures/fake-child.php';

    /** Options for the fake child in start-up MODE (see fake-child.php). */
    public static function options(string $mode = 'normal'): Options
    {
        return (new Options())
            ->withChildPath(self::CHILD)
            ->withEnv(['FAKE_MODE' => $mode])
            ->withTimeouts(grace: '2s', start: '5s', control: '3s');
    }

    /**
     * The code that makes the fake child perform ACTIONS.
     *
     * @param list<array<string, mixed>> $actions
     */
    public static function script(array $actions): string
    {
        return json_encode($actions, JSON_THROW_ON_ERROR);
    }

    /**
     * Options of a pool of fake children whose `warm` behaves as WARM says
     * (FAKE_WARM, see fake-child.php).
     */
    public static function poolOptions(string $warm = 'ok', string $mode = 'normal'): Options
    {
        return self::options($mode)->withChildEnvironment(['FAKE_WARM' => $warm]);
    }

    /**
     * The processes this one started and has not reaped, zombies included.
     *
     * @return list<int>
     */
    public static function children(): array
    {
        $children = [];
        foreach (glob('/proc/[0-9]*/stat') ?: [] as $file) {
            $stat = @file_get_contents($file);
            // The command name, in parentheses, may hold spaces: fields follow the last ')'.
            $fields = is_string($stat) ? explode(' ', substr($stat, (int) strrpos($stat, ')') + 2)) : [];
            if (($fields[1] ?? null) === (string) getmypid()) {
                $children[] = (int) basename(dirname($file));
            }
        }
        sort($children);

        return $children;
    }

    /** Whether process PID is gone (or a zombie nobody reaped: not gone). */
    public static function isGone(int $pid): bool
    {
        return !file_exists('/proc/' . $pid);
    }
}
