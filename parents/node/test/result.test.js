import assert from 'node:assert/strict';
import { it } from 'node:test';

import { Result } from '../src/result.js';

const OK = {
  outcome: 'ok', session_usable: true, exit_status: null, exception: null, value: { a: [1] },
  usage: { wall_ms: 3, cpu_ms: 2, peak_memory_bytes: 14680064, forwarded_calls: 12, host_calls: 0,
    stdout_bytes: 2, stderr_bytes: 0 },
  violation: null, signal: null, unknown_member: 'ignored',
};

it('builds a frozen, camelCase result', () => {
  const r = new Result(OK, Buffer.from('2\n'), Buffer.alloc(0));
  assert.equal(r.ok, true);
  assert.equal(r.sessionUsable, true);
  assert.equal(r.usage.forwardedCalls, 12);
  assert.equal(r.stdout, '2\n');
  assert.ok(Object.isFrozen(r) && Object.isFrozen(r.usage) && Object.isFrozen(r.value));
  assert.deepEqual(JSON.parse(JSON.stringify(r)).value, { a: [1] });
});

it('decodes output that is not valid UTF-8 without failing', () => {
  const r = new Result(OK, Buffer.from([0xe2, 0x82]), Buffer.alloc(0));
  assert.equal(r.stdout, '\ufffd');
});

it('derives session_usable when absent and fills absent usage with zeros', () => {
  const r = new Result({ outcome: 'timeout' }, Buffer.alloc(0), Buffer.alloc(0));
  assert.equal(r.sessionUsable, false);
  assert.equal(r.usage.wallMs, 0);
  assert.equal(r.value, null);
});

it('refuses invalid RunResults with the field named', () => {
  /** @type {[unknown, RegExp][]} */
  const cases = [
    [null, /must be an object/],
    [{ ...OK, outcome: 'weird' }, /'outcome' must be one of/],
    [{ ...OK, session_usable: 'yes' }, /'session_usable'/],
    [{ ...OK, exit_status: 1.5 }, /'exit_status'/],
    [{ ...OK, usage: { wall_ms: -1 } }, /'usage\.wall_ms'/],
    [{ ...OK, outcome: 'exception' }, /without an exception/],
    [{ ...OK, outcome: 'exception', exception: { type: 1, message: '' } }, /'exception\.type'/],
    [{ ...OK, outcome: 'violation' }, /without a violation/],
    [{ ...OK, violation: { syscall: 'socket', number: 'x', arch: 'x86_64' } }, /'violation\.number'/],
  ];
  for (const [raw, pattern] of cases) {
    assert.throws(() => new Result(raw, Buffer.alloc(0), Buffer.alloc(0)), (err) => {
      assert.equal(/** @type {any} */ (err).code, 'ERR_PROTOCOL');
      assert.match(/** @type {Error} */ (err).message, pattern);
      return true;
    });
  }
});
