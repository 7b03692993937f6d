import assert from 'node:assert/strict';
import { it } from 'node:test';

import { answerHostCall, answerHostFs, pythonTypeOf } from '../src/host.js';

it('maps JavaScript errors to Python exception types', () => {
  assert.equal(pythonTypeOf(new TypeError('x')), 'TypeError');
  assert.equal(pythonTypeOf(new RangeError('x')), 'ValueError');
  assert.equal(pythonTypeOf(new Error('x')), 'SandboxError');
  assert.equal(pythonTypeOf('a string'), 'SandboxError');
  assert.equal(pythonTypeOf(Object.assign(new TypeError('x'), { pythonType: 'PermissionError' })),
    'PermissionError');
  assert.equal(pythonTypeOf({ pythonType: 'SystemExit' }), 'SandboxError');
});

const options = { run: 7, maxBytes: 1024, signal: new AbortController().signal, id: 'c1' };

it('refuses a host call for a run that is not in progress', async () => {
  const functions = new Map([['f', () => 1]]);
  await assert.rejects(answerHostCall({ run: 8, function: 'f' }, functions, options),
    { rpcCode: -32602, data: { field: '/run' } });
  await assert.rejects(answerHostCall({ run: 7, function: 'f' }, functions, { ...options, run: undefined }),
    { rpcCode: -32602, data: { field: '/run' } });
  assert.deepEqual(await answerHostCall({ run: 7, function: 'f' }, functions, options), { value: 1 });
});

it('cuts long error messages', async () => {
  const functions = new Map([['f', () => { throw new Error('e'.repeat(100000)); }]]);
  const err = await answerHostCall({ run: 7, function: 'f' }, functions, options).catch((e) => e);
  assert.equal(err.rpcCode, -32050);
  assert.ok(err.message.length < 5000);
});

it('checks what host directories return', async () => {
  /** @type {any} */
  const handler = { stat: () => ({ type: 'link' }), read: () => 'x'.repeat(20), list: () => 'nope' };
  const dirs = new Map([['/m', handler]]);
  await assert.rejects(answerHostFs('stat', { target: '/m', path: 'a' }, dirs, 10), { rpcCode: -32603 });
  await assert.rejects(answerHostFs('read', { target: '/m', path: 'a' }, dirs, 10), { rpcCode: -32603 });
  await assert.rejects(answerHostFs('list', { target: '/m', path: '' }, dirs, 10), { rpcCode: -32603 });
  await assert.rejects(answerHostFs('stat', { target: 5, path: '' }, dirs, 10), { data: { field: '/target' } });
});
