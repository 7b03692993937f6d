import assert from 'node:assert/strict';
import { it } from 'node:test';

import { RPC_CODES, rpcCodeName, SandboxError } from '../src/errors.js';

it('carries a code, a cause and the remote error', () => {
  const cause = new Error('root');
  const err = new SandboxError('ERR_REMOTE', 'refused', { cause, rpcCode: -32602, data: { field: '/cwd' } });
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'SandboxError');
  assert.equal(err.code, 'ERR_REMOTE');
  assert.equal(err.cause, cause);
  assert.equal(err.rpcName, 'invalid_params');
  assert.deepEqual(err.data, { field: '/cwd' });
  assert.equal('cause' in new SandboxError('ERR_BUSY', 'busy'), false);
});

it('names every registry code', () => {
  for (const [name, code] of Object.entries(RPC_CODES)) {
    assert.equal(rpcCodeName(code), name);
  }
  assert.equal(rpcCodeName(-1), undefined);
});
