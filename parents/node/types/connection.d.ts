/** Malformed frames tolerated in one session before the child is given up on. */
export const MAX_PROTOCOL_ERRORS: 64;
/** Requests from the child answered concurrently; more are refused. */
export const MAX_INCOMING: 64;
/**
 * An error answer to one of the child's requests.
 */
export class RpcReply extends Error {
    /**
     * @param {number} code
     * @param {string} message
     * @param {unknown} [data]
     */
    constructor(code: number, message: string, data?: unknown);
    rpcCode: number;
    data: unknown;
}
export class Connection {
    /**
     * @param {import('node:stream').Readable} input the child's fd 4
     * @param {import('node:stream').Writable} output the child's fd 3
     * @param {ConnectionHandlers} handlers
     */
    constructor(input: import("node:stream").Readable, output: import("node:stream").Writable, handlers: ConnectionHandlers);
    /** The frame limit in both directions (limits.frame_bytes once initialized). */
    get maxFrame(): number;
    /**
     * Routes the child's messages to HANDLERS from now on: a warm child is
     * watched by its pool until a Sandbox adopts it.
     * @param {ConnectionHandlers} handlers
     */
    setHandlers(handlers: ConnectionHandlers): void;
    /** @param {number} max */
    setMaxFrame(max: number): void;
    /**
     * Sends a request and returns its id and the promise of its result. The
     * promise rejects with ERR_REMOTE for an error answer, or with whatever
     * `failAll` is given.
     * @param {string} method
     * @param {Record<string, unknown>} params
     * @returns {{ id: number, response: Promise<unknown> }}
     */
    request(method: string, params: Record<string, unknown>): {
        id: number;
        response: Promise<unknown>;
    };
    /**
     * Rejects every outstanding request with ERROR and stops sending. Idempotent.
     * @param {SandboxError} error
     */
    failAll(error: SandboxError): void;
    /**
     * Stops answering the child's requests, as a parent must once it has sent
     * `shutdown` (SPEC [REQ-SHUT-3]); frames are still read.
     */
    quiet(): void;
    /**
     * Answers every request of the child still being worked on with an
     * internal_error now, and drops the answers its handlers give later. A
     * parent must have answered the child before it sends the next run (SPEC
     * [REQ-STATE-6]), and stops working on a run's requests once its response
     * is in ([REQ-HOST-8]). Returns how many were abandoned.
     * @param {string} why
     * @returns {number}
     */
    abandonIncoming(why: string): number;
    /** Ends fd 3: the child sees EOF, which ends the session (SPEC [REQ-BAD-14]). */
    end(): void;
    #private;
}
export type ConnectionHandlers = {
    /**
     *   answers a request of the child; reject with RpcReply for an error answer
     */
    onRequest: (method: string, params: unknown, id: string | number) => Promise<unknown>;
    onNotification: (method: string, params: unknown) => void;
    /**
     * the child broke the protocol beyond repair
     */
    onFatal: (error: SandboxError) => void;
    /**
     * a frame of the child was dropped
     */
    onOversized?: ((error: SandboxError) => void) | undefined;
    /**
     * the child closed fd 4
     */
    onEnd?: (() => void) | undefined;
};
export type Pending = {
    method: string;
    resolve: (value: unknown) => void;
    reject: (error: SandboxError) => void;
};
import { SandboxError } from './errors.js';
