/**
 * Test helpers: fake children as executables (the Sandbox spawns its child
 * with no arguments and an empty environment, so each mode gets a tiny shell
 * wrapper), and a bounded wait.
 */

import { chmodSync, chownSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
 * A fake child in mode 'warm-failed' while FLAG exists, else in mode 'warm'.
 * @param {string} flag
 * @returns {string}
 */
export function flaggedChild(flag) {
  const file = path.join(dir, `fake-flagged-${path.basename(flag)}`);
  const run = `exec ${shellQuote(process.execPath)} ${shellQuote(FAKE)}`;
  writeFileSync(file, `#!/bin/sh\nif [ -e ${shellQuote(flag)} ]; then ${run} warm-failed; fi\n${run} warm\n`);
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

/** Who the trees of trustTree() give files to. */
export const NOBODY = 65534;

/**
 * @typedef {object} TrustTree
 * @property {string} top T, resolved
 * @property {string} child T/d/child, a fake child in the given mode
 * @property {string} link T/open/link, a link to it in a directory anyone can write (0777, not sticky)
 * @property {(rel: string, mode: number, toNobody?: boolean) => void} set gives REL under T ('' for T itself)
 *   to nobody when asked (only root can), then sets its MODE
 */

/**
 * A new tree under the temporary directory for the checks of
 * trustedChildPath() (REQ-SEC-12); removed after the test file.
 * @param {string} [mode] of the fake child
 * @returns {TrustTree}
 */
export function trustTree(mode = 'normal') {
  const top = realpathSync(mkdtempSync(path.join(tmpdir(), 'pysandbox-node-trust-')));
  after(() => rmSync(top, { recursive: true, force: true }));
  const child = path.join(top, 'd', 'child');
  const link = path.join(top, 'open', 'link');
  mkdirSync(path.dirname(child), 0o755);
  writeFileSync(child, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(FAKE)} ${shellQuote(mode)}\n`);
  mkdirSync(path.dirname(link));
  symlinkSync(child, link);
  /** @type {TrustTree['set']} */
  const set = (rel, bits, toNobody = false) => {
    if (toNobody) {
      chownSync(top + rel, NOBODY, -1);
    }
    chmodSync(top + rel, bits);
  };
  set('/d/child', 0o755);
  set('/d', 0o755);
  set('/open', 0o777);
  return { top, child, link, set };
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
