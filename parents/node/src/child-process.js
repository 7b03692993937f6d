/**
 * Starting, watching and reaping the child process. The child gets an empty
 * environment and exactly five descriptors: /dev/null on 0 and 1, a pipe for
 * its diagnostics on 2, and the protocol on 3 (parent→child) and 4
 * (child→parent). Node opens its own descriptors close-on-exec, so nothing
 * else of the parent leaks into the child.
 */

import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { debuglog } from 'node:util';

import { trustedChildPath } from './child-trust.js';
import { SandboxError } from './errors.js';

const debug = debuglog('pysandbox');

/** Where `make install` puts the child, searched after the option and PYSANDBOX_CHILD. */
export const INSTALL_LOCATIONS = Object.freeze([
  '/usr/local/libexec/python-sandbox/sandbox',
  '/usr/libexec/python-sandbox/sandbox',
]);

/** Bytes of the child's stderr kept for error messages. */
const STDERR_TAIL = 4096;
/** How long the streams may stay open after the child exited (a descendant holding them). */
const CLOSE_WAIT_MS = 1000;

/**
 * The child's path: the explicit option, then PYSANDBOX_CHILD, then the first
 * install location that exists.
 * @param {string | undefined} explicit
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<string>}
 */
export async function resolveChildPath(explicit, env = process.env) {
  if (explicit !== undefined) {
    return explicit;
  }
  if (env.PYSANDBOX_CHILD) {
    return env.PYSANDBOX_CHILD;
  }
  for (const candidate of INSTALL_LOCATIONS) {
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not installed here; try the next location
    }
  }
  throw new SandboxError('ERR_SPAWN', "no sandbox child found: set the 'child' option or PYSANDBOX_CHILD " +
    `(also looked in ${INSTALL_LOCATIONS.join(', ')})`);
}

/**
 * @typedef {object} ExitInfo
 * @property {number | null} code
 * @property {string | null} signal
 * @property {Error} [spawnError] set when the child could not be started at all
 */

/**
 * The error that says why a child ended: ERR_SPAWN when it never started,
 * ERR_CHILD_EXITED with its status and the last line of its stderr otherwise.
 * @param {ChildProcess} child
 * @param {ExitInfo} exit
 * @returns {SandboxError}
 */
export function exitError(child, exit) {
  const stderr = child.stderrTail;
  if (exit.spawnError) {
    return new SandboxError('ERR_SPAWN', `cannot start the sandbox child '${child.file}': ${exit.spawnError.message}`,
      { cause: exit.spawnError, stderr });
  }
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const last = stderr.trim().split('\n').pop();
  return new SandboxError('ERR_CHILD_EXITED', `the sandbox child ${how}${last ? `: ${last}` : ''}`,
    { exitCode: exit.code, signal: exit.signal, stderr });
}

export class ChildProcess {
  #proc;
  #tail = '';
  #partial = '';
  /** @type {Promise<ExitInfo>} */
  exited;

  /**
   * Spawns FILE, by its resolved path once trustedChildPath() has checked it.
   * Failures to start are reported through `exited` (spawnError).
   * @param {string} file
   * @throws {SandboxError} ERR_SPAWN when another user could replace the child
   */
  constructor(file) {
    this.file = file;
    this.#proc = spawn(trustedChildPath(file), [], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      env: {},
      windowsHide: true,
    });
    const [, , stderr, toChild, fromChild] = this.#proc.stdio;
    if (!stderr || !toChild || !fromChild) {
      throw new SandboxError('ERR_SPAWN', `cannot set up pipes for '${file}'`);
    }
    /** fd 3 of the child: we write requests and answers here. */
    this.input = /** @type {import('node:stream').Writable} */ (toChild);
    /** fd 4 of the child: its messages arrive here. */
    this.output = /** @type {import('node:stream').Readable} */ (fromChild);
    stderr.on('data', (chunk) => this.#onStderr(chunk));
    this.exited = this.#watch();
  }

  /** @returns {number | undefined} */
  get pid() {
    return this.#proc.pid;
  }

  /** The last lines the child wrote on stderr (at most 4 KiB). */
  get stderrTail() {
    return (this.#tail + this.#partial).slice(-STDERR_TAIL);
  }

  /** True until the child has exited (false if it never started). */
  get running() {
    return this.#proc.exitCode === null && this.#proc.signalCode === null && this.#proc.pid !== undefined;
  }

  /** Sends SIGKILL unless the child has already exited. */
  kill() {
    if (this.running) {
      this.#proc.kill('SIGKILL');
    }
  }

  /** @returns {Promise<ExitInfo>} */
  #watch() {
    return new Promise((resolve) => {
      this.#proc.once('error', (err) => {
        // 'error' without a pid: spawn failed and no 'exit' follows.
        if (this.#proc.pid === undefined) {
          this.#destroyStreams();
          resolve({ code: null, signal: null, spawnError: err });
        } else {
          debug('child %d: %s', this.#proc.pid, err.message);
        }
      });
      this.#proc.once('exit', (code, signal) => {
        debug('child %d exited (code %s, signal %s)', this.#proc.pid, code, signal);
        // Let the streams deliver what the child wrote before exiting, but do
        // not wait forever for a descendant that still holds them.
        const timer = setTimeout(() => this.#proc.emit('close'), CLOSE_WAIT_MS);
        this.#proc.once('close', () => {
          clearTimeout(timer);
          this.#destroyStreams();
          resolve({ code, signal });
        });
      });
    });
  }

  #destroyStreams() {
    for (const stream of this.#proc.stdio) {
      stream?.destroy();
    }
  }

  /** @param {Buffer} chunk */
  #onStderr(chunk) {
    const lines = (this.#partial + chunk.toString('utf8')).split('\n');
    this.#partial = /** @type {string} */ (lines.pop()).slice(-STDERR_TAIL);
    for (const line of lines) {
      debug('child %d stderr: %s', this.#proc.pid, line);
      this.#tail = `${this.#tail}${line}\n`.slice(-STDERR_TAIL);
    }
  }
}
