<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Internal;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\SpawnException;
use PythonSandbox\Internal\ChildLocator;
use PythonSandbox\Tests\Fake;

final class ChildLocatorTest extends TestCase
{
    private string|false $saved;

    protected function setUp(): void
    {
        $this->saved = getenv(ChildLocator::ENV);
    }

    protected function tearDown(): void
    {
        putenv($this->saved === false ? ChildLocator::ENV : ChildLocator::ENV . '=' . $this->saved);
    }

    public function testExplicitPathWinsOverTheEnvironment(): void
    {
        putenv(ChildLocator::ENV . '=/nonexistent/sandbox');

        self::assertSame(Fake::CHILD, ChildLocator::find(Fake::CHILD));
    }

    public function testEnvironmentComesNext(): void
    {
        putenv(ChildLocator::ENV . '=' . Fake::CHILD);

        self::assertSame(Fake::CHILD, ChildLocator::find(null));
    }

    public function testMissingOrNotExecutableChildIsASpawnException(): void
    {
        foreach (['/nonexistent/sandbox' => 'does not exist', __FILE__ => 'is not executable'] as $path => $why) {
            try {
                ChildLocator::find($path);
                self::fail('no exception');
            } catch (SpawnException $e) {
                self::assertSame($path, $e->childPath);
                self::assertStringContainsString($why, $e->getMessage());
                self::assertStringContainsString('the childPath option', $e->getMessage());
            }
        }
        putenv(ChildLocator::ENV . '=/nonexistent/env-sandbox');
        $this->expectExceptionMessage("child '/nonexistent/env-sandbox' (from PYSANDBOX_CHILD) does not exist");
        ChildLocator::find(null);
    }

    public function testNothingFoundNamesEveryPlaceTried(): void
    {
        putenv(ChildLocator::ENV);
        foreach (ChildLocator::INSTALL_PATHS as $path) {
            if (is_file($path)) {
                self::assertSame($path, ChildLocator::find(null));
                return;
            }
        }

        $this->expectException(SpawnException::class);
        $this->expectExceptionMessage('PYSANDBOX_CHILD unset, and none of ' . ChildLocator::INSTALL_PATHS[0]);
        ChildLocator::find(null);
    }
}
