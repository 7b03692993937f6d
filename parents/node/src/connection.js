/**
 * The JSON-RPC 2.0 peer on the parent's side of the protocol: requests to the
 * child with their responses, and the child's own requests and notifications.
 * Both peers may send requests (protocol/SPEC.md, "Transport").
 *
 * Everything the child sends is untrusted input. A frame that is too long, not
 * JSON, or not JSON-RPC is answered with the spec's error (id null) and the
 * session goes on; a child that keeps doing it, or stops reading what we send,
 * is given up on through `onFatal`, so neither memory nor the error traffic
 * can grow without bound.
 */

import { debuglog } from 'node:util';

import { RPC_CODES, SandboxError } from './errors.js';
import { encodeFrame, errorMessage, FrameReader, INITIAL_FRAME_BYTES } from './framing.js';

const debug = debuglog('pysandbox');

/** Malformed frames tolerated in one session before the child is given up on. */
export const MAX_PROTOCOL_ERRORS = 64;
/** Requests from the child answered concurrently; more are refused. */
export const MAX_INCOMING = 64;
/** Deepest JSON nesting accepted (SPEC [REQ-JSON-12]). */
const MAX_DEPTH = 64;
const FRAME_MIN = 65536;
const FRAME_MAX = 67108864;

/**
 * An error answer to one of the child's requests.
 */
export class RpcReply extends Error {
  /**
   * @param {number} code
   * @param {string} message
   * @param {unknown} [data]
   */
  constructor(code, message, data) {
    super(message);
    this.rpcCode = code;
    this.data = data;
  }
}

/**
 * @typedef {object} ConnectionHandlers
 * @property {(method: string, params: unknown, id: string | number) => Promise<unknown>} onRequest
 *   answers a request of the child; reject with RpcReply for an error answer
 * @property {(method: string, params: unknown) => void} onNotification
 * @property {(error: SandboxError) => void} onFatal the child broke the protocol beyond repair
 * @property {(error: SandboxError) => void} [onOversized] a frame of the child was dropped
 * @property {() => void} [onEnd] the child closed fd 4
 */

/**
 * @typedef {object} Pending
 * @property {string} method
 * @property {(value: unknown) => void} resolve
 * @property {(error: SandboxError) => void} reject
 */

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * @param {unknown} id
 * @returns {id is string | number}
 */
function isValidId(id) {
  if (typeof id === 'string') {
    return Buffer.byteLength(id) <= 256;
  }
  return typeof id === 'number' && Number.isSafeInteger(id);
}

export class Connection {
  #output;
  #handlers;
  #reader = new FrameReader(INITIAL_FRAME_BYTES);
  #maxFrame = INITIAL_FRAME_BYTES;
  #nextId = 1;
  /** @type {Map<string | number, Pending>} */
  #pending = new Map();
  /** Requests of the child being answered: id → a token that is its own while it is. */
  /** @type {Map<string | number, object>} */
  #incoming = new Map();
  #protocolErrors = 0;
  #closed = false;
  #quiet = false;

  /**
   * @param {import('node:stream').Readable} input the child's fd 4
   * @param {import('node:stream').Writable} output the child's fd 3
   * @param {ConnectionHandlers} handlers
   */
  constructor(input, output, handlers) {
    this.#output = output;
    this.#handlers = handlers;
    input.on('data', (chunk) => this.#onData(chunk));
    input.on('end', () => this.#handlers.onEnd?.());
    input.on('error', (err) => debug('fd 4: %s', err.message));
    output.on('error', (err) => debug('fd 3: %s', err.message));
  }

  /** The frame limit in both directions (limits.frame_bytes once initialized). */
  get maxFrame() {
    return this.#maxFrame;
  }

  /**
   * Routes the child's messages to HANDLERS from now on: a warm child is
   * watched by its pool until a Sandbox adopts it.
   * @param {ConnectionHandlers} handlers
   */
  setHandlers(handlers) {
    this.#handlers = handlers;
  }

  /** @param {number} max */
  setMaxFrame(max) {
    this.#maxFrame = max;
    this.#reader.setMax(max);
  }

  /**
   * Sends a request and returns its id and the promise of its result. The
   * promise rejects with ERR_REMOTE for an error answer, or with whatever
   * `failAll` is given.
   * @param {string} method
   * @param {Record<string, unknown>} params
   * @returns {{ id: number, response: Promise<unknown> }}
   */
  request(method, params) {
    if (this.#closed) {
      throw new SandboxError('ERR_CLOSED', `cannot send '${method}': the connection to the child is closed`);
    }
    const id = this.#nextId++;
    const frame = encodeFrame({ jsonrpc: '2.0', id, method, params }, this.#maxFrame);

    /** @type {Promise<unknown>} */
    const response = new Promise((resolve, reject) => {
      this.#pending.set(id, { method, resolve, reject });
    });
    this.#write(frame);
    return { id, response };
  }

  /**
   * Rejects every outstanding request with ERROR and stops sending. Idempotent.
   * @param {SandboxError} error
   */
  failAll(error) {
    this.#closed = true;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      p.reject(error);
    }
  }

  /**
   * Stops answering the child's requests, as a parent must once it has sent
   * `shutdown` (SPEC [REQ-SHUT-3]); frames are still read.
   */
  quiet() {
    this.#quiet = true;
  }

  /**
   * Answers every request of the child still being worked on with an
   * internal_error now, and drops the answers its handlers give later. A
   * parent must have answered the child before it sends the next run (SPEC
   * [REQ-STATE-6]), and stops working on a run's requests once its response
   * is in ([REQ-HOST-8]). Returns how many were abandoned.
   * @param {string} why
   * @returns {number}
   */
  abandonIncoming(why) {
    const ids = [...this.#incoming.keys()];
    this.#incoming.clear();
    for (const id of ids) {
      debug('request %s of the child abandoned: %s', id, why);
      if (!this.#quiet) {
        this.#sendError(id, RPC_CODES.internal_error, why);
      }
    }
    return ids.length;
  }

  /** Ends fd 3: the child sees EOF, which ends the session (SPEC [REQ-BAD-14]). */
  end() {
    this.#closed = true;
    this.#output.end();
  }

  /** @param {Buffer} frame */
  #write(frame) {
    if (this.#output.destroyed || this.#output.writableEnded) {
      return;
    }
    this.#output.write(frame);

    // A child that does not read fd 3 would make our queue grow forever.
    const limit = 2 * this.#maxFrame + 65536;
    if (this.#output.writableLength > limit) {
      this.#fatal(`the child is not reading its input (${this.#output.writableLength} bytes queued)`);
    }
  }

  /**
   * @param {number | string | null} id
   * @param {number} code
   * @param {string} message
   * @param {unknown} [data]
   */
  #sendError(id, code, message, data) {
    if (this.#closed) {
      return;
    }
    /** @type {Record<string, unknown>} */
    const error = { code, message };
    if (data !== undefined) {
      error.data = data;
    }
    this.#write(encodeFrame({ jsonrpc: '2.0', id, error }, this.#maxFrame));
  }

  /** @param {string} message */
  #fatal(message) {
    if (!this.#closed) {
      this.#closed = true;
      this.#handlers.onFatal(new SandboxError('ERR_PROTOCOL', message));
    }
  }

  /**
   * Counts a malformed frame and answers it with the spec's error.
   * @param {string | number | null} id
   * @param {number} code
   * @param {string} message
   */
  #protocolError(id, code, message) {
    debug('protocol error from child: %s', message);
    this.#protocolErrors += 1;
    if (this.#protocolErrors > MAX_PROTOCOL_ERRORS) {
      this.#fatal(`the child sent more than ${MAX_PROTOCOL_ERRORS} malformed frames; last: ${message}`);
      return;
    }
    this.#sendError(id, code, message);
  }

  /** @param {Buffer} chunk */
  #onData(chunk) {
    for (const event of this.#reader.push(chunk)) {
      if (this.#closed) {
        return;
      }
      if (event.kind === 'oversized') {
        const message = `frame from child exceeds the limit of ${this.#maxFrame} bytes (dropped ${event.bytes} bytes)`;
        this.#handlers.onOversized?.(new SandboxError('ERR_FRAME_TOO_LARGE', message));
        this.#protocolError(null, RPC_CODES.frame_too_large, message);
      } else {
        this.#onFrame(event.line);
      }
    }
  }

  /** @param {Buffer} line */
  #onFrame(line) {
    let msg;
    try {
      msg = JSON.parse(line.toString('utf8'), wellFormed);
    } catch (err) {
      this.#protocolError(null, RPC_CODES.parse_error, `malformed JSON: ${errorMessage(err)}`);
      return;
    }
    if (depth(msg, 1) > MAX_DEPTH) {
      this.#protocolError(null, RPC_CODES.parse_error, `JSON nested deeper than ${MAX_DEPTH} levels`);
      return;
    }
    if (isObject(msg) && !('method' in msg) && ('result' in msg || 'error' in msg)) {
      // SPEC [REQ-BAD-4]: a response, valid or not, is never answered.
      this.#onResponse(msg);
    } else if (!isObject(msg) || msg.jsonrpc !== '2.0' || !('method' in msg)) {
      this.#invalid(msg, 'not a JSON-RPC 2.0 message');
    } else if (typeof msg.method !== 'string') {
      this.#invalid(msg, 'method must be a string');
    } else {
      this.#onCall(msg);
    }
  }

  /**
   * @param {unknown} msg
   * @param {string} why
   */
  #invalid(msg, why) {
    const id = isObject(msg) && isValidId(msg.id) ? msg.id : null;
    this.#protocolError(id, RPC_CODES.invalid_request, why);
  }

  /** @param {Record<string, unknown>} msg */
  #onCall(msg) {
    const method = /** @type {string} */ (msg.method);
    const params = msg.params ?? {};
    if (!('id' in msg)) {
      if (isObject(params)) {
        this.#handlers.onNotification(method, params);
      }
      return;
    }
    const id = msg.id;
    if (!isValidId(id)) {
      this.#invalid(msg, 'request id must be a string of at most 256 bytes or an integer');
    } else if (typeof params !== 'object' || params === null) {
      this.#invalid(msg, `params of '${method}' must be an object`);
    } else if (this.#incoming.has(id)) {
      this.#invalid(msg, `id ${JSON.stringify(id)} is already outstanding`);
    } else if (this.#quiet) {
      debug('request %s from child after shutdown ignored', method);
    } else if (Array.isArray(params)) {
      this.#sendError(id, RPC_CODES.invalid_params, 'params must be an object', { field: '' });
    } else if (this.#incoming.size >= MAX_INCOMING) {
      this.#sendError(id, RPC_CODES.internal_error, `more than ${MAX_INCOMING} outstanding requests`);
    } else {
      this.#answer(id, method, params);
    }
  }

  /**
   * @param {string | number} id
   * @param {string} method
   * @param {unknown} params
   */
  async #answer(id, method, params) {
    const token = {};
    this.#incoming.set(id, token);
    const mine = () => this.#incoming.get(id) === token;
    try {
      const result = await this.#handlers.onRequest(method, params, id);
      if (mine() && !this.#closed && !this.#quiet) {
        this.#write(encodeFrame({ jsonrpc: '2.0', id, result }, this.#maxFrame));
      }
    } catch (err) {
      const reply = err instanceof RpcReply ? err
        : new RpcReply(RPC_CODES.internal_error, `cannot answer '${method}': ${errorMessage(err)}`);
      if (mine() && !this.#quiet) {
        this.#sendError(id, reply.rpcCode, reply.message, reply.data);
      }
    } finally {
      if (mine()) {
        this.#incoming.delete(id);
      }
    }
  }

  /** @param {Record<string, unknown>} msg */
  #onResponse(msg) {
    const id = msg.id;
    const pending = isValidId(id) ? this.#pending.get(id) : undefined;
    if (pending === undefined) {
      debug('response to unknown request id %j ignored', id);
      return;
    }
    this.#pending.delete(/** @type {string | number} */ (id));

    const error = msg.error;
    if (msg.jsonrpc !== '2.0') {
      pending.reject(new SandboxError('ERR_PROTOCOL', `answer to '${pending.method}' is not JSON-RPC 2.0`));
    } else if (('result' in msg) === ('error' in msg)) {
      pending.reject(new SandboxError('ERR_PROTOCOL', `answer to '${pending.method}' has both or neither of ` +
        'result and error'));
    } else if ('result' in msg) {
      if (pending.method === 'initialize') {
        this.#adoptFrameLimit(msg.result);
      }
      pending.resolve(msg.result);
    } else if (!isObject(error) || !Number.isSafeInteger(error.code) || typeof error.message !== 'string') {
      pending.reject(new SandboxError('ERR_PROTOCOL', `malformed error answer to '${pending.method}'`));
    } else {
      const code = /** @type {number} */ (error.code);
      pending.reject(new SandboxError('ERR_REMOTE', `child refused '${pending.method}': ${error.message}`,
        { rpcCode: code, data: error.data }));
    }
  }

  /**
   * The new frame limit holds from the frame after the initialize answer on
   * (SPEC [REQ-FRAME-7]), so it is applied here, before the next frame is read.
   * @param {unknown} result
   */
  #adoptFrameLimit(result) {
    const limits = isObject(result) && isObject(result.limits) ? result.limits : {};
    const max = limits.frame_bytes;
    if (typeof max === 'number' && Number.isSafeInteger(max) && max >= FRAME_MIN && max <= FRAME_MAX) {
      this.setMaxFrame(max);
    }
  }
}

/**
 * JSON.parse reviver: SPEC [REQ-JSON-13] lets a receiver replace unpaired surrogates with U+FFFD.
 * @param {string} _key
 * @param {unknown} value
 * @returns {unknown}
 */
function wellFormed(_key, value) {
  return typeof value === 'string' && !value.isWellFormed() ? value.toWellFormed() : value;
}

/**
 * Nesting depth of a parsed JSON value, counted until it passes MAX_DEPTH.
 * @param {unknown} value
 * @param {number} level the level of VALUE (the message is level 1)
 * @returns {number}
 */
function depth(value, level) {
  if (typeof value !== 'object' || value === null) {
    return level - 1;
  }
  if (level > MAX_DEPTH) {
    return level;
  }
  let max = level;
  for (const v of Object.values(value)) {
    max = Math.max(max, depth(v, level + 1));
    if (max > MAX_DEPTH) {
      break;
    }
  }
  return max;
}
