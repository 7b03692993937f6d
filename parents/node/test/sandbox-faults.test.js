// The Sandbox against a child that misbehaves: every case must end in a
// specific SandboxError or a correct Result, within bounded time, with the
// child reaped.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { Sandbox } from '../src/index.js';
import { fakeChild, reportingChild, scratch, within } from './helpers.js';

/**
 * @param {number | undefined} pid
 * @returns {boolean}
 */
function alive(pid) {
  if (pid === undefined) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Descriptors above 2 of this process that stay open across exec.
 * @returns {number[]}
 */
function inheritedOpenOnExec() {
  const O_CLOEXEC = 0o2000000;
  return readdirSync('/proc/self/fd').map(Number).filter((fd) => {
    try {
      const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      return fd > 2 && flags !== null && (parseInt(flags[1], 8) & O_CLOEXEC) === 0;
    } catch {
      return false;
    }
  });
}

/**
 * @param {import('../src/options.js').SandboxOptions} [options]
 * @returns {Promise<Sandbox>}
 */
async function started(options = {}) {
  const sandbox = new Sandbox({ child: fakeChild(), ...options });
  await within(sandbox.start());
  return sandbox;
}

describe('start-up failures', () => {
  it('reports a child that exits at start with its exit code and stderr', async () => {
    const sandbox = new Sandbox({ child: fakeChild('exit-at-start') });
    const err = await within(sandbox.start().catch((e) => e));
    assert.equal(err.code, 'ERR_CHILD_EXITED');
    assert.equal(err.exitCode, 3);
    assert.match(err.message, /cannot load the seccomp filter/);
    assert.match(err.stderr, /^sandbox\[1\]: cannot load/);
    assert.equal(sandbox.state, 'closed');
  });

  it('reports a missing child binary as ERR_SPAWN', async () => {
    const sandbox = new Sandbox({ child: path.join(scratch, 'no-such-child') });
    await assert.rejects(within(sandbox.start()), (err) => {
      assert.equal(/** @type {any} */ (err).code, 'ERR_SPAWN');
      assert.match(/** @type {Error} */ (err).message, /ENOENT/);
      return true;
    });
  });

  it('gives up on a silent child and reaps it', async () => {
    const sandbox = new Sandbox({ child: fakeChild('silent'), startTimeout: '300ms' });
    const starting = sandbox.start();
    await assert.rejects(within(starting), { code: 'ERR_TIMEOUT' });
    assert.equal(alive(sandbox.pid), false);
  });

  it('answers garbage with parse_error and times out waiting for a real answer', async () => {
    const sandbox = new Sandbox({ child: fakeChild('garbage-init'), startTimeout: '300ms' });
    await assert.rejects(within(sandbox.start()), { code: 'ERR_TIMEOUT' });
  });

  it('reports setup_failed with its data', async () => {
    const sandbox = new Sandbox({ child: fakeChild('setup-failed') });
    const err = await within(sandbox.start().catch((e) => e));
    assert.equal(err.code, 'ERR_REMOTE');
    assert.equal(err.rpcCode, -32006);
    assert.equal(err.rpcName, 'setup_failed');
    assert.deepEqual(err.data, { step: 'seccomp', errno: 'EINVAL' });
    assert.equal(alive(sandbox.pid), false);
  });

  it('refuses a child that speaks another major version', async () => {
    const sandbox = new Sandbox({ child: fakeChild('bad-version') });
    await assert.rejects(within(sandbox.start()), { code: 'ERR_PROTOCOL' });
  });

  it('honours an AbortSignal before and during start', async () => {
    const early = new Sandbox({ child: fakeChild() });
    await assert.rejects(early.start({ signal: AbortSignal.abort() }), { code: 'ERR_ABORTED' });
    const late = new Sandbox({ child: fakeChild('silent') });
    await assert.rejects(within(late.start({ signal: AbortSignal.timeout(100) })), { code: 'ERR_ABORTED' });
    assert.equal(alive(late.pid), false);
  });

  it('starts the child with descriptors 0 to 4 only and an empty environment', async () => {
    const report = path.join(scratch, 'fds.txt');
    const sandbox = new Sandbox({ child: reportingChild(report) });
    await within(sandbox.start());
    await sandbox.close();
    const lines = readFileSync(report, 'utf8').trim().split('\n');
    const fds = lines.filter((l) => /^\d+$/.test(l)).map(Number).sort((a, b) => a - b);
    // 5 is ls's own directory descriptor (the lowest free one). Beyond that,
    // only descriptors this process itself inherited without close-on-exec
    // may appear: Node cannot close those (see docs/node.md).
    assert.deepEqual(fds.slice(0, 6), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(fds.slice(6).filter((fd) => !inheritedOpenOnExec().includes(fd)), []);
    const env = lines.filter((l) => !/^\d+$/.test(l) && !/^(PWD|OLDPWD|SHLVL|_)=/.test(l));
    assert.deepEqual(env, []);
  });
});

describe('misbehaviour during a session', () => {
  it('answers malformed frames as the spec says and keeps the session', async () => {
    const sandbox = await started();
    try {
      const run = await within(sandbox.execute('garbage\nnotjsonrpc\narray\ndeep\nunknown-response\nprint ok'));
      assert.equal(run.stdout, 'ok\n');
      const errors = JSON.parse((await within(sandbox.execute('errors'))).stdout);
      assert.deepEqual(errors.map((/** @type {any} */ e) => e.code), [-32700, -32600, -32600, -32700]);
    } finally {
      await sandbox.close();
    }
  });

  it('drops an oversized frame, answers frame_too_large and continues', async () => {
    const sandbox = await started({ limits: { frame: '64K' } });
    try {
      const result = await within(sandbox.execute('oversize 200000\nprint after'));
      assert.equal(result.stdout, 'after\n');
      const errors = JSON.parse((await within(sandbox.execute('errors'))).stdout);
      assert.deepEqual(errors.map((/** @type {any} */ e) => e.code), [-32004]);
    } finally {
      await sandbox.close();
    }
  });

  it('kills a child that goes silent during a run once wall time plus grace has passed', async () => {
    const sandbox = await started({ limits: { wallTime: '200ms' }, grace: '200ms' });
    const err = await within(sandbox.execute('print partial\nsilence').catch((e) => e));
    assert.equal(err.code, 'ERR_TIMEOUT');
    assert.equal(sandbox.state, 'closed');
    await within(sandbox.close());
    assert.equal(alive(sandbox.pid), false);
    await assert.rejects(sandbox.execute('print x'), { code: 'ERR_CLOSED' });
  });

  it('reports a child that dies mid-run', async () => {
    const sandbox = await started();
    const run = sandbox.execute('print before\ndie 7');
    /** @type {string[]} */
    const seen = [];
    const err = await within((async () => {
      try {
        for await (const chunk of run) {
          seen.push(chunk.data.toString());
        }
      } catch (e) {
        return e;
      }
      return undefined;
    })());
    assert.deepEqual(seen, ['before\n']);
    assert.equal(/** @type {any} */ (err).code, 'ERR_CHILD_EXITED');
    assert.equal(/** @type {any} */ (err).exitCode, 7);
    await assert.rejects(run, { code: 'ERR_CHILD_EXITED' });
  });

  it('cuts off a child that floods more output than the limit', async () => {
    const sandbox = await started({ limits: { output: '64K' } });
    await assert.rejects(within(sandbox.execute('flood 1048576')), { code: 'ERR_PROTOCOL' });
    assert.equal(sandbox.state, 'closed');
  });

  it('keeps up with a flood of diagnostics on stderr', async () => {
    const sandbox = await started();
    try {
      const result = await within(sandbox.execute('stderr-flood 8388608\nprint done'));
      assert.equal(result.stdout, 'done\n');
    } finally {
      await sandbox.close();
    }
  });

  it('ignores output for another run', async () => {
    const sandbox = await started();
    try {
      const result = await within(sandbox.execute('wrong-run\nprint mine'));
      assert.equal(result.stdout, 'mine\n');
    } finally {
      await sandbox.close();
    }
  });

  it('treats invalid base64 in output as a protocol error', async () => {
    const sandbox = await started();
    await assert.rejects(within(sandbox.execute('bad-base64')), { code: 'ERR_PROTOCOL' });
  });

  it('treats an invalid RunResult as a protocol error and ends the session', async () => {
    const sandbox = await started();
    await assert.rejects(within(sandbox.execute('bad-result')), (err) => {
      assert.equal(/** @type {any} */ (err).code, 'ERR_PROTOCOL');
      assert.match(/** @type {Error} */ (err).message, /outcome/);
      return true;
    });
    await within(sandbox.close());
    assert.equal(alive(sandbox.pid), false);
  });

  it('delivers the last frames a child writes before exiting', async () => {
    const sandbox = await started();
    const result = await within(sandbox.execute('print last words\nresult-then-exit'));
    assert.equal(result.value, 'last');
    assert.equal(result.stdout, 'last words\n');
    await within(sandbox.close());
  });
});

describe('cancellation', () => {
  it('cancels a run through an AbortSignal: the run ends as cancelled', async () => {
    const sandbox = await started();
    const controller = new AbortController();
    const run = sandbox.execute('print started\nwait-cancel', { signal: controller.signal });
    for await (const chunk of run) {
      assert.equal(chunk.data.toString(), 'started\n');
      controller.abort();
    }
    const result = await within(run);
    assert.equal(result.outcome, 'cancelled');
    assert.equal(result.sessionUsable, false);
    await assert.rejects(sandbox.execute('print x'), { code: 'ERR_SESSION_ENDED' });
    await within(sandbox.close());
  });

  it('cancels through Run.cancel()', async () => {
    const sandbox = await started();
    const run = sandbox.execute('wait-cancel');
    await run.cancel();
    assert.equal((await within(run)).outcome, 'cancelled');
    await sandbox.close();
  });

  it('refuses a run whose signal is already aborted without sending it', async () => {
    const sandbox = await started();
    try {
      await assert.rejects(sandbox.execute('print x', { signal: AbortSignal.abort() }), { code: 'ERR_ABORTED' });
      assert.equal((await within(sandbox.execute('print y'))).stdout, 'y\n');
    } finally {
      await sandbox.close();
    }
  });

  it('kills a child that ignores cancel', async () => {
    const sandbox = await started({ requestTimeout: '200ms' });
    const run = sandbox.execute('silence');
    await run.cancel();
    await assert.rejects(within(run), { code: 'ERR_TIMEOUT' });
    await within(sandbox.close());
    assert.equal(alive(sandbox.pid), false);
  });
});

describe('close', () => {
  it('ends a run in progress and reaps the child', async () => {
    const sandbox = await started();
    const run = sandbox.execute('sleep 60000');
    await within(sandbox.close());
    await assert.rejects(run, { code: 'ERR_CLOSED' });
    assert.equal(alive(sandbox.pid), false);
  });

  it('abandons a session still starting by closing fd 3', async () => {
    const sandbox = new Sandbox({ child: fakeChild('silent') });
    const starting = sandbox.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await within(sandbox.close());
    await assert.rejects(starting, { code: 'ERR_CLOSED' });
    assert.equal(alive(sandbox.pid), false);
  });
});
