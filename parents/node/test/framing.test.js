import assert from 'node:assert/strict';
import { it } from 'node:test';

import { encodeFrame, FrameReader } from '../src/framing.js';

/**
 * @param {FrameReader} reader
 * @param {string[]} chunks
 * @returns {string[]}
 */
function feed(reader, chunks) {
  return chunks.flatMap((c) => [...reader.push(Buffer.from(c))])
    .map((e) => (e.kind === 'frame' ? `frame:${e.line}` : `oversized:${e.bytes}`));
}

it('splits frames on LF across chunk boundaries', () => {
  const reader = new FrameReader(100);
  assert.deepEqual(feed(reader, ['{"a"', ':1}\n{"b":2}\n{', '}\n', '\n']),
    ['frame:{"a":1}', 'frame:{"b":2}', 'frame:{}', 'frame:']);
  assert.equal(reader.buffered, 0);
});

it('accepts a frame of exactly the limit, LF included, and drops one byte more', () => {
  const reader = new FrameReader(10);
  assert.deepEqual(feed(reader, ['123456789\n']), ['frame:123456789']);
  assert.deepEqual(feed(reader, ['1234567890\n', 'ok\n']), ['oversized:11', 'frame:ok']);
});

it('discards an oversized frame up to its LF without buffering it, reporting it once', () => {
  const reader = new FrameReader(16);
  const events = feed(reader, ['x'.repeat(20), 'y'.repeat(1000), 'z'.repeat(1000)]);
  assert.deepEqual(events, ['oversized:20']);
  assert.equal(reader.buffered, 0);
  assert.deepEqual(feed(reader, ['tail\n{"next":1}\n']), ['frame:{"next":1}']);
});

it('applies a new limit to later frames', () => {
  const reader = new FrameReader(8);
  reader.setMax(64);
  assert.deepEqual(feed(reader, ['{"longer":true}\n']), ['frame:{"longer":true}']);
});

it('encodes one line per message and refuses what does not fit or is not JSON', () => {
  assert.equal(encodeFrame({ a: 'x\ny' }, 100).toString(), '{"a":"x\\ny"}\n');
  assert.throws(() => encodeFrame({ a: 'x'.repeat(100) }, 50), { code: 'ERR_FRAME_TOO_LARGE' });
  assert.throws(() => encodeFrame({ a: 1n }, 50), { code: 'ERR_INVALID_ARG' });
  assert.throws(() => encodeFrame({ a: '\ud800' }, 50), { code: 'ERR_INVALID_ARG' });
  assert.throws(() => encodeFrame({ '\udc00': 1 }, 50), { code: 'ERR_INVALID_ARG' });
  assert.equal(encodeFrame({ a: '\ud83d\ude00' }, 50).toString(), '{"a":"😀"}\n');
});
