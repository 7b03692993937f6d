/**
 * Frames of the protocol: one JSON-RPC message per LF-terminated line
 * (protocol/SPEC.md, "Transport"). The reader never holds more than the frame
 * limit: a line that outgrows it is dropped as it arrives, up to and including
 * its LF, and reported once.
 */

import { SandboxError } from './errors.js';

/** Frame limit before initialize succeeds (bytes, LF included). */
export const INITIAL_FRAME_BYTES = 1048576;

const LF = 0x0a;

/**
 * @typedef {{ kind: 'frame', line: Buffer } | { kind: 'oversized', bytes: number }} FrameEvent
 */

export class FrameReader {
  /** @type {Buffer[]} */
  #parts = [];
  #buffered = 0;
  #discarding = false;
  #discarded = 0;
  #max;

  /** @param {number} max the frame limit in bytes, LF included */
  constructor(max) {
    this.#max = max;
  }

  /** @param {number} max the new limit (after initialize) */
  setMax(max) {
    this.#max = max;
  }

  /** Bytes of an incomplete frame held, always below the limit. */
  get buffered() {
    return this.#buffered;
  }

  /**
   * Feeds bytes and yields the frames they complete, in order, LF stripped.
   * Frames are produced one at a time, so a limit changed by the consumer
   * between two frames applies to the next one (SPEC [REQ-FRAME-7]).
   * @param {Buffer} chunk
   * @returns {Generator<FrameEvent>}
   */
  *push(chunk) {
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf;
      const event = this.#take(chunk.subarray(start, end), lf !== -1);
      start = end + 1;
      if (event) {
        yield event;
      }
    }
  }

  /**
   * Adds one piece of a line; COMPLETE when its LF was seen.
   * @param {Buffer} piece
   * @param {boolean} complete
   * @returns {FrameEvent | undefined}
   */
  #take(piece, complete) {
    /** @type {FrameEvent | undefined} */
    let event;
    if (this.#discarding) {
      this.#discarded += piece.length + (complete ? 1 : 0);
    } else if (this.#buffered + piece.length + 1 > this.#max) {
      // The LF would be byte max+1 or later: the frame is oversized whether or
      // not its end is here. Drop what we hold and everything up to its LF.
      this.#discarding = true;
      this.#discarded = this.#buffered + piece.length + (complete ? 1 : 0);
      this.#parts = [];
      this.#buffered = 0;
      event = { kind: 'oversized', bytes: this.#discarded };
    } else if (piece.length > 0) {
      this.#parts.push(piece);
      this.#buffered += piece.length;
    }

    if (complete) {
      if (this.#discarding) {
        this.#discarding = false;
      } else {
        event = { kind: 'frame', line: Buffer.concat(this.#parts, this.#buffered) };
      }
      this.#parts = [];
      this.#buffered = 0;
    }
    return event;
  }
}

/**
 * Serializes one message as a frame.
 * @param {unknown} message
 * @param {number} max the frame limit in bytes, LF included
 * @returns {Buffer}
 * @throws {SandboxError} ERR_FRAME_TOO_LARGE when the frame would exceed MAX, ERR_INVALID_ARG when not JSON
 */
export function encodeFrame(message, max) {
  let text;
  try {
    text = JSON.stringify(message, wellFormedOnly);
  } catch (err) {
    throw new SandboxError('ERR_INVALID_ARG', `message is not serializable as JSON: ${errorMessage(err)}`,
      { cause: err });
  }
  const frame = Buffer.from(`${text}\n`);
  if (frame.length > max) {
    throw new SandboxError('ERR_FRAME_TOO_LARGE',
      `message of ${frame.length} bytes exceeds the frame limit of ${max} bytes`);
  }
  return frame;
}

/**
 * JSON.stringify replacer refusing strings JSON cannot carry faithfully: a
 * sender must not send an unpaired surrogate (SPEC [REQ-JSON-13]).
 * @param {string} key
 * @param {unknown} value
 * @returns {unknown}
 */
export function wellFormedOnly(key, value) {
  if (!key.isWellFormed() || (typeof value === 'string' && !value.isWellFormed())) {
    throw new TypeError('a string holds an unpaired surrogate (not valid Unicode)');
  }
  return value;
}

/**
 * @param {unknown} err
 * @returns {string}
 */
export function errorMessage(err) {
  return err instanceof Error ? err.message : String(err);
}
