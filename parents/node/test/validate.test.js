import assert from 'node:assert/strict';
import { it } from 'node:test';

import { base64, boolean, count, intOrNull, object, oneOf, string } from '../src/validate.js';

it('accepts values of the right type and names the field otherwise', () => {
  assert.deepEqual(object({ a: 1 }, 'x'), { a: 1 });
  assert.equal(string('s', 'x'), 's');
  assert.equal(count(0, 'x'), 0);
  assert.equal(intOrNull(null, 'x'), null);
  assert.equal(intOrNull(-3, 'x'), -3);
  assert.equal(boolean(false, 'x'), false);
  assert.equal(oneOf('b', 'x', ['a', 'b']), 'b');
  const bad = [() => object([], 'f'), () => string(1, 'f'), () => count(-1, 'f'), () => count(1.5, 'f'),
    () => count(2 ** 53, 'f'), () => intOrNull('1', 'f'), () => boolean(0, 'f'), () => oneOf('c', 'f', ['a'])];
  for (const check of bad) {
    assert.throws(check, (err) => {
      assert.equal(/** @type {any} */ (err).code, 'ERR_PROTOCOL');
      assert.match(/** @type {Error} */ (err).message, /'f'/);
      return true;
    });
  }
});

it('decodes only strict, padded base64', () => {
  assert.deepEqual(base64('', 'd'), Buffer.alloc(0));
  assert.equal(base64('aGk=', 'd').toString(), 'hi');
  assert.equal(base64('aGkh', 'd').toString(), 'hi!');
  for (const bad of ['aGk', 'aG=k', 'aGk=\n', 'a-_=', ' aGk=', 5]) {
    assert.throws(() => base64(bad, 'd'), { code: 'ERR_PROTOCOL' }, String(bad));
  }
});
