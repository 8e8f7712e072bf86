// 2. Keystroke echo latency: one byte typed through the terminal channel until its echo (from `cat` in a raw-mode pty)
// comes back, p50/p99 over N keystrokes, against the same through node-pty directly in this process (the baseline).
// Keystrokes are sent one at a time, each after the previous echo and a 3 ms pause (typing, not a flood).
import * as pty from 'node-pty';
import { createAgent, startChildServer, startInstance, tempDir, TermClient, type ChildServer } from './lib/server.js';
import { fromRuns, percentile, sleep, type Row } from './lib/stats.js';
import type { BenchContext } from './lib/context.js';

const SCRIPT = 'stty raw -echo; printf R; exec cat';
const GAP_MS = 3;

async function typeKeys(n: number, send: (b: string) => void, onEcho: (cb: (b: Buffer) => void) => void): Promise<number[]> {
  const lat: number[] = [];
  let waiting: ((b: Buffer) => void) | null = null;
  onEcho((b) => waiting?.(b));
  for (let i = 0; i < n; i++) {
    const key = String.fromCharCode(97 + (i % 26));
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no echo of keystroke ${i} in 5 s`)), 5000);
      waiting = (b) => { if (b.includes(key)) { clearTimeout(timer); waiting = null; resolve(); } };
      send(key);
    });
    lat.push(performance.now() - t0);
    await sleep(GAP_MS);
  }
  return lat;
}

async function direct(n: number, cwd: string): Promise<number[]> {
  const p = pty.spawn('/bin/sh', ['-c', SCRIPT], { name: 'xterm-256color', cols: 120, rows: 32, cwd, env: process.env as Record<string, string>, encoding: null });
  let sink: (b: Buffer) => void = () => {};
  let ready!: () => void;
  const isReady = new Promise<void>((r) => { ready = r; });
  p.onData((d) => { const b = d as unknown as Buffer; if (b.includes('R')) ready(); sink(b); });
  await isReady;
  try { return await typeKeys(n, (k) => p.write(k), (cb) => { sink = cb; }); } finally { p.kill(); }
}

async function relayed(s: ChildServer, agentId: string, n: number): Promise<number[]> {
  const inst = await startInstance(s, agentId);
  const c = new TermClient(s, inst.id);
  try {
    await c.gotSnapshot;
    await c.until(() => c.snapshot!.data.includes('R') || c.bytes > 0, 'the ready marker', 10_000);
    return await typeKeys(n, (k) => c.sendBinary(k), (cb) => { c.onBinary = cb; });
  } finally {
    c.close();
    await s.api('POST', `/api/instances/${inst.id}/terminate`);
  }
}

export async function echo(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.pick({ full: 1000, quick: 300, smoke: 100 });
  const reps = ctx.pick({ full: 3, quick: 1, smoke: 1 });
  const cwd = tempDir();
  const s = await startChildServer();
  try {
    const agent = await createAgent(s, { name: 'cat', projectPath: cwd, command: '/bin/sh', args: ['-c', SCRIPT], settings: { maxConcurrentInstances: 4 } });
    await direct(50, cwd); // warm-up
    await relayed(s, agent.id, 50);
    const b50: number[] = [], b99: number[] = [], s50: number[] = [], s99: number[] = [];
    for (let i = 0; i < reps; i++) {
      const d = await direct(n, cwd);
      const r = await relayed(s, agent.id, n);
      b50.push(percentile(d, 50)); b99.push(percentile(d, 99));
      s50.push(percentile(r, 50)); s99.push(percentile(r, 99));
      ctx.log(`echo run ${i + 1}/${reps} (${n} keys): direct p50 ${b50.at(-1)!.toFixed(3)} p99 ${b99.at(-1)!.toFixed(3)} ms; relayed p50 ${s50.at(-1)!.toFixed(3)} p99 ${s99.at(-1)!.toFixed(3)} ms`);
    }
    const med = (v: number[]) => percentile(v, 50);
    const p50 = fromRuns({ bench: '2 keystroke echo', figure: `p50 over ${n} keystrokes, terminal channel`, unit: 'ms', baseline: { label: 'node-pty direct', value: med(b50) },
      target: 'within 2 ms of baseline' }, s50);
    p50.ratio = p50.value / med(b50);
    p50.met = p50.value - med(b50) <= 2;
    const p99 = fromRuns({ bench: '2 keystroke echo', figure: `p99 over ${n} keystrokes, terminal channel`, unit: 'ms', baseline: { label: 'node-pty direct', value: med(b99) },
      target: '< 5 ms and within 2 ms of baseline' }, s99);
    p99.ratio = p99.value / med(b99);
    p99.met = p99.value < 5 && p99.value - med(b99) <= 2;
    if (reps > 1) p99.note = `spread is over ${reps} runs of ${n} keystrokes (each run's p99)`;
    return [p50, p99];
  } finally {
    await s.close();
  }
}
