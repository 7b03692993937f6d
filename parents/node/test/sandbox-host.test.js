// Host functions and host directories, driven by the fake child's `call` and
// `hostfs` commands, which print the parent's answer as JSON.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Sandbox } from '../src/index.js';
import { fakeChild, within } from './helpers.js';

/**
 * Runs one fake-child command and returns the answer it printed.
 * @param {Sandbox} sandbox
 * @param {string} command
 * @returns {Promise<any>}
 */
async function answer(sandbox, command) {
  const result = await within(sandbox.execute(command));
  return JSON.parse(result.stdout);
}

class LookupFailure extends Error {
  pythonType = 'KeyError';
}

/** @returns {Promise<Sandbox>} */
async function withFunctions() {
  const sandbox = new Sandbox({ child: fakeChild() });
  sandbox.expose('add', ([a, b]) => Number(a) + Number(b));
  sandbox.expose('slow', async (_args, kwargs) => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    return { got: kwargs };
  });
  sandbox.expose('type_error', () => { throw new TypeError('wrong type'); });
  sandbox.expose('range_error', () => { throw new RangeError('out of range'); });
  sandbox.expose('lookup', () => { throw new LookupFailure('no page'); });
  sandbox.expose('bad_type', () => { throw Object.assign(new Error('odd'), { pythonType: 'os.system' }); });
  sandbox.expose('plain', () => { throw new Error('plain failure'); });
  sandbox.expose('bigint', () => 10n);
  sandbox.expose('huge', () => 'x'.repeat(2 * 1024 * 1024));
  sandbox.expose('nothing', () => undefined);
  await within(sandbox.start());
  return sandbox;
}

describe('host functions', () => {
  it('answers a call still open when its run ends before the next run is sent', async () => {
    const sandbox = new Sandbox({ child: fakeChild() });
    /** @type {AbortSignal | undefined} */
    let seen;
    sandbox.expose('stuck', (_args, _kwargs, { signal }) => {
      seen = signal;
      return new Promise((resolve) => { setTimeout(() => resolve('late'), 5000).unref(); });
    });
    await within(sandbox.start());
    try {
      const began = Date.now();
      assert.equal((await within(sandbox.execute('leave stuck'))).outcome, 'ok');
      assert.equal(seen?.aborted, true);
      // The fake child answers busy to a run sent while its call is open.
      const next = await within(sandbox.execute('left'), 2000);
      assert.equal(next.outcome, 'ok');
      assert.deepEqual(JSON.parse(next.stdout),
        { code: -32603, message: 'the run ended before this request was answered' });
      assert.ok(Date.now() - began < 2000);
    } finally {
      await sandbox.close();
    }
  });

  it('calls sync and async functions with args and kwargs', async () => {
    const sandbox = await withFunctions();
    try {
      assert.deepEqual(await answer(sandbox, 'call add [2,3] {}'), { value: 5 });
      assert.deepEqual(await answer(sandbox, 'call slow [] {"k":[1]}'), { value: { got: { k: [1] } } });
      assert.deepEqual(await answer(sandbox, 'call nothing [] {}'), { value: null });
    } finally {
      await sandbox.close();
    }
  });

  it('maps thrown errors to Python exception types', async () => {
    const sandbox = await withFunctions();
    try {
      const cases = [['type_error', 'TypeError', 'wrong type'], ['range_error', 'ValueError', 'out of range'],
        ['lookup', 'KeyError', 'no page'], ['bad_type', 'SandboxError', 'odd'],
        ['plain', 'SandboxError', 'plain failure']];
      for (const [fn, type, message] of cases) {
        assert.deepEqual(await answer(sandbox, `call ${fn} [] {}`), { code: -32050, message, data: { type } });
      }
    } finally {
      await sandbox.close();
    }
  });

  it('refuses return values that are not JSON or too large', async () => {
    const sandbox = await withFunctions();
    try {
      const big = await answer(sandbox, 'call bigint [] {}');
      assert.equal(big.data.type, 'TypeError');
      const huge = await answer(sandbox, 'call huge [] {}');
      assert.equal(huge.data.type, 'ValueError');
      assert.match(huge.message, /1048576 bytes/);
    } finally {
      await sandbox.close();
    }
  });

  it('answers invalid_params for unknown functions and bad arguments', async () => {
    const sandbox = await withFunctions();
    try {
      assert.deepEqual((await answer(sandbox, 'call nope [] {}')).data, { field: '/function' });
      assert.deepEqual((await answer(sandbox, 'call add {} {}')).data, { field: '/args' });
      assert.deepEqual((await answer(sandbox, 'call add [] []')).data, { field: '/kwargs' });
    } finally {
      await sandbox.close();
    }
  });

  it('passes a context whose signal aborts when the run ends', async () => {
    const sandbox = new Sandbox({ child: fakeChild(), limits: { wallTime: '300ms' }, grace: '300ms' });
    /** @type {AbortSignal | undefined} */
    let seen;
    sandbox.expose('hang', (_a, _k, context) => {
      seen = context.signal;
      assert.equal(context.name, 'hang');
      return new Promise(() => {});
    });
    await within(sandbox.start());
    await assert.rejects(within(sandbox.execute('call hang [] {}')), { code: 'ERR_TIMEOUT' });
    assert.equal(seen?.aborted, true);
    await sandbox.close();
  });

  it('validates names and functions given to expose()', () => {
    const sandbox = new Sandbox({ child: fakeChild() });
    assert.throws(() => sandbox.expose('not valid', () => 1), { code: 'ERR_INVALID_ARG' });
    assert.throws(() => sandbox.expose('x'.repeat(129), () => 1), { code: 'ERR_INVALID_ARG' });
    assert.throws(() => sandbox.expose('f', /** @type {any} */ ('nope')), { code: 'ERR_INVALID_ARG' });
    assert.equal(sandbox.expose('f', () => 1), sandbox);
  });
});

describe('host directories', () => {
  /** @type {Record<string, string>} */
  const files = { 'Module_Foo.py': 'X = 42\n', 'pkg/__init__.py': '' };
  const handler = {
    /** @param {string} p */
    stat(p) {
      if (p === '' || p === 'pkg') {
        return { type: /** @type {const} */ ('dir') };
      }
      if (!(p in files)) {
        throw Object.assign(new Error(`no ${p}`), { code: 'ENOENT' });
      }
      return { type: /** @type {const} */ ('file'), size: files[p].length };
    },
    /** @param {string} p */
    async read(p) {
      if (p === 'boom') {
        throw new Error('database is down');
      }
      return files[p];
    },
    /** @param {string} p */
    list(p) {
      return p === '' ? [{ name: 'Module_Foo.py', type: /** @type {const} */ ('file') },
        { name: 'pkg', type: /** @type {const} */ ('dir') }] : [{ name: 'bad/name', type: /** @type {const} */ ('file') }];
    },
  };

  it('serves stat, read and list, and maps failures as the spec says', async () => {
    const sandbox = new Sandbox({ child: fakeChild(), filesystem: [{ type: 'host', target: '/modules', handler }] });
    await within(sandbox.start());
    try {
      assert.deepEqual(await answer(sandbox, 'hostfs stat /modules Module_Foo.py'),
        { type: 'file', size: 7, mode: 0o444 });
      assert.deepEqual(await answer(sandbox, 'hostfs read /modules Module_Foo.py'),
        { data: Buffer.from('X = 42\n').toString('base64') });
      assert.deepEqual(await answer(sandbox, 'hostfs list /modules'),
        { entries: [{ name: 'Module_Foo.py', type: 'file' }, { name: 'pkg', type: 'dir' }] });
      assert.deepEqual((await answer(sandbox, 'hostfs stat /modules missing.py')).data, { errno: 'ENOENT' });
      assert.deepEqual((await answer(sandbox, 'hostfs stat /elsewhere x')).data, { errno: 'ENOENT' });
      assert.equal((await answer(sandbox, 'hostfs read /modules boom')).code, -32603);
      assert.equal((await answer(sandbox, 'hostfs list /modules pkg')).code, -32603);
      assert.deepEqual((await answer(sandbox, 'hostfs stat /modules ../etc/passwd')).data, { field: '/path' });
      assert.deepEqual((await answer(sandbox, 'hostfs stat /modules a/./b')).data, { field: '/path' });
    } finally {
      await sandbox.close();
    }
  });

  it('answers lookups the child makes while initialize is processed', async () => {
    const sandbox = new Sandbox({ child: fakeChild('hostfs-at-init'),
      filesystem: [{ type: 'host', target: '/modules', handler }] });
    await within(sandbox.start());
    try {
      assert.deepEqual((await answer(sandbox, 'init-answer')).result, { type: 'dir', size: 0, mode: 0o555 });
    } finally {
      await sandbox.close();
    }
  });
});
