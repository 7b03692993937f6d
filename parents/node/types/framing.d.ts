/**
 * Serializes one message as a frame.
 * @param {unknown} message
 * @param {number} max the frame limit in bytes, LF included
 * @returns {Buffer}
 * @throws {SandboxError} ERR_FRAME_TOO_LARGE when the frame would exceed MAX, ERR_INVALID_ARG when not JSON
 */
export function encodeFrame(message: unknown, max: number): Buffer;
/**
 * JSON.stringify replacer refusing strings JSON cannot carry faithfully: a
 * sender must not send an unpaired surrogate (SPEC [REQ-JSON-13]).
 * @param {string} key
 * @param {unknown} value
 * @returns {unknown}
 */
export function wellFormedOnly(key: string, value: unknown): unknown;
/**
 * @param {unknown} err
 * @returns {string}
 */
export function errorMessage(err: unknown): string;
/** Frame limit before initialize succeeds (bytes, LF included). */
export const INITIAL_FRAME_BYTES: 1048576;
/**
 * @typedef {{ kind: 'frame', line: Buffer } | { kind: 'oversized', bytes: number }} FrameEvent
 */
export class FrameReader {
    /** @param {number} max the frame limit in bytes, LF included */
    constructor(max: number);
    /** @param {number} max the new limit (after initialize) */
    setMax(max: number): void;
    /** Bytes of an incomplete frame held, always below the limit. */
    get buffered(): number;
    /**
     * Feeds bytes and yields the frames they complete, in order, LF stripped.
     * Frames are produced one at a time, so a limit changed by the consumer
     * between two frames applies to the next one (SPEC [REQ-FRAME-7]).
     * @param {Buffer} chunk
     * @returns {Generator<FrameEvent>}
     */
    push(chunk: Buffer): Generator<FrameEvent>;
    #private;
}
export type FrameEvent = {
    kind: "frame";
    line: Buffer;
} | {
    kind: "oversized";
    bytes: number;
};
