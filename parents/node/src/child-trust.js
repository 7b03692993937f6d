/**
 * SPEC [REQ-SEC-12]: a child binary that a user other than root and this
 * process's effective user could replace is never started. Its file, once
 * symbolic links are resolved, and every directory above it must be owned by
 * one of them and writable by neither group nor others. In a sticky directory
 * (/tmp) each user can remove or rename only their own entries, so its write
 * bits are no such risk; its owner still could.
 */

import { constants, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

import { SandboxError } from './errors.js';
import { errorMessage } from './framing.js';

/** The sticky bit (S_ISVTX), which node:fs does not export. */
const S_ISVTX = 0o1000;

/**
 * Why another user could replace what STATS describe, or undefined.
 * @param {import('node:fs').Stats} stats
 * @param {number} euid
 * @returns {string | undefined}
 */
function replaceable(stats, euid) {
  if (stats.uid !== 0 && stats.uid !== euid) {
    return `is owned by another user (uid ${stats.uid})`;
  }
  if (stats.isDirectory() && (stats.mode & S_ISVTX) !== 0) {
    return undefined;
  }
  if ((stats.mode & constants.S_IWOTH) !== 0) {
    return 'is writable by others';
  }
  if ((stats.mode & constants.S_IWGRP) !== 0) {
    return 'is writable by group';
  }
  return undefined;
}

/**
 * The resolved path of the child at FILE, once checked: the file to execute,
 * whatever a symbolic link on the way points to by then. Synchronous, like the
 * spawn it precedes, so that every start is checked: a few stat calls.
 * @param {string} file
 * @returns {string}
 * @throws {SandboxError} ERR_SPAWN naming the offending path and why
 */
export function trustedChildPath(file) {
  if (!process.geteuid) {
    throw new SandboxError('ERR_SPAWN', `cannot check the sandbox child '${file}': no effective uid on this platform`);
  }
  const euid = process.geteuid();
  let real;
  try {
    real = realpathSync(file);
  } catch (err) {
    throw new SandboxError('ERR_SPAWN', `cannot start the sandbox child '${file}': ${errorMessage(err)}`,
      { cause: err });
  }
  for (let dir = real; ; dir = path.dirname(dir)) {
    let why;
    try {
      why = replaceable(statSync(dir), euid);
    } catch (err) {
      why = `cannot be checked: ${errorMessage(err)}`;
    }
    if (why) {
      throw new SandboxError('ERR_SPAWN', `cannot trust the sandbox child '${file}': '${dir}' ${why}`);
    }
    if (dir === path.dirname(dir)) {
      return real;
    }
  }
}
