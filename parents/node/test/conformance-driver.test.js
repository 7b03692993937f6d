import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { fakeChild, within } from './helpers.js';

const DRIVER = fileURLToPath(new URL('../conformance-driver.js', import.meta.url));

/**
 * Runs the driver with INPUT on stdin.
 * @param {string} input
 * @param {string[]} args
 * @returns {Promise<{ status: number | null, stdout: string, stderr: string }>}
 */
function drive(input, args) {
  return within(new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [DRIVER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.on('error', reject);
    proc.on('close', (status) => resolve({ status, stdout, stderr }));
    // A driver that refuses its arguments exits without reading stdin: EPIPE here is expected.
    proc.stdin.on('error', () => {});
    proc.stdin.end(input);
  }), 30_000);
}

it('runs a case and prints its outcome as one JSON line', async () => {
  const c = {
    limits: { wall_ms: 5000 },
    filesystem: [{ type: 'tmpfs', target: '/out', max_bytes: 1024 },
      { type: 'host', target: '/m', files: { 'a/b.py': 'X = 1\n' } }],
    host_functions: [{ name: 'echo', echo: true }, { name: 'fails', raises: { type: 'KeyError', message: 'k' } },
      { name: 'const', returns: [1, 2], sleep_ms: 20 }, { name: 'add', add: true }],
    steps: [
      { execute: { code: 'print hi\ncall echo [1] {"k":2}\ncall fails [] {}\ncall const [] {}\ncall add [2,40] {}' } },
      { execute: { code: 'hostfs list /m a\nhostfs read /m a\nhostfs stat /m a/b.py\nwrite /out/x data' } },
      { invoke: { callable: 'm.f', args: [1], kwargs: { a: 2 } } },
      { tmpfs_list: '/out' },
      { tmpfs_read: '/out/x' },
      { tmpfs_read: '/out/nope' },
      { cancel: true },
    ],
  };
  const { status, stdout } = await drive(JSON.stringify(c), ['--child', fakeChild()]);
  assert.equal(status, 0);
  assert.equal(stdout.split('\n').length, 2);
  const out = JSON.parse(stdout);
  assert.equal(out.error, null);
  assert.equal(out.initialize.protocol_version, '1.0');
  assert.equal(out.initialize.limits.wall_ms, 5000);
  assert.equal(out.initialize.isolation.landlock_abi, 7);
  const [run1, run2, invoke, list, read, missing, cancel] = out.steps;
  assert.equal(run1.result.stdout, 'hi\n{"value":[[1],{"k":2}]}\n{"code":-32050,"message":"k","data":{"type":"KeyError"}}\n' +
    '{"value":[1,2]}\n{"value":42}\n');
  assert.equal(run1.result.session_usable, true);
  assert.equal(run2.result.stdout, '{"entries":[{"name":"b.py","type":"file"}]}\n' +
    '{"code":-32051,"message":"EISDIR: a","data":{"errno":"EISDIR"}}\n{"type":"file","size":6,"mode":292}\n');
  assert.deepEqual(invoke.result.value, { callable: 'm.f', args: [1], kwargs: { a: 2 } });
  assert.deepEqual(list, { entries: [{ path: '/out/x', type: 'file', size: 4, mode: 420 }], truncated: false });
  assert.deepEqual(read, { data: Buffer.from('data').toString('base64') });
  assert.deepEqual(missing.error, { kind: 'remote', class: 'SandboxError', message: "child refused 'tmpfs/read': no such file: " +
    '/out/nope', node_code: 'ERR_REMOTE', code: -32008, name: 'not_found' });
  assert.deepEqual(cancel, { cancelled: false });
});

it('reports a call the child does not support as an unsupported step and goes on', async () => {
  const c = { steps: [{ invoke: { callable: 'm.f' } }, { execute: { code: 'print after' } }] };
  const { status, stdout } = await drive(JSON.stringify(c), ['--child', fakeChild('no-capabilities')]);
  assert.equal(status, 0);
  const out = JSON.parse(stdout);
  assert.equal(out.error, null);
  assert.equal(out.steps.length, 2);
  assert.equal(out.steps[0].error.kind, 'unsupported');
  assert.equal(out.steps[0].error.node_code, 'ERR_UNSUPPORTED');
  assert.equal(out.steps[1].result.stdout, 'after\n');
});

it('reports a failure to start as the outcome, not as a malformed case', async () => {
  const { status, stdout } = await drive('{"steps":[]}', ['--child', fakeChild('exit-at-start')]);
  assert.equal(status, 0);
  const out = JSON.parse(stdout);
  assert.equal(out.initialize, null);
  assert.equal(out.error.node_code, 'ERR_CHILD_EXITED');
  assert.equal(out.error.kind, 'child_exited');
});

it('reports options this parent refuses as the outcome', async () => {
  const { status, stdout } = await drive('{"limits":{"frame_bytes":1024}}', ['--child', fakeChild()]);
  assert.equal(status, 0);
  assert.equal(JSON.parse(stdout).error.node_code, 'ERR_INVALID_OPTION');
});

it('runs a case with "warm" through a pool of size 1, with the same output', async () => {
  const c = { warm: { preload: ['json'] }, env: { A: 'b' }, steps: [{ execute: { code: 'warmed\ninit' } }] };
  const { status, stdout } = await drive(JSON.stringify(c), ['--child', fakeChild('warm')]);
  assert.equal(status, 0);
  const out = JSON.parse(stdout);
  assert.equal(out.error, null);
  assert.equal(out.initialize.protocol_version, '1.1');
  const [warmed, init] = out.steps[0].result.stdout.trim().split('\n').map((/** @type {string} */ l) => JSON.parse(l));
  assert.deepEqual(warmed, { protocol_version: '1.1', preload: ['json'] });
  assert.deepEqual(init, { protocol_version: '1.1', limits: {}, filesystem: [], env: { A: 'b' }, host_functions: [] });
});

it('runs a "warm" case on a 1.0 child cold, and reports a preload the pool refuses', async () => {
  const cold = await drive('{"warm":{},"steps":[{"execute":{"code":"print cold"}}]}', ['--child', fakeChild()]);
  const out = JSON.parse(cold.stdout);
  assert.equal(out.initialize.protocol_version, '1.0');
  assert.equal(out.steps[0].result.stdout, 'cold\n');
  const refused = await drive('{"warm":{"preload":["no such"]}}', ['--child', fakeChild('warm')]);
  assert.equal(refused.status, 0);
  assert.equal(JSON.parse(refused.stdout).error.node_code, 'ERR_INVALID_OPTION');
});

it('exits 2 for a malformed case or bad arguments', async () => {
  for (const [input, args] of [['not json', []], ['[1]', []], ['{"limits":{"nope":1}}', []],
    ['{"filesystem":[{"type":"nfs"}]}', []], ['{}', ['--bogus']], ['{"warm":[]}', []],
    ['{"warm":{"preload":"json"}}', []]]) {
    const { status, stderr } = await drive(String(input), /** @type {string[]} */ (args));
    assert.equal(status, 2, String(input));
    assert.match(stderr, /conformance-driver/);
  }
});
