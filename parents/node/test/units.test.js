import assert from 'node:assert/strict';
import { it } from 'node:test';

import { parseDuration, parseSize } from '../src/units.js';

it('parses sizes', () => {
  const cases = [[4096, 4096], ['4096', 4096], ['64K', 65536], ['64k', 65536], ['256M', 268435456],
    ['1G', 1073741824], ['1.5GiB', 1610612736], ['2 MB', 2097152], ['10b', 10], [' 1T ', 1099511627776]];
  for (const [input, bytes] of cases) {
    assert.equal(parseSize('limits.memory', input), bytes, String(input));
  }
});

it('refuses bad sizes with the option name', () => {
  for (const bad of [-1, 1.5, NaN, '', 'M', '12X', '-3M', '1e3', null, {}, [], '9'.repeat(30)]) {
    assert.throws(() => parseSize('limits.memory', bad), (err) => {
      assert.equal(/** @type {any} */ (err).code, 'ERR_INVALID_OPTION');
      assert.match(/** @type {Error} */ (err).message, /^option 'limits\.memory' must be a size/);
      return true;
    }, String(bad));
  }
});

it('parses durations', () => {
  const cases = [[1500, 1500], ['250ms', 250], ['5s', 5000], ['1.5s', 1500], ['2m', 120000], ['1h', 3600000],
    ['0s', 0]];
  for (const [input, ms] of cases) {
    assert.equal(parseDuration('limits.wallTime', input), ms, String(input));
  }
});

it('refuses durations without a unit or of the wrong type', () => {
  for (const bad of ['500', '5 sec', '-1s', 1.25, -5, true, undefined]) {
    assert.throws(() => parseDuration('grace', bad), { code: 'ERR_INVALID_OPTION' }, String(bad));
  }
});
