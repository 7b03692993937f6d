import assert from 'node:assert/strict';
import { it } from 'node:test';

import {
  abortedError, addRunOptions, checkPathArg, executeParams, invokeParams, parseCancel,
} from '../src/arguments.js';

it('turns execute sources into params', () => {
  assert.deepEqual(executeParams('print(1)'), { code: 'print(1)' });
  assert.deepEqual(executeParams({ path: '/app/main.py', filename: 'main' }), { path: '/app/main.py', filename: 'main' });
  for (const bad of [5, null, {}, { code: 'x', path: '/y' }, { code: 1 }, { code: 'x', filename: 2 }]) {
    assert.throws(() => executeParams(/** @type {any} */ (bad)), { code: 'ERR_INVALID_ARG' });
  }
});

it('checks invoke arguments', () => {
  assert.deepEqual(invokeParams('a.b.c', [1], { k: 2 }), { callable: 'a.b.c', args: [1], kwargs: { k: 2 } });
  for (const [callable, args, kwargs] of [['f', [], {}], ['a.', [], {}], ['a.b c', [], {}], [1, [], {}],
    ['a.b', {}, {}], ['a.b', [], []], ['a.b', [], null]]) {
    assert.throws(() => invokeParams(callable, args, kwargs), { code: 'ERR_INVALID_ARG' });
  }
});

it('adds stdin as base64 and checks the signal', () => {
  /** @type {Record<string, unknown>} */
  const params = {};
  addRunOptions({ stdin: new Uint8Array([0, 255]) }, params);
  assert.equal(params.stdin_data, 'AP8=');
  assert.throws(() => addRunOptions(/** @type {any} */ ({ signal: 'x' }), {}), { code: 'ERR_INVALID_ARG' });
  assert.throws(() => addRunOptions(/** @type {any} */ (null), {}), { code: 'ERR_INVALID_ARG' });
});

it('reports an aborted signal with its reason', () => {
  assert.equal(abortedError(undefined), undefined);
  assert.equal(abortedError(new AbortController().signal), undefined);
  const err = abortedError(AbortSignal.abort('why'));
  assert.equal(err?.code, 'ERR_ABORTED');
  assert.equal(err?.cause, 'why');
});

it('checks paths and cancel answers', () => {
  assert.equal(checkPathArg('/tmp/x'), '/tmp/x');
  assert.throws(() => checkPathArg('tmp'), { code: 'ERR_INVALID_ARG' });
  assert.throws(() => checkPathArg('/a\0b'), { code: 'ERR_INVALID_ARG' });
  assert.equal(parseCancel({ cancelled: true }), true);
  assert.throws(() => parseCancel({ cancelled: 'yes' }), { code: 'ERR_PROTOCOL' });
});
