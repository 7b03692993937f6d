<?php

declare(strict_types=1);

namespace PythonSandbox\Internal;

/**
 * Splits the child's byte stream into LF-terminated frames of at most
 * `max` bytes (LF included). A longer frame is dropped up to its LF
 * without being kept, and reported once as an OVERSIZED marker, as
 * protocol/SPEC.md requires; at most `max` bytes are ever buffered.
 *
 * @internal
 */
final class FrameReader
{
    public const OVERSIZED = null;

    private string $buffer = '';
    private bool $discarding = false;

    public function __construct(private int $max)
    {
    }

    public function setMax(int $max): void
    {
        $this->max = $max;
    }

    /**
     * Feeds bytes and returns the frames they complete, in order, LF
     * stripped; OVERSIZED (null) stands for each dropped frame.
     *
     * @return list<string|null>
     */
    public function feed(string $bytes): array
    {
        $frames = [];
        $offset = 0;
        $length = strlen($bytes);
        while ($offset < $length) {
            $lf = strpos($bytes, "\n", $offset);
            $end = $lf === false ? $length : $lf;
            $this->take(substr($bytes, $offset, $end - $offset));
            if ($lf === false) {
                break;
            }
            $frames[] = $this->discarding ? self::OVERSIZED : $this->buffer;
            $this->buffer = '';
            $this->discarding = false;
            $offset = $lf + 1;
        }

        return $frames;
    }

    /** Whether a partial frame is pending (dropped at EOF). */
    public function hasPartial(): bool
    {
        return $this->buffer !== '' || $this->discarding;
    }

    private function take(string $piece): void
    {
        if ($this->discarding) {
            return;
        }
        if (strlen($this->buffer) + strlen($piece) + 1 > $this->max) {
            $this->buffer = '';
            $this->discarding = true;
            return;
        }
        $this->buffer .= $piece;
    }
}
