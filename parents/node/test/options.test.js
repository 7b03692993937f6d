import assert from 'node:assert/strict';
import { it } from 'node:test';

import { normalizeOptions } from '../src/options.js';

const handler = { stat: () => ({ type: /** @type {const} */ ('dir') }), read: () => '', list: () => [] };

it('translates options into initialize params', () => {
  const o = normalizeOptions({
    child: '/opt/sandbox',
    limits: { memory: '256M', cpuTime: '2s', wallTime: 5000, output: '1M', openFiles: 64, threads: 4,
      hostCall: '64K', frame: '128K', fileSize: '8M' },
    filesystem: [
      { type: 'bind', source: '/usr/share', target: '/data', include: ['*.csv'], exclude: ['secret/*'] },
      { type: 'file', target: '/app/main.py', data: 'print(1)\n', mode: 0o644 },
      { type: 'file', target: '/app/blob', data: new Uint8Array([0, 255]) },
      { type: 'tmpfs', target: '/out', maxBytes: '1M', maxFiles: 10 },
      { type: 'host', target: '/modules', handler },
      { type: 'device', target: '/dev/null', device: 'null' },
    ],
    defaults: false, env: { HOME: '/tmp' }, argv: ['x'], cwd: '/app', verbosity: 2,
    startTimeout: '1s', requestTimeout: '2s', grace: '3s',
  });
  assert.equal(o.child, '/opt/sandbox');
  assert.deepEqual(o.initParams, {
    protocol_version: '1.0',
    limits: { memory_bytes: 268435456, cpu_ms: 2000, wall_ms: 5000, output_bytes: 1048576, open_files: 64,
      threads: 4, host_call_bytes: 65536, frame_bytes: 131072, file_bytes: 8388608 },
    filesystem: [
      { type: 'bind', source: '/usr/share', target: '/data', include: ['*.csv'], exclude: ['secret/*'] },
      { type: 'file', target: '/app/main.py', data: 'cHJpbnQoMSkK', mode: 420 },
      { type: 'file', target: '/app/blob', data: 'AP8=' },
      { type: 'tmpfs', target: '/out', max_bytes: 1048576, max_files: 10 },
      { type: 'host', target: '/modules' },
      { type: 'device', target: '/dev/null', device: 'null' },
    ],
    defaults: false, env: { HOME: '/tmp' }, argv: ['x'], cwd: '/app', verbosity: 2,
  });
  assert.equal(o.hostDirectories.get('/modules'), handler);
  assert.deepEqual([o.startTimeout, o.requestTimeout, o.grace], [1000, 2000, 3000]);
});

it('uses the spec defaults for timeouts and leaves limits to the child', () => {
  const o = normalizeOptions();
  assert.deepEqual(o.initParams, { protocol_version: '1.0' });
  assert.deepEqual([o.startTimeout, o.requestTimeout, o.grace], [30000, 5000, 5000]);
});

it('passes output and fileSize 0 on: their protocol ranges start at 0', () => {
  const o = normalizeOptions({ limits: { output: 0, fileSize: '0' } });
  assert.deepEqual(o.initParams.limits, { output_bytes: 0, file_bytes: 0 });
});

it('resolves a relative bind source against the working directory', () => {
  const o = normalizeOptions({ filesystem: [{ type: 'bind', source: 'data', target: '/data' }] });
  const entry = /** @type {any[]} */ (o.initParams.filesystem)[0];
  assert.equal(entry.source, `${process.cwd()}/data`);
});

it('refuses every kind of bad option with its name', () => {
  /** @type {[unknown, RegExp][]} */
  const cases = [
    ['nope', /options must be an object/],
    [{ limit: {} }, /unknown option 'limit'/],
    [{ limits: { memroy: 1 } }, /unknown option 'limits\.memroy'/],
    [{ limits: { frame: '1K' } }, /'limits\.frame' must be between 65536 and 67108864/],
    [{ limits: { threads: '4' } }, /'limits\.threads' must be a non-negative integer/],
    [{ filesystem: {} }, /'filesystem' must be an array/],
    [{ filesystem: [{ type: 'nfs', target: '/x' }] }, /'filesystem\[0\]\.type' must be one of/],
    [{ filesystem: [{ type: 'tmpfs', target: '/x', size: 1 }] }, /unknown option 'filesystem\[0\]\.size'/],
    [{ filesystem: [{ type: 'tmpfs', target: 'rel' }] }, /'filesystem\[0\]\.target' must be an absolute/],
    [{ filesystem: [{ type: 'tmpfs', target: '/a/../b' }] }, /absolute, normalized/],
    [{ filesystem: [{ type: 'tmpfs', target: '/a/' }] }, /absolute, normalized/],
    [{ filesystem: [{ type: 'tmpfs', target: '/a//b' }] }, /absolute, normalized/],
    [{ filesystem: [{ type: 'tmpfs', target: `/${'a'.repeat(4096)}` }] }, /longer than 4096 bytes/],
    [{ filesystem: [{ type: 'bind', source: '', target: '/x' }] }, /'filesystem\[0\]\.source' must not be empty/],
    [{ filesystem: [{ type: 'bind', source: '/s', target: '/x', include: Array(65).fill('*') }] }, /65 items/],
    [{ filesystem: [{ type: 'file', target: '/x', data: 5 }] }, /'filesystem\[0\]\.data' must be a string/],
    [{ filesystem: [{ type: 'file', target: '/x', data: '', mode: 0o10000 }] }, /'filesystem\[0\]\.mode'/],
    [{ filesystem: [{ type: 'host', target: '/x', handler: { stat() {} } }] }, /handler\.read' must be a function/],
    [{ filesystem: [{ type: 'device', target: '/x', device: 'sda' }] }, /'filesystem\[0\]\.device'/],
    [{ filesystem: Array(257).fill({ type: 'tmpfs', target: '/x' }) }, /257 entries, at most 256/],
    [{ env: { 'A=B': 'x' } }, /invalid variable name/],
    [{ env: { A: 1 } }, /'env\.A' must be a string/],
    [{ env: { A: 'x\0y' } }, /must not contain a NUL/],
    [{ argv: 'x' }, /'argv' must be an array of strings/],
    [{ argv: Array(1025).fill('') }, /1025 items/],
    [{ cwd: 'tmp' }, /'cwd' must be an absolute/],
    [{ defaults: 'yes' }, /'defaults' must be a boolean/],
    [{ verbosity: 4 }, /'verbosity' must be an integer from 0 to 3/],
    [{ grace: '5' }, /'grace' must be a duration/],
    [{ child: 5 }, /'child' must be a string/],
  ];
  for (const [options, pattern] of cases) {
    assert.throws(() => normalizeOptions(options), (err) => {
      assert.equal(/** @type {any} */ (err).code, 'ERR_INVALID_OPTION');
      assert.match(/** @type {Error} */ (err).message, pattern);
      return true;
    }, JSON.stringify(options)?.slice(0, 80));
  }
});
