<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Internal;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Exception\InvalidOptionException;
use PythonSandbox\Internal\Units;

final class UnitsTest extends TestCase
{
    /** @return array<string, array{int|string, int}> */
    public static function sizes(): array
    {
        return [
            'bare int' => [4096, 4096],
            'bare string' => ['4096', 4096],
            'kilo' => ['64K', 65536],
            'mega' => ['256M', 268435456],
            'giga fraction' => ['1.5G', 1610612736],
            'lower case iB' => ['2mib', 2097152],
            'spaces and B' => [' 3 KB ', 3072],
            'tera' => ['1T', 1099511627776],
        ];
    }

    /** @dataProvider sizes */
    public function testParsesSizes(int|string $input, int $bytes): void
    {
        self::assertSame($bytes, Units::size($input, 'x'));
    }

    /** @return array<string, array{int|string, int}> */
    public static function durations(): array
    {
        return [
            'bare int' => [1500, 1500],
            'ms' => ['250ms', 250],
            'seconds' => ['5s', 5000],
            'fraction' => ['1.5s', 1500],
            'minutes' => ['2m', 120000],
            'hours' => ['1h', 3600000],
        ];
    }

    /** @dataProvider durations */
    public function testParsesDurations(int|string $input, int $ms): void
    {
        self::assertSame($ms, Units::duration($input, 'x'));
    }

    public function testZeroIsLeftToTheRangeCheck(): void
    {
        self::assertSame(0, Units::size('0K', 'x'));
        self::assertSame(0, Units::duration('0.1ms', 'x'));
        self::assertSame(5, Units::inRange(5, 5, 6, 'x'));
        $this->expectExceptionMessage('invalid wall time limit: 0 is outside 1..86400000');
        Units::inRange(0, 1, 86400000, 'wall time limit');
    }

    /** @return array<string, array{string, int|string}> */
    public static function badValues(): array
    {
        return [
            'size word' => ['size', 'lots'],
            'size negative' => ['size', -1],
            'size unit only' => ['size', 'M'],
            'size unknown unit' => ['size', '5X'],
            'size overflow' => ['size', '99999999999T'],
            'duration no unit' => ['duration', '5'],
            'duration bad unit' => ['duration', '5 days'],
            'duration negative' => ['duration', -5],
        ];
    }

    /** @dataProvider badValues */
    public function testRejectsBadValuesNamingTheOption(string $kind, int|string $input): void
    {
        $this->expectException(InvalidOptionException::class);
        $this->expectExceptionMessage('invalid memory limit');

        $kind === 'size' ? Units::size($input, 'memory limit') : Units::duration($input, 'memory limit');
    }
}
