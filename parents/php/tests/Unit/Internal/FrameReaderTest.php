<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Unit\Internal;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Internal\FrameReader;

final class FrameReaderTest extends TestCase
{
    public function testSplitsFramesAcrossChunks(): void
    {
        $reader = new FrameReader(100);

        self::assertSame([], $reader->feed('{"a":'));
        self::assertTrue($reader->hasPartial());
        self::assertSame(['{"a":1}', '{"b":2}'], $reader->feed("1}\n{\"b\":2}\n{"));
        self::assertSame(['{}'], $reader->feed("}\n"));
        self::assertFalse($reader->hasPartial());
    }

    public function testKeepsEmptyLinesAsFrames(): void
    {
        self::assertSame(['', 'x'], (new FrameReader(10))->feed("\nx\n"));
    }

    public function testLimitCountsTheLineFeed(): void
    {
        $reader = new FrameReader(5);

        self::assertSame(['abcd'], $reader->feed("abcd\n"));
        self::assertSame([FrameReader::OVERSIZED], $reader->feed("abcde\n"));
    }

    public function testDropsAnOversizedFrameUpToItsLineFeedAndGoesOn(): void
    {
        $reader = new FrameReader(8);

        self::assertSame([], $reader->feed(str_repeat('x', 20)));
        self::assertSame([], $reader->feed(str_repeat('y', 20)));
        self::assertSame([FrameReader::OVERSIZED, 'ok'], $reader->feed("zz\nok\n"));
    }

    public function testDropsOversizedFrameInsideOneChunk(): void
    {
        $reader = new FrameReader(4);

        self::assertSame(['a', FrameReader::OVERSIZED, 'b'], $reader->feed("a\n0123456789\nb\n"));
    }

    public function testSetMaxAppliesToLaterFrames(): void
    {
        $reader = new FrameReader(4);
        $reader->setMax(16);

        self::assertSame(['0123456789'], $reader->feed("0123456789\n"));
    }
}
