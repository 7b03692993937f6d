/**
 * Test helpers: fake children as executables (the Sandbox spawns its child
 * with no arguments and an empty environment, so each mode gets a tiny shell
 * wrapper), and a bounded wait.
 */

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

const FAKE = fileURLToPath(new URL('./fixtures/fake-child.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'pysandbox-node-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * @param {string} text
 * @returns {string}
 */
function shellQuote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * The path of an executable that runs the fake child in MODE.
 * @param {string} [mode]
 * @returns {string}
 */
export function fakeChild(mode = 'normal') {
  const file = path.join(dir, `fake-${mode}`);
  writeFileSync(file, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(FAKE)} ${shellQuote(mode)}\n`);
  chmodSync(file, 0o755);
  return file;
}

/**
 * A fake child that first records, with ls and env run by /bin/sh, the
 * descriptors and environment it was started with (ls adds its own directory
 * descriptor, the lowest free one).
 * @param {string} report the file to write
 * @returns {string}
 */
export function reportingChild(report) {
  const file = path.join(dir, 'fake-reporting');
  writeFileSync(file, `#!/bin/sh\n/bin/ls -1 /proc/self/fd > ${shellQuote(report)}\n` +
    `/usr/bin/env >> ${shellQuote(report)}\n` +
    `exec ${shellQuote(process.execPath)} ${shellQuote(FAKE)} normal\n`);
  chmodSync(file, 0o755);
  return file;
}

/**
 * A fake child in MODE that appends its process id to REPORT when it starts.
 * @param {string} mode
 * @param {string} report the file to append to
 * @returns {string}
 */
export function recordingChild(mode, report) {
  const file = path.join(dir, `fake-recording-${mode}-${path.basename(report)}`);
  writeFileSync(file, `#!/bin/sh\necho $$ >> ${shellQuote(report)}\n` +
    `exec ${shellQuote(process.execPath)} ${shellQuote(FAKE)} ${shellQuote(mode)}\n`);
  chmodSync(file, 0o755);
  return file;
}

/**
 * True while a process PID exists (a zombie counts: it is not reaped yet).
 * @param {number} pid
 * @returns {boolean}
 */
export function processExists(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code !== 'ESRCH';
  }
}

/** A directory for the test's own files. */
export const scratch = dir;

/**
 * Resolves with PROMISE's value, or rejects after MS milliseconds.
 * @template T
 * @param {PromiseLike<T>} promise
 * @param {number} [ms]
 * @returns {Promise<T>}
 */
export function within(promise, ms = 10_000) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout]).finally(() => clearTimeout(timer)));
}
