// node-pty destroys its socket 200 ms after the child exits, read or not (lib/unixTerminal.js): a program's last output
// was lost when the reader was paused or the event loop starved at that moment (5 bytes at load 24). The race made
// certain: the reader is paused from the start and stays paused, the child writes a burst that fits the kernel's pty
// buffer and exits. Without the drain the burst is lost; with it every byte arrives before the exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { drainBeforeDestroy } from '../../src/ptyhost/pty-drain.js';
import { PtySession } from '../../src/ptyhost/pty-session.js';
import { tempDir } from '../helpers/server.js';

const BURST = 3000; // fits the terminal's 4 KB input buffer: the child writes it all and exits with nobody reading
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };

/** A child that writes BURST bytes and exits, read by a reader paused from the start; resolves with what was read by the exit. */
async function pausedBurst(drain: boolean): Promise<number> {
  const proc = pty.spawn('/bin/echo', ['-n', 'x'.repeat(BURST)], { name: 'xterm', cols: 80, rows: 24, cwd: '/', env, encoding: null });
  if (drain) assert.equal(drainBeforeDestroy(proc), true, 'node-pty 1.1.0 has the socket the drain wraps');
  proc.pause();
  let got = 0;
  proc.onData((d) => { got += (d as unknown as Buffer).length; });
  await new Promise<void>((r) => proc.onExit(() => r()));
  return got;
}

test('a paused reader at the exit: node-pty alone loses the last output (the race exists)', async () => {
  assert.ok(await pausedBurst(false) < BURST);
});

test('a paused reader at the exit: drained before node-pty destroys its socket, every byte arrives before the exit', async () => {
  for (let i = 0; i < 5; i++) assert.equal(await pausedBurst(true), BURST);
});

test('a session drains its pty: a burst written while the session is paused is in its output and log', async () => {
  const logFile = path.join(tempDir(), 'drain.log');
  const s = PtySession.start({ command: '/bin/sh', args: ['-c', `read x; printf '%${BURST}s' '' | tr ' ' y`], cwd: '/', env, logFile });
  const proc = (s as unknown as { proc: pty.IPty }).proc;
  proc.pause(); // as flow control does, and never resumed here
  s.write('go\r');
  await s.whenExited();
  assert.ok(s.outputBytes >= BURST, `${s.outputBytes} bytes`);
  const log = fs.readFileSync(logFile, 'utf8');
  assert.equal(log.length, s.outputBytes);
  assert.ok(log.endsWith('y'.repeat(BURST)), 'the burst is the log\'s end');
});
