// Snapshots: what a client sees on attach equals what a terminal fed the same bytes shows, and
// snapshot + live output stays consistent under heavy output (every byte exactly once, in order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { DEFAULT_SCROLLBACK } from '../../src/common/limits.js';
import { PtySession, type ExitInfo, type SessionClient } from '../../src/ptyhost/pty-session.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-snap-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, LANG: 'C.UTF-8' };
let logN = 0;
const bash = (script: string, cols = 80, rows = 24) =>
  record(PtySession.start({ command: 'bash', args: ['--norc', '--noprofile', '-c', script], cwd: tmp, env, cols, rows, logFile: path.join(tmp, `${++logN}.log`) }));
// Every byte the program wrote, as the session emitted it. (The log file is written asynchronously: while the
// program runs it may lag behind the screen, so it is only compared once the program has exited.)
const seen = new WeakMap<PtySession, Buffer[]>();
const record = (s: PtySession) => { const chunks: Buffer[] = []; seen.set(s, chunks); s.on('data', (c) => chunks.push(c)); return s; };
const logOf = (s: PtySession, n: number) => (s.exited ? fs.readFileSync(path.join(tmp, `${n}.log`)) : Buffer.concat(seen.get(s) ?? []));

/** A client-side terminal (what the browser's xterm.js does), with a way to compare it. */
class Viewer {
  term: InstanceType<typeof xtermHeadless.Terminal> | null = null;
  ser = new serializeAddon.SerializeAddon();
  bytes = 0;
  exit: ExitInfo | null = null;
  private gotSnapshot!: () => void;
  /** The snapshot comes asynchronously (the screen is serialized in the parser thread). */
  readonly attached = new Promise<void>((r) => { this.gotSnapshot = r; });
  readonly client: SessionClient = {
    onSnapshot: (s) => {
      this.term = new xtermHeadless.Terminal({ cols: s.cols, rows: s.rows, scrollback: DEFAULT_SCROLLBACK, allowProposedApi: true });
      this.term.loadAddon(this.ser as never);
      this.term.write(s.data);
      this.gotSnapshot();
    },
    onData: (b) => { this.bytes += b.length; this.term!.write(b); },
    onResize: (c, r) => this.term!.write('', () => this.term!.resize(c, r)),
    onExit: (e) => { this.exit = e; },
  };
  async parsed(): Promise<void> { await this.attached; return new Promise((r) => this.term!.write('', r)); }
  async state(): Promise<string> { await this.parsed(); return this.ser.serialize({ scrollback: DEFAULT_SCROLLBACK }); }
  lines(): string[] {
    const b = this.term!.buffer.active;
    return Array.from({ length: this.term!.rows }, (_, y) => b.getLine(b.baseY + y)!.translateToString(true));
  }
}

/** What a fresh terminal fed `bytes` shows, serialized. */
async function fresh(bytes: Buffer, cols: number, rows: number): Promise<string> {
  const v = new Viewer();
  v.client.onSnapshot({ data: '', cols, rows });
  v.client.onData(bytes);
  return v.state();
}

const lines = async (s: PtySession) => (await s.screen({ settle: true })).lines;

/** Resolves once pred(screen lines) holds on the parsed screen (checked now and after each output chunk). */
async function onOutput(s: PtySession, pred: (lines: string[]) => boolean): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let done = false, checking = false, again = false;
    const finish = (err?: Error) => { done = true; s.off('data', onData); if (err) reject(err); else resolve(); };
    async function run() {
      if (checking) { again = true; return; }
      checking = true;
      do {
        again = false;
        if (pred(await lines(s)) && !done) return finish();
      } while (again && !done);
      checking = false;
    }
    const onData = () => void run();
    s.on('data', onData);
    void run();
    void s.whenExited().then(async () => { if (!done && !pred(await lines(s))) finish(new Error(`exited first: ${(await lines(s)).join('|')}`)); else if (!done) finish(); });
  });
}

const DRAWING = [
  '\\e[31mred\\e[0m \\e[1;44mbold on blue\\e[0m \\e[4;3mul-it\\e[0m\\n',
  '\\e[38;5;208morange\\e[0m \\e[38;2;10;200;30;48;2;1;2;3mtruecolor\\e[0m \\e[7mreverse\\e[0m\\n',
  '\\e[5;10Hat 5,10\\e[2;30H\\e[32mgreen at 2,30\\e[0m\\e[8;1H€ üñí 日本語 ✔\\n',
  '\\e[10;5Hxxxxxxxxxx\\e[10;8H\\e[K\\e[12;1H\\e[?25l\\e[3A\\e[2C',
].join('');

test('the snapshot equals what a fresh terminal fed the same bytes shows (colours, cursor moves)', async () => {
  const n = logN + 1;
  const s = bash(`printf '${DRAWING}'; printf 'DONE'; read x`, 60, 16);
  await onOutput(s, (l) => l.join('').includes('DONE'));
  await s.whenParsed();
  const expected = await fresh(logOf(s, n), 60, 16);
  assert.equal(await s.snapshot(), expected);
  const v = new Viewer();
  const detach = s.attach(v.client);
  assert.equal(await v.state(), expected, 'a viewer replaying the snapshot shows the same');
  const screen = await s.screen();
  assert.deepEqual(v.lines(), screen.lines);
  assert.deepEqual({ x: v.term!.buffer.active.cursorX, y: v.term!.buffer.active.cursorY }, screen.cursor);
  assert.match(screen.lines[1], /orange truecolor reverse/);
  assert.equal(screen.lines[4].slice(9), 'at 5,10');
  detach();
  s.write('\r');
  await s.whenExited();
});

test('the alternate screen (a full-screen program) survives a snapshot', async () => {
  const n = logN + 1;
  const s = bash(`printf 'shell line\\n\\e[?1049h\\e[H\\e[2J\\e[1;1H~\\e[2;1H~\\e[24;1H-- INSERT --\\e[1;1Hvim-like'; read x`, 80, 24);
  await onOutput(s, (l) => l[23] === '-- INSERT --');
  const v = new Viewer();
  s.attach(v.client);
  assert.equal(await v.state(), await fresh(logOf(s, n), 80, 24));
  assert.equal(v.term!.buffer.active.type, 'alternate');
  s.write('\r');
  await s.whenExited();
});

test('an escape sequence or UTF-8 character split at the attach point reaches the viewer whole', async () => {
  const s = bash(`stty -echo; printf '\\e[3'; read a; printf '1mred\\e[0m \\xe2\\x82'; read b; printf '\\xac euro\\n'; read c`);
  await onOutput(s, () => s.outputBytes >= 3);
  const v1 = new Viewer();
  s.attach(v1.client);
  s.write('\r');
  await onOutput(s, (l) => l[0].includes('red'));
  const v2 = new Viewer();
  s.attach(v2.client);
  s.write('\r');
  await onOutput(s, (l) => l[0].includes('euro'));
  s.write('\r');
  await s.whenExited();
  const final = await s.snapshot();
  assert.match(final, /\x1b\[31mred/);
  assert.match((await lines(s))[0], /^red € euro$/);
  assert.equal(await v1.state(), final);
  assert.equal(await v2.state(), final);
});

test('snapshot + live output stays consistent under heavy output, with viewers attaching midway', async () => {
  const n = logN + 1;
  const s = bash('seq 1 200000; for i in $(seq 1 3000); do printf "\\e[3%dm%d \\e[1m€ü\\e[0m %s\\n" $((i%8)) $i "$(printf "%*s" $((i%50)) "")x"; done');
  const viewers: Viewer[] = [];
  const marks = [1, 300_000, 900_000, 1_250_000];
  s.on('data', () => {
    while (marks.length && s.outputBytes >= marks[0]) {
      marks.shift();
      const v = new Viewer();
      s.attach(v.client);
      viewers.push(v);
    }
  });
  const exit = await s.whenExited();
  assert.equal(exit.exitCode, 0);
  assert.ok(viewers.length >= 3, `${viewers.length} viewers attached`);
  const final = await s.snapshot();
  assert.equal(final, await fresh(logOf(s, n), 80, 24), 'the server screen equals a fresh replay of the log');
  for (const v of viewers) {
    assert.equal(await v.state(), final);
    assert.deepEqual(v.exit, exit);
  }
  assert.match((await lines(s)).join('\n'), /3000 €ü/);
});

test('resizes reach viewers in stream order', async () => {
  const s = bash('read a; printf "%0100d\\n" 0; read b; printf "%0100d\\n" 1; read c', 80, 10);
  const v1 = new Viewer();
  s.attach(v1.client);
  s.resize(120, 12);
  s.write('\r');
  await onOutput(s, (l) => l.join('').includes('0'.repeat(100)));
  const v2 = new Viewer();
  s.attach(v2.client);
  s.resize(90, 10);
  s.write('\r');
  await onOutput(s, (l) => l.some((x) => x.endsWith('1')));
  s.write('\r');
  await s.whenExited();
  const final = await s.snapshot();
  for (const v of [v1, v2]) {
    assert.equal(await v.state(), final);
    assert.equal(v.term!.cols, 90);
  }
});
