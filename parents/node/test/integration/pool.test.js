// SandboxPool against the real child (build/sandbox), which speaks warm
// (protocol 1.1). As child.test.js: `make node-integration` sets
// PYSANDBOX_CHILD; run by hand, the test falls back to build/sandbox.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { SandboxPool } from '../../src/index.js';
import { processExists, within } from '../helpers.js';

const CHILD = process.env.PYSANDBOX_CHILD || fileURLToPath(new URL('../../../../build/sandbox', import.meta.url));

/**
 * Runs FN with a pool of the real child and always closes it.
 * @param {import('../../src/index.js').PoolOptions} options
 * @param {(pool: SandboxPool) => Promise<void>} fn
 */
async function withPool(options, fn) {
  const pool = new SandboxPool({ child: CHILD, ...options });
  try {
    await fn(pool);
  } finally {
    await within(pool.close());
  }
}

/**
 * Runs CODE in a fresh session of POOL and returns its stdout; the session is closed.
 * @param {SandboxPool} pool
 * @param {string} code
 * @param {import('../../src/index.js').SandboxOptions} [options]
 * @returns {Promise<{ stdout: string, warm: boolean, pid: number }>}
 */
async function runOnce(pool, code, options = {}) {
  const sandbox = await within(pool.session(options), 30_000);
  try {
    const result = await within(sandbox.execute(code), 30_000);
    assert.equal(result.outcome, 'ok', result.exception?.traceback);
    return { stdout: result.stdout, warm: sandbox.warm !== undefined, pid: /** @type {number} */ (sandbox.pid) };
  } finally {
    await within(sandbox.close());
  }
}

// Session 1 leaves every trace it can; session 2 looks for each.
const LEAVE_TRACES = `
import json, os, sys, threading, time
SECRET = 'session one'
json.LEFT_BY_ONE = True
os.environ['LEFT_BY_ONE'] = '1'
open('/tmp/left-by-one', 'w').write('x')
os.makedirs('/tmp/dir-of-one', exist_ok=True)
os.chdir('/tmp/dir-of-one')
threading.Thread(target=time.sleep, args=(60,), daemon=True, name='left-by-one').start()
sys.modules['left_by_one'] = sys
print(threading.active_count(), os.getcwd())
`;
const LOOK_FOR_TRACES = `
import json, os, sys, threading
print(sorted(k for k, v in {
  'global': 'SECRET' in globals(),
  'module attribute': hasattr(json, 'LEFT_BY_ONE'),
  'environment': 'LEFT_BY_ONE' in os.environ,
  'tmp file': os.path.exists('/tmp/left-by-one'),
  'tmp dir': os.path.exists('/tmp/dir-of-one'),
  'cwd': os.getcwd() != '/tmp',
  'thread': threading.active_count() != 1 or any(t.name == 'left-by-one' for t in threading.enumerate()),
  'sys.modules': 'left_by_one' in sys.modules,
}.items() if v))
`;

describe('SandboxPool against the real child', () => {
  it('starts a session on a warm child at 1.1, with the preloaded modules in sys.modules', () =>
    withPool({ size: 1, preload: ['json', 'decimal', 'xml.dom.minidom'] }, async (pool) => {
      await within(pool.ready(), 30_000);
      const sandbox = await within(pool.session({ env: { GREETING: 'hello' }, argv: ['prog', 'x'] }), 30_000);
      try {
        assert.equal(sandbox.info?.protocolVersion, '1.1');
        assert.deepEqual(sandbox.warm?.preloaded, ['json', 'decimal', 'xml.dom.minidom']);
        const code = 'import os, sys\nprint([m in sys.modules for m in ("json", "decimal", "xml.dom.minidom")])\n' +
          'print(os.environ["GREETING"], sys.argv, os.getcwd())';
        const result = await within(sandbox.execute(code));
        assert.equal(result.stdout, "[True, True, True]\nhello ['prog', 'x'] /tmp\n", result.exception?.traceback);
      } finally {
        await within(sandbox.close());
      }
      assert.equal(pool.stats.warm, 1);
    }));

  it('shows a session nothing of the one before it from the same pool', () =>
    withPool({ size: 1, preload: ['json'] }, async (pool) => {
      const one = await runOnce(pool, LEAVE_TRACES);
      assert.equal(one.stdout, '2 /tmp/dir-of-one\n');
      const two = await runOnce(pool, LOOK_FOR_TRACES);
      assert.equal(two.stdout, '[]\n');
      assert.ok(one.warm && two.warm, 'both sessions should have been warm');
      assert.notEqual(one.pid, two.pid);
      assert.equal(processExists(one.pid), false, 'the first session\'s child was not reaped');
    }));

  it('applies the session\'s filesystem, limits and host functions to a warm child', () =>
    withPool({ size: 1 }, async (pool) => {
      await within(pool.ready(), 30_000);
      const sandbox = pool.sandbox({
        limits: { wallTime: '2s' },
        filesystem: [{ type: 'file', target: '/app/data.txt', data: 'inline' }, { type: 'tmpfs', target: '/out' }],
      });
      sandbox.expose('add', ([a, b]) => Number(a) + Number(b));
      await within(sandbox.start(), 30_000);
      try {
        assert.ok(sandbox.warm);
        assert.equal(sandbox.info?.limits.wallMs, 2000);
        const result = await within(sandbox.execute('import sandbox\nprint(open("/app/data.txt").read(), ' +
          'sandbox.call("add", 2, 3))\nopen("/out/r.txt", "w").write("ok")'));
        assert.equal(result.stdout, 'inline 5\n', result.exception?.traceback);
        assert.equal((await within(sandbox.readTmpfs('/out/r.txt'))).toString(), 'ok');
        const slow = await within(sandbox.execute('while True: pass'));
        assert.ok(['timeout', 'cpu_limit'].includes(slow.outcome), slow.outcome);
      } finally {
        await within(sandbox.close());
      }
    }));

  it('runs several sessions of one pool at once', () =>
    withPool({ size: 2, preload: ['json'] }, async (pool) => {
      const outputs = await within(Promise.all([0, 1, 2, 3].map((i) =>
        runOnce(pool, `import json; print(json.dumps(${i} * 7))`))), 60_000);
      assert.deepEqual(outputs.map((o) => o.stdout), ['0\n', '7\n', '14\n', '21\n']);
      assert.equal(new Set(outputs.map((o) => o.pid)).size, 4);
      assert.equal(pool.stats.warm + pool.stats.cold, 4);
      assert.ok(pool.stats.warm >= 2, JSON.stringify(pool.stats));
    }));

  it('reports a preload that fails and starts sessions cold instead', () =>
    withPool({ size: 1, preload: ['no_such_module_here'] }, async (pool) => {
      await within(pool.ready(), 30_000);
      const err = pool.stats.lastError;
      assert.equal(err?.code, 'ERR_REMOTE');
      assert.equal(err?.rpcName, 'setup_failed');
      assert.deepEqual(err?.data, { step: 'preload', module: 'no_such_module_here' });
      const session = await runOnce(pool, 'import sys; print("no_such_module_here" in sys.modules)');
      assert.deepEqual(session.stdout, 'False\n');
      assert.equal(session.warm, false);
      assert.equal(pool.stats.cold, 1);
    }));

  it('close reaps the idle warm children', async () => {
    const pool = new SandboxPool({ child: CHILD, size: 3 });
    await within(pool.ready(), 30_000);
    assert.equal(pool.stats.ready, 3);
    const sandbox = await within(pool.session(), 30_000);
    await within(pool.close());
    try {
      assert.equal((await within(sandbox.execute('print(1)'))).stdout, '1\n');
    } finally {
      await within(sandbox.close());
    }
  });

  describe('bind sources of a warm session (REQ-WARM-9)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pysandbox-node-warm-bind-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o755);
    const open = path.join(dir, 'open');
    const closed = path.join(dir, 'closed');
    for (const d of [open, closed]) {
      mkdirSync(d);
      writeFileSync(path.join(d, 'f.txt'), 'data');
    }
    chmodSync(open, 0o755);
    chmodSync(path.join(open, 'f.txt'), 0o644);
    chmodSync(closed, 0o700);

    it('reads a source the dropped identity can read', () => withPool({ size: 1 }, async (pool) => {
      const session = await runOnce(pool, 'print(open("/data/f.txt").read())',
        { filesystem: [{ type: 'bind', source: open, target: '/data' }] });
      assert.equal(session.stdout, 'data\n');
    }));

    // As root the child drops to uid 65534 in warm, before the session is
    // known: a source only root can read is refused, at initialize
    // (filesystem_error) or when the code opens it (EACCES). Without root
    // there is nothing to drop and the owner reads its own directory.
    const root = process.getuid?.() === 0;
    it(root ? 'refuses, as root, a source only root can read' : 'reads, as its owner, a 0700 source',
      () => withPool({ size: 1 }, async (pool) => {
        await within(pool.ready(), 30_000);
        const sandbox = pool.sandbox({ filesystem: [{ type: 'bind', source: closed, target: '/data' }] });
        const refused = await within(sandbox.start().then(() => undefined, (e) => e), 30_000);
        try {
          assert.ok(refused === undefined || refused.rpcName === 'filesystem_error', refused?.message);
          const read = refused ? undefined : await within(sandbox.execute('print(open("/data/f.txt").read())'));
          if (root) {
            assert.ok(refused || read?.exception?.type === 'PermissionError', JSON.stringify(read?.toJSON()));
          } else {
            assert.equal(read?.stdout, 'data\n', read?.exception?.traceback);
          }
        } finally {
          await within(sandbox.close());
        }
      }));
  });
});
