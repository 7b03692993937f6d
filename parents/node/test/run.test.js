import assert from 'node:assert/strict';
import { it } from 'node:test';

import { SandboxError } from '../src/errors.js';
import { Result } from '../src/result.js';
import { Run } from '../src/run.js';

const ok = () => new Result({ outcome: 'ok' }, Buffer.alloc(0), Buffer.alloc(0));

it('yields chunks received before and after iteration starts, then ends with the run', async () => {
  const run = new Run(1, async () => {});
  run.pushOutput('stdout', Buffer.from('a'));
  /** @type {string[]} */
  const seen = [];
  const consumer = (async () => {
    for await (const chunk of run) {
      seen.push(`${chunk.stream}:${chunk.data}`);
    }
  })();
  await new Promise((resolve) => setImmediate(resolve));
  run.pushOutput('stderr', Buffer.from('b'));
  run.resolve(ok());
  run.pushOutput('stdout', Buffer.from('ignored after the end'));
  await consumer;
  assert.deepEqual(seen, ['stdout:a', 'stderr:b']);
  assert.equal(run.collected('stdout').toString(), 'a');
  assert.equal(run.outputBytes, 2);
  assert.equal((await run).outcome, 'ok');
});

it('lets an iterator see the failure after the output it got', async () => {
  const run = new Run(2, async () => {});
  run.pushOutput('stdout', Buffer.from('x'));
  run.reject(new SandboxError('ERR_CHILD_EXITED', 'gone'));
  const iterator = run[Symbol.asyncIterator]();
  assert.equal((await iterator.next()).done, false);
  await assert.rejects(iterator.next(), { code: 'ERR_CHILD_EXITED' });
  await assert.rejects(run, { code: 'ERR_CHILD_EXITED' });
});

it('does not raise an unhandled rejection when only iterated', async () => {
  const run = new Run(3, async () => {});
  run.reject(new SandboxError('ERR_CLOSED', 'closed'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(run.settled, true);
  assert.equal(Object.prototype.toString.call(run), '[object Run]');
});

it('cancels only while running', async () => {
  let calls = 0;
  const run = new Run(4, async () => { calls += 1; });
  await run.cancel();
  run.resolve(ok());
  await run.cancel();
  assert.equal(calls, 1);
});
