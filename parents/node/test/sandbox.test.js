import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Result, Sandbox, SandboxError } from '../src/index.js';
import { fakeChild, within } from './helpers.js';

/**
 * @param {import('../src/options.js').SandboxOptions} [options]
 * @returns {Promise<Sandbox>}
 */
async function started(options = {}) {
  const sandbox = new Sandbox({ child: fakeChild(), ...options });
  await within(sandbox.start());
  return sandbox;
}

describe('Sandbox against the fake child', () => {
  it('starts, reports the session and sends the options as initialize params', async () => {
    const sandbox = new Sandbox({
      child: fakeChild(),
      limits: { memory: '256M', wallTime: '5s', cpuTime: 2000 },
      env: { A: 'b' },
      argv: ['prog', 'x'],
      cwd: '/work',
      filesystem: [{ type: 'tmpfs', target: '/out', maxBytes: '1M' }],
    });
    sandbox.expose('add', ([a, b]) => Number(a) + Number(b));
    const info = await within(sandbox.start());
    try {
      assert.equal(sandbox.state, 'ready');
      assert.equal(info.protocolVersion, '1.0');
      assert.equal(info.isolation.landlockAbi, 7);
      assert.equal(info.limits.wallMs, 5000);
      assert.equal(info.limits.memoryBytes, 256 * 1024 * 1024);
      const sent = JSON.parse((await within(sandbox.execute('init'))).stdout);
      assert.deepEqual(sent, {
        protocol_version: '1.0',
        limits: { memory_bytes: 268435456, wall_ms: 5000, cpu_ms: 2000 },
        filesystem: [{ type: 'tmpfs', target: '/out', max_bytes: 1048576 }],
        env: { A: 'b' },
        argv: ['prog', 'x'],
        cwd: '/work',
        host_functions: [{ name: 'add' }],
      });
    } finally {
      await within(sandbox.close());
    }
    assert.equal(sandbox.state, 'closed');
  });

  it('runs code and returns an immutable Result with the output', async () => {
    const sandbox = await started();
    try {
      const result = await within(sandbox.execute('print hello\neprint oops\nprint world'));
      assert.ok(result instanceof Result);
      assert.equal(result.outcome, 'ok');
      assert.equal(result.ok, true);
      assert.equal(result.stdout, 'hello\nworld\n');
      assert.equal(result.stderr, 'oops\n');
      assert.equal(result.usage.peakMemoryBytes, 1024);
      assert.ok(Object.isFrozen(result));
      assert.throws(() => { /** @type {any} */ (result).outcome = 'exception'; }, TypeError);
    } finally {
      await sandbox.close();
    }
  });

  it('streams output through the async iterator and the output event', async () => {
    const sandbox = await started();
    /** @type {string[]} */
    const events = [];
    sandbox.on('output', (chunk) => events.push(`${chunk.stream}:${chunk.data}`));
    try {
      const run = sandbox.execute('print a\nsleep 20\neprint b\nprint c');
      /** @type {string[]} */
      const seen = [];
      for await (const chunk of run) {
        seen.push(`${chunk.stream}:${chunk.data}`);
      }
      assert.deepEqual(seen, ['stdout:a\n', 'stderr:b\n', 'stdout:c\n']);
      assert.deepEqual(events, seen);
      assert.equal((await run).stdout, 'a\nc\n');
    } finally {
      await sandbox.close();
    }
  });

  it('reports exceptions and exits as outcomes, and the session stays usable', async () => {
    const sandbox = await started();
    try {
      const ex = await within(sandbox.execute('raise ZeroDivisionError division by zero'));
      assert.equal(ex.outcome, 'exception');
      assert.deepEqual({ ...ex.exception }, { type: 'ZeroDivisionError', message: 'division by zero',
        traceback: 'Traceback (most recent call last):\n' });
      const exit = await within(sandbox.execute('exit 3'));
      assert.equal(exit.outcome, 'exit');
      assert.equal(exit.exitStatus, 3);
      assert.equal(sandbox.state, 'ready');
    } finally {
      await sandbox.close();
    }
  });

  it('invokes a callable with JSON arguments and returns its value', async () => {
    const sandbox = await started();
    try {
      const result = await within(sandbox.invoke('__main__.f', [1, 'two'], { three: [3] }));
      assert.deepEqual(result.value, { callable: '__main__.f', args: [1, 'two'], kwargs: { three: [3] } });
      assert.ok(Object.isFrozen(result.value));
    } finally {
      await sandbox.close();
    }
  });

  it('ends the session after a fatal outcome', async () => {
    const sandbox = await started();
    const ended = new Promise((resolve) => sandbox.once('ended', resolve));
    const result = await within(sandbox.execute('fatal violation'));
    assert.equal(result.outcome, 'violation');
    assert.equal(result.sessionUsable, false);
    assert.deepEqual({ ...result.violation }, { syscall: 'socket', number: 41, arch: 'x86_64' });
    await within(ended);
    await assert.rejects(sandbox.execute('print x'), { code: 'ERR_SESSION_ENDED' });
    await within(sandbox.close());
  });

  it('refuses a second run while one is in progress', async () => {
    const sandbox = await started();
    try {
      const first = sandbox.execute('sleep 100\nprint done');
      await assert.rejects(sandbox.execute('print no'), { code: 'ERR_BUSY' });
      await assert.rejects(sandbox.readTmpfs('/tmp/x'), { code: 'ERR_BUSY' });
      assert.equal((await within(first)).stdout, 'done\n');
    } finally {
      await sandbox.close();
    }
  });

  it('rejects calls in the wrong state with specific codes', async () => {
    const sandbox = new Sandbox({ child: fakeChild() });
    await assert.rejects(sandbox.execute('print x'), { code: 'ERR_NOT_STARTED' });
    await within(sandbox.start());
    assert.throws(() => sandbox.expose('f', () => 1), { code: 'ERR_ALREADY_STARTED' });
    await assert.rejects(sandbox.start(), { code: 'ERR_ALREADY_STARTED' });
    await sandbox.close();
    await assert.rejects(sandbox.execute('print x'), { code: 'ERR_CLOSED' });
    await sandbox.close();
  });

  it('checks run arguments', async () => {
    const sandbox = await started();
    try {
      await assert.rejects(sandbox.execute(/** @type {any} */ (42)), { code: 'ERR_INVALID_ARG' });
      await assert.rejects(sandbox.execute({ code: 'x', path: '/y' }), { code: 'ERR_INVALID_ARG' });
      await assert.rejects(sandbox.invoke('nodots'), { code: 'ERR_INVALID_ARG' });
      await assert.rejects(sandbox.invoke('m.f', /** @type {any} */ ({})), { code: 'ERR_INVALID_ARG' });
      await assert.rejects(sandbox.execute('x', { stdin: /** @type {any} */ (5) }), { code: 'ERR_INVALID_ARG' });
      await assert.rejects(sandbox.invoke('m.f', [10n]), { code: 'ERR_INVALID_ARG' });
      const result = await within(sandbox.execute('print still fine'));
      assert.equal(result.stdout, 'still fine\n');
    } finally {
      await sandbox.close();
    }
  });

  it('refuses a request larger than the frame limit without sending it', async () => {
    const sandbox = await started({ limits: { frame: '64K' } });
    try {
      await assert.rejects(sandbox.execute(`print ${'x'.repeat(70000)}`), { code: 'ERR_FRAME_TOO_LARGE' });
      assert.equal((await within(sandbox.execute('print ok'))).stdout, 'ok\n');
    } finally {
      await sandbox.close();
    }
  });

  it('refuses a configuration that does not fit the 1 MiB initialize frame', async () => {
    const sandbox = new Sandbox({ child: fakeChild(),
      filesystem: [{ type: 'file', target: '/big', data: new Uint8Array(800 * 1024) }] });
    await assert.rejects(within(sandbox.start()), { code: 'ERR_FRAME_TOO_LARGE' });
    assert.equal(sandbox.state, 'closed');
    await within(sandbox.close());
  });

  it('reads and lists tmpfs files', async () => {
    const sandbox = await started();
    try {
      await within(sandbox.execute('write /tmp/out.txt hello, tmpfs world'));
      const listing = await within(sandbox.listTmpfs('/tmp'));
      assert.deepEqual(listing.entries.map((e) => e.path), ['/tmp/out.txt']);
      assert.equal(listing.truncated, false);
      const data = await within(sandbox.readTmpfs('/tmp/out.txt'));
      assert.equal(data.toString(), 'hello, tmpfs world');
      await assert.rejects(sandbox.readTmpfs('/tmp/out.txt', { maxBytes: 4 }), { code: 'ERR_INVALID_ARG' });
      await assert.rejects(sandbox.readTmpfs('/tmp/missing'), { code: 'ERR_REMOTE', rpcName: 'not_found' });
      await assert.rejects(sandbox.readTmpfs('relative'), { code: 'ERR_INVALID_ARG' });
    } finally {
      await sandbox.close();
    }
  });

  it('passes stdin to the run', async () => {
    const sandbox = await started();
    try {
      const result = await within(sandbox.execute('print x', { stdin: 'input' }));
      assert.equal(result.outcome, 'ok');
    } finally {
      await sandbox.close();
    }
  });

  it('does not use features the child reports as unsupported', async () => {
    const sandbox = new Sandbox({ child: fakeChild('no-capabilities') });
    await within(sandbox.start());
    await assert.rejects(sandbox.invoke('m.f'), { code: 'ERR_UNSUPPORTED' });
    await assert.rejects(sandbox.listTmpfs('/tmp'), { code: 'ERR_UNSUPPORTED' });
    await assert.rejects(sandbox.cancel(), { code: 'ERR_UNSUPPORTED' });
    const run = sandbox.execute('sleep 60000');
    assert.equal(await run.cancel(), undefined);
    await assert.rejects(within(run), { code: 'ERR_ABORTED' });
    await within(sandbox.close());
  });

  it('supports await using through Symbol.asyncDispose', async () => {
    const sandbox = await started();
    await sandbox[Symbol.asyncDispose]();
    assert.equal(sandbox.state, 'closed');
  });

  it('is an instance of SandboxError for every failure', async () => {
    const sandbox = new Sandbox({ child: fakeChild() });
    const err = await sandbox.execute('x').then(() => undefined, (e) => e);
    assert.ok(err instanceof SandboxError);
    assert.equal(err.name, 'SandboxError');
  });
});
