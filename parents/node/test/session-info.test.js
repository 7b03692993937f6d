import assert from 'node:assert/strict';
import { it } from 'node:test';

import { camelize, parseSession, parseTmpfsList, parseTmpfsRead } from '../src/session-info.js';

it('camelizes the initialize result and fills limits from the request, then the defaults', () => {
  const info = parseSession({
    protocol_version: '1.0', child: { name: 'python-sandbox', version: '1.0.0' },
    isolation: { landlock_abi: 7, no_new_privs: true }, limits: { wall_ms: 5000 },
  }, { cpu_ms: 2000 });
  assert.equal(info.isolation.landlockAbi, 7);
  assert.equal(info.limits.wallMs, 5000);
  assert.equal(info.limits.cpuMs, 2000);
  assert.equal(info.limits.frameBytes, 4194304);
  assert.ok(Object.isFrozen(info.isolation));
  assert.deepEqual(camelize({ a_b: [{ c_d: 1 }] }), { aB: [{ cD: 1 }] });
});

it('refuses a result of another major version or with bad limits', () => {
  assert.throws(() => parseSession({ protocol_version: '2.0' }, {}), /1\.x/);
  assert.throws(() => parseSession({}, {}), /'protocol_version' must be a string/);
  assert.throws(() => parseSession({ protocol_version: '1.0', limits: { frame_bytes: 10 } }, {}), /frame_bytes/);
  assert.throws(() => parseSession({ protocol_version: '1.0', limits: { wall_ms: '5s' } }, {}), /wall_ms/);
});

it('checks tmpfs/list and tmpfs/read results', () => {
  const list = parseTmpfsList({ entries: [{ path: '/out/a', type: 'file', size: 1, mode: 420 }] });
  assert.deepEqual(list, { entries: [{ path: '/out/a', type: 'file', size: 1, mode: 420 }], truncated: false });
  assert.throws(() => parseTmpfsList({ entries: [{ path: '/x', type: 'fifo' }] }), { code: 'ERR_PROTOCOL' });
  assert.throws(() => parseTmpfsList({ entries: Array(10001).fill({}) }), /at most 10000/);
  assert.deepEqual(parseTmpfsRead({ data: 'AP8=', size: 2, eof: true }, 10),
    { data: Buffer.from([0, 255]), size: 2, eof: true });
  assert.throws(() => parseTmpfsRead({ data: 'AP8', size: 2, eof: true }, 10), /padded base64/);
  assert.throws(() => parseTmpfsRead({ data: 'AAAA', size: 3, eof: true }, 2), /more than the 2/);
});
