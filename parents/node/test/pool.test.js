import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { SandboxPool } from '../src/index.js';
import { fakeChild, flaggedChild, processExists, recordingChild, scratch, trustTree, within } from './helpers.js';

let reports = 0;

/**
 * True while PID runs: a zombie (killed, not yet reaped by its new parent) does not.
 * @param {number} pid
 * @returns {boolean}
 */
function running(pid) {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * A fake child in MODE that records its pid, and a function that reads the pids recorded so far.
 * @param {string} mode
 * @returns {{ child: string, pids: () => number[] }}
 */
function recorded(mode) {
  const report = path.join(scratch, `pids-${process.pid}-${reports++}`);
  const child = recordingChild(mode, report);
  const pids = () => (existsSync(report) ? readFileSync(report, 'utf8').split('\n').filter(Boolean).map(Number) : []);
  return { child, pids };
}

/**
 * Waits until CHECK holds, polling; fails the test after MS.
 * @param {() => boolean} check
 * @param {number} [ms]
 */
async function until(check, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) {
      throw new Error(`condition not met within ${ms} ms`);
    }
    await sleep(20);
  }
}

/**
 * Runs FN with a pool and always closes it.
 * @param {import('../src/index.js').PoolOptions} options
 * @param {(pool: SandboxPool) => Promise<void>} fn
 */
async function withPool(options, fn) {
  const pool = new SandboxPool(options);
  try {
    await fn(pool);
  } finally {
    await within(pool.close());
  }
}

describe('SandboxPool against the fake child', () => {
  it('serves a session from a warm child: warm first, then initialize at 1.1 with the options', () =>
    withPool({ size: 2, preload: ['json', 'xml.dom'], child: fakeChild('warm') }, async (pool) => {
      await within(pool.ready());
      assert.equal(pool.stats.ready, 2);
      const sandbox = await within(pool.session({ env: { A: 'b' }, limits: { wallTime: '5s' } }));
      try {
        assert.deepEqual(sandbox.warm, { protocolVersion: '1.1', python: { version: '3.11.2',
          implementation: 'cpython' }, preloaded: ['json', 'xml.dom'] });
        assert.equal(sandbox.info?.protocolVersion, '1.1');
        const [init, warmed] = (await within(sandbox.execute('init\nwarmed'))).stdout.trim().split('\n');
        assert.deepEqual(JSON.parse(init), { protocol_version: '1.1', limits: { wall_ms: 5000 }, env: { A: 'b' },
          host_functions: [] });
        assert.deepEqual(JSON.parse(warmed), { protocol_version: '1.1', preload: ['json', 'xml.dom'] });
      } finally {
        await within(sandbox.close());
      }
      assert.equal(pool.stats.warm, 1);
      assert.equal(pool.stats.cold, 0);
      await until(() => pool.stats.ready === 2);
    }));

  it('gives every session its own child, and reaps it when the session closes', () => {
    const { child, pids } = recorded('warm');
    return withPool({ size: 2, child }, async (pool) => {
      const sandboxes = await within(Promise.all([1, 2, 3, 4, 5].map(async (i) => {
        const sandbox = await pool.session();
        assert.equal((await sandbox.execute(`print ${i}`)).stdout, `${i}\n`);
        return sandbox;
      })));
      const used = sandboxes.map((s) => /** @type {number} */ (s.pid));
      assert.equal(new Set(used).size, 5);
      await within(Promise.all(sandboxes.map((s) => s.close())));
      assert.ok(used.every((pid) => !processExists(pid)), 'a closed session left its child');
      assert.equal(pool.stats.warm + pool.stats.cold, 5);
      assert.ok(pool.stats.warm >= 2, JSON.stringify(pool.stats));
      assert.ok(pids().length >= 5);
    });
  });

  it('exposes host functions on a pooled Sandbox before start', () =>
    withPool({ child: fakeChild('warm') }, async (pool) => {
      const sandbox = pool.sandbox();
      sandbox.expose('add', ([a, b]) => Number(a) + Number(b));
      await within(sandbox.start());
      try {
        assert.equal((await within(sandbox.execute('call add [2,3] {}'))).stdout, '{"value":5}\n');
        assert.ok(sandbox.warm);
      } finally {
        await within(sandbox.close());
      }
    }));

  for (const [mode, rpcName] of [['normal', 'method_not_found'], ['warm-unsupported', 'unsupported_version']]) {
    it(`starts cold at 1.0 on a child that answers warm with ${rpcName} (REQ-WARM-1)`, () =>
      withPool({ size: 2, preload: ['json'], child: fakeChild(mode) }, async (pool) => {
        await within(pool.ready());
        const sandbox = await within(pool.session());
        try {
          assert.equal(sandbox.warm, undefined);
          assert.equal(sandbox.info?.protocolVersion, '1.0');
          const init = JSON.parse((await within(sandbox.execute('init'))).stdout);
          assert.equal(init.protocol_version, '1.0');
        } finally {
          await within(sandbox.close());
        }
        assert.deepEqual({ warm: pool.stats.warm, cold: pool.stats.cold, failed: pool.stats.failed },
          { warm: 0, cold: 1, failed: 0 });
        // The replacement is started without warm: it is ready at once, in `new`.
        await until(() => pool.stats.ready === 2);
      }));
  }

  it('discards children whose warm fails, reaps them, and starts the session cold', () => {
    const { child, pids } = recorded('warm-failed');
    return withPool({ size: 2, preload: ['nope'], child }, async (pool) => {
      await within(pool.ready());
      await until(() => pool.stats.failed === 2);
      const err = pool.stats.lastError;
      assert.equal(err?.code, 'ERR_REMOTE');
      assert.equal(err?.rpcName, 'setup_failed');
      assert.deepEqual(err?.data, { step: 'preload', module: 'nope' });
      const sandbox = await within(pool.session());
      try {
        assert.equal(sandbox.warm, undefined);
        assert.equal((await within(sandbox.execute('print cold'))).stdout, 'cold\n');
      } finally {
        await within(sandbox.close());
      }
      assert.equal(pool.stats.cold, 1);
      const warmed = pids().filter((pid) => pid !== sandbox.pid);
      await until(() => warmed.every((pid) => !processExists(pid)));
    });
  });

  it('replaces a child that dies while warm, after a pause, and reaps it', () => {
    const { child, pids } = recorded('warm-dies');
    return withPool({ size: 1, child }, async (pool) => {
      await until(() => pool.stats.failed >= 2);
      const err = pool.stats.lastError;
      assert.equal(err?.code, 'ERR_CHILD_EXITED');
      assert.equal(err?.exitCode, 7);
      assert.match(err?.stderr ?? '', /warm child gave up/);
      // Failures back off: 200 ms, then 400 ms, ...; no tight restart loop.
      assert.ok(pids().length <= 4, `${pids().length} children started`);
      const before = pids();
      const sandbox = await within(pool.session());
      await within(sandbox.close());
      await within(pool.close());
      assert.ok(before.every((pid) => !processExists(pid)), 'a dead warm child was not reaped');
    });
  });

  it('after a pause starts one child, not size, while children keep failing', () => {
    const { child, pids } = recorded('warm-failed');
    return withPool({ size: 3, child }, async (pool) => {
      // 3 failures (the first fill), then one child after each pause: 800 ms, 1.6 s.
      await until(() => pool.stats.failed >= 5 && pool.stats.warming === 0);
      assert.equal(pool.stats.failed, 5);
      assert.equal(pids().length, 5);
    });
  });

  it('fills up to size again once the child started after a pause warms', () => {
    const flag = path.join(scratch, `flag-${process.pid}-${reports++}`);
    writeFileSync(flag, '');
    return withPool({ size: 3, child: flaggedChild(flag) }, async (pool) => {
      await until(() => pool.stats.failed >= 3);
      unlinkSync(flag);
      // A child started before the flag went may fail too: the pause is then longer.
      await until(() => pool.stats.ready === 3, 30_000);
    });
  });

  it('gives up on a child that does not answer warm within startTimeout, and starts cold', () => {
    const { child, pids } = recorded('warm-silent');
    return withPool({ size: 1, child, startTimeout: 300 }, async (pool) => {
      const started = Date.now();
      const sandbox = await within(pool.session());
      try {
        assert.ok(Date.now() - started >= 250, 'the session did not wait for the warm child');
        assert.equal(sandbox.warm, undefined);
        assert.equal(pool.stats.lastError?.code, 'ERR_TIMEOUT');
        assert.match(pool.stats.lastError?.message ?? '', /no answer to 'warm' within 300 ms/);
        assert.equal((await within(sandbox.execute('print ok'))).stdout, 'ok\n');
      } finally {
        await within(sandbox.close());
      }
      const first = pids()[0];
      await until(() => !processExists(first));
    });
  });

  for (const [mode, code] of [['warm-dies-at-init', 'ERR_CHILD_EXITED'], ['warm-enomem', 'ERR_REMOTE']]) {
    it(`starts the session cold when the warm child fails at initialize (${mode})`, () => {
      const { child, pids } = recorded(mode);
      return withPool({ size: 1, child }, async (pool) => {
        await within(pool.ready());
        const sandbox = pool.sandbox({ env: { A: 'b' } });
        /** @type {string[]} */
        const ended = [];
        sandbox.on('ended', (e) => ended.push(e.reason));
        await within(sandbox.start());
        try {
          assert.equal(sandbox.warm, undefined);
          assert.equal(sandbox.info?.protocolVersion, '1.0');
          assert.equal(JSON.parse((await within(sandbox.execute('init'))).stdout).env.A, 'b');
          assert.deepEqual(ended, [], 'an ended of the given-up child reached the session');
        } finally {
          await within(sandbox.close());
        }
        assert.deepEqual({ warm: pool.stats.warm, cold: pool.stats.cold, failed: pool.stats.failed },
          { warm: 0, cold: 1, failed: 1 });
        assert.equal(pool.stats.lastError?.code, code);
        const warmPid = pids()[0];
        assert.notEqual(warmPid, sandbox.pid);
        await until(() => !processExists(warmPid));
      });
    });
  }

  it('passes on, without a cold retry, an initialize the warm child refuses for the session\'s options', () =>
    withPool({ size: 1, child: fakeChild('warm') }, async (pool) => {
      await within(pool.ready());
      const sandbox = pool.sandbox({ filesystem: [{ type: 'bind', source: '/nonexistent/x', target: '/data' }] });
      /** @type {string[]} */
      const ended = [];
      sandbox.on('ended', (e) => ended.push(e.reason));
      await assert.rejects(within(sandbox.start()), { code: 'ERR_REMOTE', rpcName: 'filesystem_error' });
      assert.equal(sandbox.state, 'closed');
      assert.deepEqual(ended, ['setup_failed']);
      assert.deepEqual({ warm: pool.stats.warm, cold: pool.stats.cold, failed: pool.stats.failed },
        { warm: 1, cold: 0, failed: 0 });
    }));

  it('waits for one warm at most: when the child it waited for fails, the session starts cold', () => {
    const { child, pids } = recorded('warm-silent');
    return withPool({ size: 1, child, startTimeout: 1500 }, async (pool) => {
      await until(() => pids().length === 1);
      await sleep(1000);
      // The first child times out about 500 ms from now; its replacement,
      // started when the session takes it, 1500 ms from now.
      const sandbox = await within(pool.session());
      try {
        assert.equal(sandbox.warm, undefined);
        assert.deepEqual({ failed: pool.stats.failed, cold: pool.stats.cold }, { failed: 1, cold: 1 });
        assert.equal(pool.stats.warming, 1);
      } finally {
        await within(sandbox.close());
      }
    });
  });

  it('waits for a child still warming rather than starting another', () =>
    withPool({ size: 1, child: fakeChild('warm-slow') }, async (pool) => {
      const sandbox = await within(pool.session());
      try {
        assert.ok(sandbox.warm);
        assert.deepEqual({ warm: pool.stats.warm, cold: pool.stats.cold }, { warm: 1, cold: 0 });
      } finally {
        await within(sandbox.close());
      }
    }));

  it('close reaps every idle child and leaves sessions already started alone', async () => {
    const { child, pids } = recorded('warm');
    const pool = new SandboxPool({ size: 3, child });
    await within(pool.ready());
    const sandbox = await within(pool.session());
    await until(() => pool.stats.ready === 3);
    await within(pool.close());
    const idle = pids().filter((pid) => pid !== sandbox.pid);
    assert.equal(idle.length, 3);
    assert.ok(idle.every((pid) => !processExists(pid)), 'close left an idle child');
    assert.deepEqual({ ready: pool.stats.ready, warming: pool.stats.warming }, { ready: 0, warming: 0 });
    const pid = /** @type {number} */ (sandbox.pid);
    try {
      assert.equal((await within(sandbox.execute('print still here'))).stdout, 'still here\n');
    } finally {
      await within(sandbox.close());
    }
    assert.equal(processExists(pid), false);
    await within(pool.close());
  });

  it('close kills, after the grace period, a child that ignores EOF', async () => {
    const { child, pids } = recorded('warm-stubborn');
    const pool = new SandboxPool({ size: 1, child });
    await within(pool.ready());
    const started = Date.now();
    await within(pool.close(), 5_000);
    assert.ok(Date.now() - started >= 1900, 'the child was killed before its grace period');
    assert.equal(processExists(pids()[0]), false);
  });

  it('close during warming reaps children that never answered', async () => {
    const { child, pids } = recorded('warm-silent');
    const pool = new SandboxPool({ size: 2, child });
    await until(() => pids().length === 2);
    await within(pool.close(), 5_000);
    assert.ok(pids().every((pid) => !processExists(pid)));
  });

  it('kills its idle children when the process exits without closing it', async () => {
    const { child, pids } = recorded('warm-stubborn');
    const script = `import { SandboxPool } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
      const pool = new SandboxPool({ size: 2, child: ${JSON.stringify(child)} });
      await pool.ready();
      process.exit(0);`;
    await within(promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]));
    assert.equal(pids().length, 2);
    await until(() => pids().every((pid) => !running(pid)), 5_000);
  });

  it('refuses sessions once closed', async () => {
    const pool = new SandboxPool({ child: fakeChild('warm') });
    await within(pool.close());
    assert.equal(pool.closed, true);
    assert.throws(() => pool.sandbox(), { code: 'ERR_CLOSED', message: /the pool is closed/ });
    await assert.rejects(pool.session(), { code: 'ERR_CLOSED' });
  });

  it('a Sandbox created before close cannot start after it', async () => {
    const pool = new SandboxPool({ child: fakeChild('warm') });
    const sandbox = pool.sandbox();
    await within(pool.close());
    await assert.rejects(sandbox.start(), { code: 'ERR_CLOSED', message: /pool is closed/ });
    assert.equal(sandbox.state, 'closed');
  });

  it('honours an AbortSignal, before and while waiting for a warm child', async () => {
    const { child, pids } = recorded('warm-slow');
    await withPool({ size: 1, child }, async (pool) => {
      await assert.rejects(pool.session({}, { signal: AbortSignal.abort() }), { code: 'ERR_ABORTED' });
      await until(() => pids().length === 1);
      const controller = new AbortController();
      const starting = pool.session({}, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(within(starting), { code: 'ERR_ABORTED' });
      await until(() => !processExists(pids()[0]));
      assert.equal(pool.stats.failed, 0);
    });
  });

  it('checks its options', () => {
    const bad = [
      [{ size: 0 }, /'size' must be an integer from 1 to 64, got 0/],
      [{ size: 65 }, /'size' must be an integer from 1 to 64, got 65/],
      [{ size: 1.5 }, /'size'/],
      [{ size: '2' }, /'size'/],
      [{ preload: 'json' }, /'preload' must be an array/],
      [{ preload: ['os; import x'] }, /'preload\[0\]' must be a dotted module name/],
      [{ preload: ['a..b'] }, /'preload\[0\]'/],
      [{ preload: Array(65).fill('json') }, /'preload' has 65 items, at most 64/],
      [{ verbosity: 9 }, /'verbosity'/],
      [{ startTimeout: -1 }, /'startTimeout'/],
      [{ limits: {} }, /unknown option 'limits'/],
      [null, /pool options must be an object/],
    ];
    for (const [options, message] of bad) {
      assert.throws(() => new SandboxPool(/** @type {any} */ (options)), { code: 'ERR_INVALID_OPTION', message },
        JSON.stringify(options));
    }
  });

  it('checks the session options, and keeps the child option to the pool', () =>
    withPool({ child: fakeChild('warm') }, async (pool) => {
      assert.throws(() => pool.sandbox({ child: '/bin/true' }), { code: 'ERR_INVALID_OPTION',
        message: /option 'child' is the pool's/ });
      assert.throws(() => pool.sandbox({ cwd: 'relative' }), { code: 'ERR_INVALID_OPTION', message: /'cwd'/ });
      await assert.rejects(pool.session({}, { signal: /** @type {any} */ ('nope') }), { code: 'ERR_INVALID_ARG' });
    }));

  it('checks the child at every start, warm and cold (REQ-SEC-12)', () => {
    const tree = trustTree('warm');
    const refused = `cannot trust the sandbox child '${tree.child}': '${tree.top}/d' is writable by others`;
    return withPool({ size: 1, child: tree.child }, async (pool) => {
      await within(pool.ready());
      tree.set('/d', 0o777);
      // The warm child started while the directory was safe; its replacement is refused.
      const sandbox = await within(pool.session());
      await within(sandbox.close());
      await until(() => pool.stats.lastError !== undefined);
      assert.deepEqual([pool.stats.lastError?.code, pool.stats.lastError?.message], ['ERR_SPAWN', refused]);
      await assert.rejects(within(pool.session()), { code: 'ERR_SPAWN', message: refused });
    });
  });

  it('keeps two children by default, as the C parent does', () =>
    withPool({ child: fakeChild('warm') }, async (pool) => {
      assert.equal(pool.size, 2);
      await within(pool.ready());
      assert.equal(pool.stats.ready, 2);
    }));

  it('counts a child binary it cannot find as a failure, with its error', async () => {
    const saved = process.env.PYSANDBOX_CHILD;
    delete process.env.PYSANDBOX_CHILD;
    const pool = new SandboxPool();
    try {
      await within(pool.ready());
      assert.equal(pool.stats.lastError?.code, 'ERR_SPAWN');
      assert.match(pool.stats.lastError?.message ?? '', /no sandbox child found/);
      assert.equal(pool.stats.failed, 1);
    } finally {
      if (saved !== undefined) {
        process.env.PYSANDBOX_CHILD = saved;
      }
      await within(pool.close());
    }
  });

  it('reports a missing child when a session is asked for', async () => {
    const pool = new SandboxPool({ child: path.join(scratch, 'no-such-child') });
    try {
      await assert.rejects(within(pool.session()), { code: 'ERR_SPAWN' });
      assert.ok(pool.stats.failed >= 1);
    } finally {
      await within(pool.close());
    }
  });
});
