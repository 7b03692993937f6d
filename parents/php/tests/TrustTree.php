<?php

declare(strict_types=1);

namespace PythonSandbox\Tests;

/**
 * A copy of the fake child at T/d/fake-child.php, in a new directory T under
 * the temporary directory, and a symbolic link to it in T/open (0777, not
 * sticky): the trees ChildTrust (REQ-SEC-12) is checked on.
 */
final class TrustTree
{
    public const NOBODY = 65534;
    public const CHILD = '/d/fake-child.php';

    /** T, resolved. */
    public readonly string $top;

    public function __construct()
    {
        $top = sys_get_temp_dir() . '/php-trust-' . bin2hex(random_bytes(6));
        self::must(mkdir($top, 0o700));
        $this->top = (string) realpath($top);
        self::must(mkdir($this->top . '/d', 0o755));
        // fake-child.php requires FakeChild.php beside it.
        foreach (['fake-child.php', 'FakeChild.php'] as $file) {
            self::must(copy(dirname(Fake::CHILD) . '/' . $file, $this->top . '/d/' . $file));
        }
        self::must(mkdir($this->top . '/open', 0o755));
        self::must(symlink($this->child(), $this->link()));
        $this->set(self::CHILD, 0o755);
        $this->set('/d', 0o755);
        $this->set('/open', 0o777);
    }

    public function child(): string
    {
        return $this->top . self::CHILD;
    }

    public function link(): string
    {
        return $this->top . '/open/link';
    }

    /** Gives REL under T ('' for T itself) to nobody when asked (only root can), then sets its MODE. */
    public function set(string $rel, int $mode, bool $toNobody = false): void
    {
        if ($toNobody) {
            self::must(chown($this->top . $rel, self::NOBODY));
        }
        self::must(chmod($this->top . $rel, $mode));
    }

    public function remove(): void
    {
        foreach (['/open/link', '/d/fake-child.php', '/d/FakeChild.php'] as $file) {
            @unlink($this->top . $file);
        }
        foreach (['/open', '/d', ''] as $dir) {
            @rmdir($this->top . $dir);
        }
    }

    private static function must(bool $ok): void
    {
        if (!$ok) {
            throw new \RuntimeException('cannot set up the trust tree: ' . (error_get_last()['message'] ?? '?'));
        }
    }
}
