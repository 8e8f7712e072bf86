// Key names to bytes, and message delivery as (bracketed) paste + Enter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_NAMES } from '../../src/common/schema.js';
import { keyBytes, keysBytes, pasteText, PASTE_START, PASTE_END } from '../../src/server/sessions/keys.js';

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
