import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { it } from 'node:test';

import { Connection, MAX_PROTOCOL_ERRORS, RpcReply } from '../src/connection.js';

/**
 * A connection over in-memory streams: `child(line)` plays a frame from the
 * child, `sent()` returns what the parent wrote since the last call.
 * @param {Partial<import('../src/connection.js').ConnectionHandlers>} [handlers]
 * @param {import('node:stream').Writable} [toChild]
 */
function harness(handlers = {}, toChild = new PassThrough()) {
  const fromChild = new PassThrough();
  /** @type {any[]} */
  const notifications = [];
  /** @type {Error[]} */
  const fatal = [];
  const conn = new Connection(fromChild, toChild, {
    onRequest: async (method) => { throw new RpcReply(-32601, `unknown method '${method}'`); },
    onNotification: (method, params) => notifications.push({ method, params }),
    onFatal: (error) => fatal.push(error),
    ...handlers,
  });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return {
    conn, notifications, fatal, toChild,
    /** @param {string} line */
    async child(line) {
      fromChild.write(`${line}\n`);
      await tick();
      await tick();
    },
    sent() {
      const chunks = [];
      let chunk;
      while ((chunk = /** @type {PassThrough} */ (toChild).read()) !== null) {
        chunks.push(chunk);
      }
      return Buffer.concat(chunks).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    },
  };
}

it('matches responses to requests', async () => {
  const h = harness();
  const { id, response } = h.conn.request('tmpfs/list', { path: '/tmp' });
  assert.deepEqual(h.sent(), [{ jsonrpc: '2.0', id, method: 'tmpfs/list', params: { path: '/tmp' } }]);
  await h.child(JSON.stringify({ jsonrpc: '2.0', id, result: { entries: [] } }));
  assert.deepEqual(await response, { entries: [] });
});

it('turns error answers into ERR_REMOTE and broken answers into ERR_PROTOCOL', async () => {
  const h = harness();
  const a = h.conn.request('tmpfs/read', {});
  const b = h.conn.request('tmpfs/read', {});
  const c = h.conn.request('tmpfs/read', {});
  const d = h.conn.request('tmpfs/read', {});
  const checks = Promise.all([
    assert.rejects(a.response, { code: 'ERR_REMOTE', rpcCode: -32008, rpcName: 'not_found', data: { x: 1 } }),
    assert.rejects(b.response, { code: 'ERR_PROTOCOL' }),
    assert.rejects(c.response, { code: 'ERR_PROTOCOL' }),
    assert.rejects(d.response, { code: 'ERR_PROTOCOL' }),
  ]);
  await h.child(JSON.stringify({ jsonrpc: '1.0', id: d.id, result: {} }));
  await h.child(JSON.stringify({ jsonrpc: '2.0', id: a.id, error: { code: -32008, message: 'no', data: { x: 1 } } }));
  await h.child(JSON.stringify({ jsonrpc: '2.0', id: b.id, error: { code: 'x', message: 'no' } }));
  await h.child(JSON.stringify({ jsonrpc: '2.0', id: c.id, result: {}, error: { code: 1, message: '' } }));
  await checks;
  assert.deepEqual(h.sent().filter((m) => !m.method), [], 'responses are never answered');
});

it('answers bad frames as the spec says', async () => {
  const h = harness();
  /** @type {[string, object][]} */
  const cases = [
    ['not json', { id: null, code: -32700 }],
    ['', { id: null, code: -32700 }],
    [`${'['.repeat(65)}${']'.repeat(65)}`, { id: null, code: -32700 }],
    ['[1,2]', { id: null, code: -32600 }],
    ['{"jsonrpc":"1.0","id":3,"method":"x"}', { id: 3, code: -32600 }],
    ['{"foo":1}', { id: null, code: -32600 }],
    ['{"jsonrpc":"2.0","id":4}', { id: 4, code: -32600 }],
    ['{"jsonrpc":"2.0","id":7,"method":42}', { id: 7, code: -32600 }],
    [`{"jsonrpc":"2.0","id":"${'i'.repeat(257)}","method":"x","params":{}}`, { id: null, code: -32600 }],
    ['{"jsonrpc":"2.0","id":8,"method":"x","params":5}', { id: 8, code: -32600 }],
    ['{"jsonrpc":"2.0","id":9,"method":"x","params":[1]}', { id: 9, code: -32602, data: { field: '' } }],
    ['{"jsonrpc":"2.0","id":10,"method":"frobnicate","params":{}}', { id: 10, code: -32601 }],
  ];
  for (const [line, expected] of cases) {
    await h.child(line);
    const [answer, ...more] = h.sent();
    assert.deepEqual(more, [], line);
    const { id, error: { code, data } } = answer;
    assert.deepEqual({ id, code, ...(data === undefined ? {} : { data }) }, expected, line.slice(0, 60));
  }
  await h.child('{"jsonrpc":"2.0","result":{}}');
  await h.child('{"jsonrpc":"1.0","id":5,"error":{}}');
  await h.child('{"jsonrpc":"2.0","method":"unknown/notification","params":{}}');
  assert.deepEqual(h.sent(), [], 'no answer to messages without a method or to notifications');
  assert.deepEqual(h.notifications, [{ method: 'unknown/notification', params: {} }]);
});

it('refuses a duplicate outstanding request id', async () => {
  /** @type {(v: unknown) => void} */
  let release = () => {};
  const h = harness({ onRequest: () => new Promise((resolve) => { release = resolve; }) });
  await h.child('{"jsonrpc":"2.0","id":"c1","method":"host/call","params":{}}');
  await h.child('{"jsonrpc":"2.0","id":"c1","method":"host/call","params":{}}');
  assert.deepEqual(h.sent(), [{ jsonrpc: '2.0', id: 'c1', error: { code: -32600,
    message: 'id "c1" is already outstanding' } }]);
  release({ value: 1 });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(h.sent(), [{ jsonrpc: '2.0', id: 'c1', result: { value: 1 } }]);
});

it('replaces unpaired surrogates it receives', async () => {
  const h = harness();
  await h.child('{"jsonrpc":"2.0","method":"output","params":{"s":"a\\ud800b"}}');
  assert.equal(h.notifications[0].params.s, 'a\ufffdb');
});

it('gives up on a child that keeps sending garbage', async () => {
  const h = harness();
  for (let i = 0; i <= MAX_PROTOCOL_ERRORS; i += 1) {
    await h.child('garbage');
  }
  assert.equal(h.fatal.length, 1);
  assert.match(h.fatal[0].message, /malformed frames/);
});

it('gives up on a child that does not read its input', () => {
  // A writable whose writes never complete, like a pipe nobody reads.
  const h = harness({}, new Writable({ write() {} }));
  // The limit before initialize: twice the 1 MiB frame limit plus 64 KiB.
  for (let i = 0; i < 50 && h.fatal.length === 0; i += 1) {
    h.conn.request('execute', { code: 'x'.repeat(60000) });
  }
  assert.equal(h.fatal.length, 1);
  assert.match(h.fatal[0].message, /not reading its input/);
});

it('adopts the frame limit of the initialize answer before reading on', async () => {
  const h = harness();
  const { id } = h.conn.request('initialize', {});
  const big = JSON.stringify({ jsonrpc: '2.0', method: 'output', params: { x: 'y'.repeat(1100000) } });
  await h.child(`${JSON.stringify({ jsonrpc: '2.0', id, result: { limits: { frame_bytes: 2097152 } } })}\n${big}`);
  assert.equal(h.conn.maxFrame, 2097152);
  assert.equal(h.notifications.length, 1);
});

it('answers nothing once quiet, and fails everything outstanding on failAll', async () => {
  const h = harness({ onRequest: async () => ({}) });
  const pending = h.conn.request('cancel', {});
  h.sent();
  h.conn.quiet();
  await h.child('{"jsonrpc":"2.0","id":1,"method":"host/call","params":{}}');
  assert.deepEqual(h.sent(), []);
  h.conn.failAll(/** @type {any} */ (Object.assign(new Error('gone'), { code: 'ERR_CHILD_EXITED' })));
  await assert.rejects(pending.response, { code: 'ERR_CHILD_EXITED' });
  assert.throws(() => h.conn.request('cancel', {}), { code: 'ERR_CLOSED' });
});

it('answers abandoned requests of the child at once and drops their late answers', async () => {
  /** @type {Map<string, (value: unknown) => void>} */
  const finish = new Map();
  const h = harness({
    onRequest: (_method, params) => new Promise((resolve) => {
      finish.set(/** @type {any} */ (params).tag, resolve);
    }),
  });
  await h.child(JSON.stringify({ jsonrpc: '2.0', id: 'h1', method: 'host/call', params: { tag: 'old' } }));
  assert.equal(h.conn.abandonIncoming('the run ended'), 1);
  assert.deepEqual(h.sent(), [{ jsonrpc: '2.0', id: 'h1', error: { code: -32603, message: 'the run ended' } }]);
  assert.equal(h.conn.abandonIncoming('again'), 0);

  // The id is free again: a new request with it is answered, the old handler's answer is not.
  await h.child(JSON.stringify({ jsonrpc: '2.0', id: 'h1', method: 'host/call', params: { tag: 'new' } }));
  finish.get('old')?.('late');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(h.sent(), []);
  finish.get('new')?.('fresh');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(h.sent(), [{ jsonrpc: '2.0', id: 'h1', result: 'fresh' }]);
  assert.equal(h.conn.abandonIncoming('none left'), 0);
});
