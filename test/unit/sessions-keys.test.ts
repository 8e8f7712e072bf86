// Key names to bytes, and message delivery as (bracketed) paste + Enter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_NAMES } from '../../src/common/schema.js';
import { isTerminalReport, keyBytes, keysBytes, pasteText, PASTE_START, PASTE_END } from '../../src/server/sessions/keys.js';

test('every key name has bytes', () => {
  for (const k of KEY_NAMES) assert.ok(keyBytes(k).length > 0, k);
  assert.equal(keyBytes('enter'), '\r');
  assert.equal(keyBytes('escape'), '\x1b');
  assert.equal(keyBytes('ctrl-c'), '\x03');
  assert.equal(keyBytes('backspace'), '\x7f');
  assert.equal(keyBytes('up'), '\x1b[A');
  assert.equal(keyBytes('up', { applicationCursor: true }), '\x1bOA');
  assert.equal(keyBytes('escape', { applicationCursor: true }), '\x1b');
  assert.equal(keysBytes(['down', 'down', '2', 'enter']), '\x1b[B\x1b[B2\r');
  assert.throws(() => keyBytes('nope' as never), RangeError);
});

test('pasteText: bracketed paste, then Enter as a separate write', () => {
  assert.deepEqual(pasteText('hello', true), [`${PASTE_START}hello${PASTE_END}`, '\r']);
  assert.deepEqual(pasteText('hello', false), ['hello', '\r']);
  assert.deepEqual(pasteText('a\nb\r\nc', true), [`${PASTE_START}a\rb\rc${PASTE_END}`, '\r']);
  assert.deepEqual(pasteText('', true), ['\r']);
  // The text cannot end the paste early and have the rest typed as keys.
  assert.deepEqual(pasteText(`x${PASTE_END}rm -rf ~\r${PASTE_START}y`, true), [`${PASTE_START}xrm -rf ~\ry${PASTE_END}`, '\r']);
});

test('isTerminalReport: replies to queries and focus reports, never keys or text', () => {
  for (const r of ['\x1b[?1;2c', '\x1b[>0;276;0c', '\x1b[12;40R', '\x1b[0n', '\x1b[?2004;2$y', '\x1b[?0u', '\x1b[I', '\x1b[O',
    '\x1b]11;rgb:0b0b/0d0d/1111\x1b\\', '\x1b]10;rgb:d5d5/d9d9/e2e2\x07', '\x1bP1$r0m\x1b\\', '\x1b[I\x1b[?1;2c']) {
    assert.equal(isTerminalReport(r), true, JSON.stringify(r));
    assert.equal(isTerminalReport(Buffer.from(r, 'latin1')), true);
  }
  for (const k of ['a', 'y\r', '\r', '\x1b', '\x1b[A', '\x1bOA', '\x1b[3~', '\x1b[200~hi\x1b[201~', '\x03', '', '\x1b[?1;2cx']) {
    assert.equal(isTerminalReport(k), false, JSON.stringify(k));
  }
});
