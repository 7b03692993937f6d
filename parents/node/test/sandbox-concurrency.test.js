import assert from 'node:assert/strict';
import { it } from 'node:test';

import { Sandbox } from '../src/index.js';
import { fakeChild, within } from './helpers.js';

it('runs 50 sessions at once without blocking the event loop', async () => {
  let ticks = 0;
  const heartbeat = setInterval(() => { ticks += 1; }, 5);
  const child = fakeChild();

  try {
    const results = await within(Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const sandbox = new Sandbox({ child });
      sandbox.expose('twice', ([n]) => Number(n) * 2);
      await sandbox.start();
      try {
        const first = await sandbox.execute(`print session ${i}\ncall twice [${i}] {}`);
        const second = await sandbox.invoke('__main__.f', [i]);
        return { stdout: first.stdout, value: second.value };
      } finally {
        await sandbox.close();
      }
    })), 60_000);

    results.forEach((r, i) => {
      assert.equal(r.stdout, `session ${i}\n{"value":${2 * i}}\n`);
      assert.deepEqual(r.value, { callable: '__main__.f', args: [i], kwargs: {} });
    });
    assert.ok(ticks > 0, 'the event loop kept running timers while 50 sessions ran');
  } finally {
    clearInterval(heartbeat);
  }
});
