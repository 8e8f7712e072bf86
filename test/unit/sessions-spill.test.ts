// The headless parser never holds the program back: with a log file it lags behind a flood, keeps a bounded
// amount in memory and reads the rest back from the log; viewers attaching meanwhile still get every byte once,
// in order; the snapshot is cached per parsed state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { DEFAULT_SCROLLBACK } from '../../src/common/limits.js';
import { PtySession, type ExitInfo, type SessionClient } from '../../src/ptyhost/pty-session.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-spill-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, LANG: 'C.UTF-8' };
let n = 0;

class Viewer {
  term: InstanceType<typeof xtermHeadless.Terminal> | null = null;
  ser = new serializeAddon.SerializeAddon();
  chunks: Buffer[] = [];
  exit: ExitInfo | null = null;
  readyCalls = 0;
  private gotSnapshot!: () => void;
  readonly attached = new Promise<void>((r) => { this.gotSnapshot = r; });
  constructor(paced: boolean) {
    if (paced) this.client.ready = () => { this.readyCalls++; return new Promise<void>((r) => setImmediate(r)); };
  }
  readonly client: SessionClient = {
    onSnapshot: (s) => {
      this.term = new xtermHeadless.Terminal({ cols: s.cols, rows: s.rows, scrollback: DEFAULT_SCROLLBACK, allowProposedApi: true });
      this.term.loadAddon(this.ser as never);
      this.term.write(s.data);
      this.gotSnapshot();
    },
    onData: (b) => { this.chunks.push(Buffer.from(b)); this.term!.write(b); },
    onResize: (c, r) => this.term!.write('', () => this.term!.resize(c, r)),
    onExit: (e) => { this.exit = e; },
  };
  async state(): Promise<string> {
    await this.attached;
    await new Promise<void>((r) => this.term!.write('', r));
    return this.ser.serialize({ scrollback: DEFAULT_SCROLLBACK });
  }
}

const FLOOD = (mb: number) => `stty -echo; for i in $(seq 1 40); do printf "\\e[3$((i%8))mcolour $i\\e[0m \\e[1mbold\\e[0m €\\n"; done; ` +
  `yes "$(printf '\\e[32mINFO\\e[0m line of output \\e[1msrc/a.ts\\e[0m üñ €\\r')" | head -c ${mb * 1048576}; printf '\\e[?2004h\\nEND\\n'`;

test('a 32 MB burst: the parser lags, memory stays bounded, viewers attaching midway get every byte once and the final screen', async () => {
  const log = path.join(tmp, `${++n}.log`);
  const limit = 512 << 10;
  const s = PtySession.start({ command: 'bash', args: ['--norc', '--noprofile', '-c', FLOOD(32)], cwd: tmp, env, cols: 100, rows: 30, logFile: log, memoryLimit: limit });
  const viewers: { v: Viewer; behind: number }[] = [];
  const marks = [100_000, 4e6, 10e6, 16e6, 22e6, 28e6, 33e6];
  let maxBehind = 0, resized = false;
  s.on('data', () => {
    const m = s.memoryStats;
    maxBehind = Math.max(maxBehind, m.parserBehind);
    assert.ok(m.bytes <= limit, `${m.bytes} bytes in memory, limit ${limit}`);
    if (!resized && s.outputBytes > 12e6) { resized = true; s.resize(90, 25); } // a resize inside the spilled range
    while (marks.length && s.outputBytes >= marks[0]) {
      marks.shift();
      const v = new Viewer(viewers.length % 2 === 1);
      viewers.push({ v, behind: m.parserBehind });
      s.attach(v.client);
    }
  });
  const exit = await s.whenExited();
  assert.equal(exit.exitCode, 0);
  assert.ok(s.memoryStats.peak <= limit, `peak ${s.memoryStats.peak}`);
  assert.ok(maxBehind > limit, `the parser fell ${maxBehind} bytes behind (more than the memory limit: the log was read back)`);
  assert.ok(viewers.some((x) => x.behind > limit), 'a viewer attached while the parser was behind by more than the memory limit');
  const bytes = fs.readFileSync(log);
  assert.equal(bytes.length, s.outputBytes);
  const final = await s.snapshot();
  assert.ok((await s.screen()).lines.includes('END'));
  assert.equal(s.bracketedPasteEnabled, true);
  assert.equal(s.cols, 90);
  for (const [i, { v }] of viewers.entries()) {
    const got = Buffer.concat(v.chunks);
    // Every byte once, in order: what the viewer got after its snapshot is exactly the end of the log.
    assert.ok(got.equals(bytes.subarray(bytes.length - got.length)), `viewer ${i}: ${got.length} bytes are the log's last bytes`);
    assert.equal(await v.state(), final, `viewer ${i} shows the final screen`);
    assert.deepEqual(v.exit, exit);
  }
  assert.ok(viewers.some((x) => x.v.readyCalls > 0), 'a paced viewer was asked to wait');
});

test('the snapshot is cached per parsed state: new output and resizes invalidate it', async () => {
  const s = PtySession.start({ command: 'bash', args: ['--norc', '--noprofile', '-c', 'printf "\\e[31mhello\\e[0m\\n"; read a; printf "more\\n"; read b'], cwd: tmp, env, logFile: path.join(tmp, `${++n}.log`) });
  const waitFor = async (pred: (lines: string[]) => boolean) => {
    for (;;) {
      const next = new Promise((r) => s.once('data', r));
      if (pred((await s.screen({ settle: true })).lines)) return;
      await next;
    }
  };
  await waitFor((l) => l[0] === 'hello');
  const a = await s.snapshot(), count = s.memoryStats.serializations;
  assert.equal(await s.snapshot(), a);
  const v = new Viewer(false);
  s.attach(v.client);
  await v.attached;
  assert.equal(s.memoryStats.serializations, count, 'a second snapshot and an attach reuse the cached one');
  s.write('\r');
  await waitFor((l) => l.includes('more'));
  const b = await s.snapshot();
  assert.notEqual(b, a, 'new output: a new snapshot');
  assert.equal(s.memoryStats.serializations, count + 1);
  s.resize(40, 10);
  await s.whenParsed();
  const c = await s.snapshot();
  assert.equal(s.memoryStats.serializations, count + 2, 'a resize: a new snapshot');
  assert.equal(await v.state(), c);
  s.write('\r');
  await s.whenExited();
});
