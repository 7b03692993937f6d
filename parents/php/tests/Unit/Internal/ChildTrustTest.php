<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Internal;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\SpawnException;
use PythonSandbox\Internal\ChildTrust;
use PythonSandbox\Session;
use PythonSandbox\Tests\Fake;
use PythonSandbox\Tests\TrustTree;

/**
 * REQ-SEC-12: a child that a user other than root and this one could
 * replace is refused before it starts, naming the path and why.
 */
final class ChildTrustTest extends TestCase
{
    private ?TrustTree $tree = null;

    protected function tearDown(): void
    {
        $this->tree?->remove();
    }

    /**
     * Each case: the change to the tree (path under T, mode, given to
     * nobody), whether the child is started through the link, and the path
     * under T that the refusal names with why (null: it starts).
     *
     * @return array<string, array{list<array{string, int, bool}>, bool, ?string, ?string}>
     */
    public static function cases(): array
    {
        $child = TrustTree::CHILD;
        $nobody = 'is owned by another user (uid 65534)';

        return [
            'a copy of the fake child' => [[], false, null, null],
            'through a link in an open directory' => [[], true, null, null],
            'a sticky directory' => [[['/d', 0o1777, false]], false, null, null],
            'file writable by group' => [[[$child, 0o775, false]], false, $child, 'is writable by group'],
            'file writable by others' => [[[$child, 0o757, false]], false, $child, 'is writable by others'],
            'file of another user' => [[[$child, 0o755, true]], false, $child, $nobody],
            'directory writable by group' => [[['/d', 0o775, false]], false, '/d', 'is writable by group'],
            'directory writable by others' => [[['/d', 0o777, false]], false, '/d', 'is writable by others'],
            'sticky directory of another user' => [[['/d', 0o1777, true]], false, '/d', $nobody],
            'directory two levels up writable by others' => [[['', 0o777, false]], false, '', 'is writable by others'],
            'link to a file writable by others' => [[[$child, 0o777, false]], true, $child, 'is writable by others'],
        ];
    }

    /**
     * @dataProvider cases
     * @param list<array{string, int, bool}> $changes
     */
    public function testAChildAnotherUserCouldReplaceIsNotStarted(
        array $changes,
        bool $byLink,
        ?string $bad,
        ?string $why,
    ): void {
        foreach ($changes as [, , $toNobody]) {
            if ($toNobody && posix_geteuid() !== 0) {
                // Only root can give a file away; the other cases still run.
                $this->addToAssertionCount(1);
                return;
            }
        }
        $this->tree = new TrustTree();
        foreach ($changes as [$rel, $mode, $toNobody]) {
            $this->tree->set($rel, $mode, $toNobody);
        }
        $path = $byLink ? $this->tree->link() : $this->tree->child();

        try {
            $session = Session::start(Fake::options()->withChildPath($path));
        } catch (SpawnException $e) {
            self::assertNotNull($bad, $e->getMessage());
            self::assertSame($path, $e->childPath);
            $want = sprintf("cannot trust child '%s': '%s%s' %s", $path, $this->tree->top, $bad, $why);
            self::assertSame($want, $e->getMessage());
            return;
        }
        self::assertNull($bad, 'the child started');
        self::assertSame('fake-child', $session->info()->childName);
        $session->close();
    }

    public function testResolvesTheLinkToTheFileThatIsExecuted(): void
    {
        $this->tree = new TrustTree();

        self::assertSame($this->tree->child(), ChildTrust::resolve($this->tree->link()));
    }

    public function testAMissingChildIsASpawnException(): void
    {
        $this->expectException(SpawnException::class);
        $this->expectExceptionMessage("cannot start child '/nonexistent/child': it does not exist");

        ChildTrust::resolve('/nonexistent/child');
    }
}
