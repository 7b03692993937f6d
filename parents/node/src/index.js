/**
 * python-sandbox: run untrusted Python from Node through the python-sandbox
 * child process (protocol v1.0, and 1.1 for the warm pool). See docs/node.md.
 */

export { Sandbox } from './sandbox.js';
export { SandboxPool } from './pool.js';
export { SandboxError, RPC_CODES } from './errors.js';
export { Result, OUTCOMES, FATAL_OUTCOMES } from './result.js';
export { Run } from './run.js';
export { parseSize, parseDuration } from './units.js';
export { INSTALL_LOCATIONS, resolveChildPath } from './child-process.js';
export { PYTHON_TYPES, pythonTypeOf } from './host.js';

/**
 * @typedef {import('./options.js').SandboxOptions} SandboxOptions
 * @typedef {import('./options.js').PoolOptions} PoolOptions
 * @typedef {import('./pool.js').PoolStats} PoolStats
 * @typedef {import('./warm-child.js').WarmInfo} WarmInfo
 * @typedef {import('./options.js').Limits} Limits
 * @typedef {import('./options.js').FilesystemEntry} FilesystemEntry
 * @typedef {import('./options.js').HostDirectory} HostDirectory
 * @typedef {import('./options.js').HostStat} HostStat
 * @typedef {import('./options.js').HostDirent} HostDirent
 * @typedef {import('./options.js').Size} Size
 * @typedef {import('./options.js').Duration} Duration
 * @typedef {import('./sandbox.js').SandboxState} SandboxState
 * @typedef {import('./sandbox.js').SandboxEvents} SandboxEvents
 * @typedef {import('./arguments.js').RunOptions} RunOptions
 * @typedef {import('./arguments.js').ExecuteSource} ExecuteSource
 * @typedef {import('./host.js').HostFunction} HostFunction
 * @typedef {import('./host.js').HostCallContext} HostCallContext
 * @typedef {import('./run.js').OutputChunk} OutputChunk
 * @typedef {import('./result.js').Outcome} Outcome
 * @typedef {import('./result.js').PythonException} PythonException
 * @typedef {import('./result.js').Usage} Usage
 * @typedef {import('./result.js').Violation} Violation
 * @typedef {import('./session-info.js').SessionInfo} SessionInfo
 * @typedef {import('./session-info.js').EffectiveLimits} EffectiveLimits
 * @typedef {import('./session-info.js').TmpfsEntry} TmpfsEntry
 * @typedef {import('./errors.js').SandboxErrorCode} SandboxErrorCode
 */
