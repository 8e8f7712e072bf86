// The screen reader tells the truth (issue 11): a question counts only while it is the live prompt (after the user's
// last submission, at the cursor); typed or recalled input is not the program's; a quiet program after a submission
// stays active; patterns match the line as printed (trailing spaces kept); a question is reported once while it stays
// on the screen; a resize (a viewer) is not activity. Each case runs a real program in a real pty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_AWAITING_PATTERNS, DEFAULT_IDLE_PATTERNS } from '../../src/common/schema.js';
import { PtySession, type ScreenState } from '../../src/ptyhost/pty-session.js';
import { ScreenStateDetector, type StateChange, type DetectorSettings } from '../../src/server/sessions/detector.js';

const FAKE_AGENT = fileURLToPath(new URL('../fixtures/agents/fake-agent.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-truth-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, LANG: 'C.UTF-8' };
// echoMs is long so that a slow machine never turns the echo of a keystroke into "activity"; these tests are about
// what the screen says.
const defaults: DetectorSettings = { quietMs: 150, echoMs: 10_000, idlePatterns: DEFAULT_IDLE_PATTERNS, awaitingPatterns: DEFAULT_AWAITING_PATTERNS };

/** The screen as last read by until() (reads are asynchronous), for messages. */
let last: ScreenState | null = null;
/** Resolves once pred holds on the parsed screen. */
async function until(s: PtySession, pred: (sc: ScreenState) => boolean): Promise<void> {
  for (;;) {
    const next = once(s, 'data');
    last = await s.screen({ settle: true });
    if (pred(last)) return;
    await next;
  }
}
const screen = (_s: PtySession) => last?.lines.join('\n') ?? '';
const cursorLine = (sc: ScreenState) => sc.lines[sc.cursor.y] ?? '';

class Changes extends EventEmitter {
  all: StateChange[] = [];
  private seen = 0;
  constructor(d: ScreenStateDetector) {
    super();
    d.on('change', (c) => {
      this.all.push(c);
      this.emit('change');
    });
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
  since(n: number): string[] {
    return this.all.slice(n).map((c) => c.state);
  }
}

function bash(extraEnv: Record<string, string> = {}) {
  return PtySession.start({
    command: 'bash',
    args: ['--norc', '--noprofile', '-i'],
    cwd: tmp,
    env: { ...env, PS1: 'me@box:~$ ', HISTFILE: path.join(tmp, `hist-${Math.random()}`), ...extraEnv },
  });
}

test('an answered question above a running command is not a question (and the command is active)', async () => {
  const s = bash();
  const d = new ScreenStateDetector(s, defaults);
  const ch = new Changes(d);
  await ch.next('idle');
  s.write('read -p "Deploy to prod? [y/N] " a\r');
  await ch.next('awaiting_input');
  s.write('y\r');
  await ch.next('idle');
  const n = ch.all.length;
  s.write('sleep 30\r');
  assert.equal((await ch.next('active')).reason, 'input');
  // The submitted line is on the screen, the cursor below it: the command runs and prints nothing.
  await until(s, (sc) => /me@box:~\$ sleep 30$/.test(sc.lines[sc.cursor.y - 1] ?? ''));
  await d.check();
  assert.equal(d.state, 'active', `a running sleep is active, not "${d.state}"\n${screen(s)}`);
  assert.deepEqual(ch.since(n), ['active']);
  // And a submitted line that happens to end like a prompt is not the program's prompt.
  s.write('\x03');
  await ch.next('idle');
  s.write('sleep 30 #>\r');
  await ch.next('active');
  await until(s, (sc) => /sleep 30 #>$/.test(sc.lines[sc.cursor.y - 1] ?? ''));
  await d.check();
  assert.equal(d.state, 'active', 'the submitted line "… #>" is not an idle prompt');
  d.dispose();
  await s.terminate(200);
});

test('a recalled history line holding [y/N] is input, not a question', async () => {
  const s = bash();
  const d = new ScreenStateDetector(s, defaults);
  const ch = new Changes(d);
  await ch.next('idle');
  s.write('echo "Deploy? [y/N]"\r');
  await ch.next('active');
  await ch.next('idle');
  const n = ch.all.length;
  s.write('\x1b[A'); // Up: bash puts the line back at the prompt
  await until(s, (sc) => /^me@box:~\$ echo "Deploy\? \[y\/N\]"$/.test(cursorLine(sc)));
  await d.check();
  assert.equal(d.state, 'idle', 'the prompt holding a recalled line is still the idle prompt');
  assert.deepEqual(ch.since(n), []);
  // A recalled line longer than the terminal wraps: the question mark is on the row above the cursor.
  s.write('\x03');
  await ch.next('idle');
  const long = `echo "Deploy? [y/N] ${'x'.repeat(150)}"`;
  s.write(`${long}\r`);
  await ch.next('active');
  await ch.next('idle');
  const m = ch.all.length;
  s.write('\x1b[A');
  await until(s, (sc) => /^x+"$/.test(cursorLine(sc)));
  await d.check();
  assert.equal(d.state, 'idle', 'a wrapped recalled line is input too');
  assert.deepEqual(ch.since(m), []);
  d.dispose();
  await s.terminate(200);
});

test('an answered question, then quiet work: active, not awaiting_input', async () => {
  const s = bash();
  const d = new ScreenStateDetector(s, defaults);
  const ch = new Changes(d);
  await ch.next('idle');
  s.write('read -p "Proceed? [y/N] " a; sleep 30\r');
  await ch.next('awaiting_input');
  const n = ch.all.length;
  s.write('y\r');
  assert.equal((await ch.next('active')).reason, 'input');
  await until(s, (sc) => /Proceed\? \[y\/N\] y$/.test(sc.lines[sc.cursor.y - 1] ?? ''));
  await d.check();
  assert.equal(d.state, 'active', 'the program got its answer and works quietly');
  assert.deepEqual(ch.since(n), ['active']);
  d.dispose();
  await s.terminate(200);
});

test('a pattern matches the line as printed: a trailing space is kept', async () => {
  const s = PtySession.start({ command: FAKE_AGENT, args: ['--prompt', 'agent> ', '--no-color'], cwd: tmp, env });
  const d = new ScreenStateDetector(s, { ...defaults, idlePatterns: ['^agent> $'] });
  await until(s, (sc) => cursorLine(sc) === 'agent>' && sc.cursor.x === 7);
  await d.check();
  assert.equal(d.state, 'idle');
  d.dispose();
  await s.terminate(200);
});

test('a question is reported once while it stays the live prompt, even when other parts of the screen change', async () => {
  const go = path.join(tmp, `go-${Math.random()}`);
  const s = bash();
  const d = new ScreenStateDetector(s, defaults);
  const ch = new Changes(d);
  await ch.next('idle');
  // A background job draws "tick" in the top-left corner (and puts the cursor back) once the test says so.
  s.write(`(while [ ! -f ${go} ]; do sleep 0.05; done; printf '\\e7\\e[1;1Htick\\e8') & read -p "Deploy? [y/N] " a\r`);
  await ch.next('awaiting_input');
  const n = ch.all.length;
  fs.writeFileSync(go, '');
  await until(s, (sc) => sc.lines[0].startsWith('tick'));
  await d.check();
  assert.equal(d.state, 'awaiting_input');
  assert.deepEqual(ch.since(n), [], 'no second awaiting_input (which would store the question again)');
  s.write('n\r');
  await ch.next('idle');
  d.dispose();
  await s.terminate(200);
});

test('a resize (a viewer attaching or reshaping) is not activity: an idle program stays idle', async () => {
  const s = PtySession.start({ command: FAKE_AGENT, args: ['--no-color'], cwd: tmp, env, cols: 100, rows: 30 });
  const d = new ScreenStateDetector(s, defaults);
  const ch = new Changes(d);
  await ch.next('idle');
  const n = ch.all.length;
  const redraw = once(s, 'data');
  s.resize(60, 20);
  await redraw; // the program redraws its prompt
  await d.check();
  assert.equal(d.state, 'idle');
  assert.deepEqual(ch.since(n), [], 'the redraw after the resize made no state change');
  assert.equal(s.viewOnlyOutput(), true, 'the redraw is marked as output caused by viewing');
  d.dispose();
  await s.terminate(200);
});
