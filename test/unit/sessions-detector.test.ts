// The generic screen state detector with a real shell and the fake agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_AWAITING_PATTERNS, DEFAULT_IDLE_PATTERNS } from '../../src/common/schema.js';
import { PtySession } from '../../src/ptyhost/pty-session.js';
import { ScreenStateDetector, type StateChange, type DetectorSettings } from '../../src/server/sessions/detector.js';
import { pasteText } from '../../src/server/sessions/keys.js';

const FAKE_AGENT = fileURLToPath(new URL('../fixtures/agents/fake-agent.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-detect-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, LANG: 'C.UTF-8' };
const defaults: DetectorSettings = { quietMs: 150, idlePatterns: DEFAULT_IDLE_PATTERNS, awaitingPatterns: DEFAULT_AWAITING_PATTERNS };

const screen = async (s: PtySession) => (await s.screen({ settle: true })).lines.join('\n');

/** Resolves once pred(screen text) holds on the parsed screen. */
async function until(s: PtySession, pred: (screen: string) => boolean): Promise<void> {
  for (;;) {
    const next = once(s, 'data');
    if (pred(await screen(s))) return;
    await next;
  }
}

/** Records state changes; next(state) resolves with the first not-yet-consumed change to that state. */
class Changes extends EventEmitter {
  all: StateChange[] = [];
  private seen = 0;
  constructor(d: ScreenStateDetector) {
    super();
    d.on('change', (c) => { this.all.push(c); this.emit('change'); });
  }
  async next(state: StateChange['state']): Promise<StateChange> {
    for (;;) {
      while (this.seen < this.all.length) {
        const c = this.all[this.seen++];
        if (c.state === state) return c;
      }
      await once(this, 'change');
    }
  }
  states(): string[] { return this.all.map((c) => c.state); }
}

test('a shell: active while output flows, idle at its prompt, awaiting input on [y/N]', async () => {
  const s = PtySession.start({ command: 'bash', args: ['--norc', '--noprofile', '-i'], cwd: tmp, env: { ...env, PS1: 'me@box:~$ ' } });
  const d = new ScreenStateDetector(s, defaults);
  const ch = new Changes(d);
  assert.equal(d.state, 'starting');
  await ch.next('active');
  await ch.next('idle');
  assert.equal(d.state, 'idle');

  s.write('for i in 1 2 3; do echo "working $i"; sleep 0.1; done\r');
  const a = await ch.next('active');
  assert.equal(a.reason, 'input', 'Enter at the prompt is the start of a turn');
  await ch.next('idle');

  s.write('read -p "Overwrite file? [y/N] " ans; echo "answer=$ans"\r');
  await ch.next('active');
  const q = await ch.next('awaiting_input');
  assert.match(q.text!, /Overwrite file\? \[y\/N\]$/);
  s.write('y\r');
  await ch.next('active');
  const back = await ch.next('idle');
  assert.equal(back.previous, 'active');
  assert.match(await screen(s), /answer=y/);
  assert.equal(d.classify(await s.screen())?.state, 'idle', 'the answered question above the prompt is not taken for a new one');

  d.dispose();
  await s.terminate(200);
});

test('echo of typing is not activity; a question stays a question while the answer is typed', async () => {
  const s = PtySession.start({ command: FAKE_AGENT, args: ['--work-ms', '300', '--lines', '3'], cwd: tmp, env });
  const d = new ScreenStateDetector(s, { ...defaults, echoMs: 10_000 });
  const ch = new Changes(d);
  await ch.next('idle');
  const before = ch.all.length;
  s.write('some text');
  await until(s, (t) => /> some text/.test(t));
  await d.check();
  assert.equal(d.state, 'idle');
  assert.equal(ch.all.length, before, 'typing made no state change');

  s.write('\x7f'.repeat(9) + 'ask to edit');
  s.write('\r');
  await ch.next('awaiting_input');
  const n = ch.all.length;
  s.write('y');
  await until(s, (t) => /\[y\/N\] y/.test(t));
  await d.check();
  assert.equal(d.state, 'awaiting_input');
  assert.equal(ch.all.length, n);
  s.write('\r');
  await ch.next('active');
  await ch.next('idle');
  assert.match(await screen(s), /proceeded/);
  s.write('exit 0\r');
  await s.whenExited();
});

test('a whole conversation with the fake agent: messages, a question, the answer, turn ends', async () => {
  const s = PtySession.start({ command: FAKE_AGENT, args: ['--bracketed-paste', '--ask-every', '2', '--work-ms', '200'], cwd: tmp, env });
  const d = new ScreenStateDetector(s, defaults);
  const ch = new Changes(d);
  await ch.next('idle');
  const send = (text: string) => { for (const w of pasteText(text, s.bracketedPasteEnabled)) s.write(w); };

  assert.equal(s.bracketedPasteEnabled, true);
  send('first message\nwith two lines');
  await ch.next('active');
  await ch.next('idle');
  assert.match(await screen(s), /done: first message\nwith two lines/);

  send('second message');
  await ch.next('active');
  const q = await ch.next('awaiting_input');
  assert.match(q.text!, /I want to edit 3 files\.\nProceed\? \[y\/N\]/);
  send('n');
  await ch.next('active');
  await ch.next('idle');
  assert.match(await screen(s), /cancelled/);

  send('third');
  await ch.next('active');
  await ch.next('idle');
  assert.deepEqual(ch.states(), ['active', 'idle', 'active', 'idle', 'active', 'awaiting_input', 'active', 'idle', 'active', 'idle']);

  send('exit 2');
  assert.deepEqual(await s.whenExited(), { exitCode: 2, signal: null });
  assert.equal(s.listenerCount('data'), 0, 'the detector let go of the session');
});

test('custom patterns; no pattern on the screen leaves the state as it is', async () => {
  const s = PtySession.start({ command: FAKE_AGENT, args: ['--prompt', 'READY>> ', '--no-color'], cwd: tmp, env });
  const d = new ScreenStateDetector(s, { quietMs: 100, idlePatterns: ['^READY>> ?$'], awaitingPatterns: ['^Proceed\\?'] });
  const ch = new Changes(d);
  await ch.next('idle');
  d.dispose();

  const quiet = PtySession.start({ command: 'bash', args: ['--norc', '--noprofile', '-c', 'echo compiling; read x'], cwd: tmp, env });
  const d2 = new ScreenStateDetector(quiet, defaults);
  const ch2 = new Changes(d2);
  await ch2.next('active');
  await quiet.whenParsed();
  await d2.check();
  assert.equal(d2.state, 'active', 'quiet without a prompt is still active');
  await Promise.all([s.terminate(), quiet.terminate()]);
});
