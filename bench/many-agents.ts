// 4. Many agents: N instances of a fake agent printing ~10 KB/s each (1 KB of coloured log lines every 100 ms) for D
// seconds, each watched by a terminal-channel client. Server (child process) RSS and CPU from /proc; RSS per instance
// beyond the same server idle; bytes lost (what each program wrote vs its output log and its terminal client, with
// SHA-1); and the latency of status events under that load (a probe agent's [y/N] question → awaiting_input at an
// SSE client), against the same probe on the idle server (the baseline).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SseClient } from '../test/helpers/sse.js';
import { createAgent, PROGRAMS, procStats, rawCommand, startChildServer, startInstance, tempDir, TermClient, vmRss, waitUntil } from './lib/server.js';
import { startProbe } from './lib/probe.js';
import { DEFAULT_SCROLLBACK } from '../src/common/limits.js';
import { fromRuns, percentile, sleep, summarize, type Row } from './lib/stats.js';
import type { BenchContext } from './lib/context.js';

const MB = 1048576;

async function one(ctx: BenchContext, n: number, durationMs: number): Promise<Row[]> {
  const bench = `4 many agents (${n})`;
  const s = await startChildServer({ maxInstances: 200 });
  const sse = new SseClient(`${s.url}/api/events`, s.headers());
  const clients: TermClient[] = [];
  let probe: Awaited<ReturnType<typeof startProbe>> | null = null;
  try {
    await sse.ready;
    const probeDir = tempDir();
    probe = await startProbe(s, sse);
    // Baseline: the probe on the otherwise idle server; and the idle server's RSS.
    const idleLat: number[] = [];
    for (let i = 0; i < ctx.pick({ full: 5, quick: 1, smoke: 1 }); i++) idleLat.push(await probe.ask());
    for (let i = 0; i < 5; i++) await s.api('GET', '/api/info');
    await sleep(1000);
    const idleRss = summarize([0, 1, 2].map(() => vmRss(s.pid)!)).median;
    // The pty host runs the programs, their logs and screens (its parser thread already started for the probe).
    const hostPid = await s.hostPid();
    const idleHost = summarize([0, 1, 2].map(() => vmRss(hostPid)!)).median;

    const statsDir = tempDir('areyouj-load-');
    const agent = await createAgent(s, { name: 'load', projectPath: probeDir, ...rawCommand(`node ${path.join(PROGRAMS, 'load-agent.cjs')}`),
      env: { DURATION_MS: String(durationMs), STATS_DIR: statsDir }, settings: { maxConcurrentInstances: 256 } });
    const insts: { id: string; pid: number }[] = [];
    const tStart = performance.now();
    for (let i = 0; i < n; i++) {
      const inst = await startInstance(s, agent.id, { name: `load-${i}` });
      insts.push({ id: inst.id, pid: inst.pid });
    }
    const hashes = new Map<string, ReturnType<typeof createHash>>();
    for (const inst of insts) {
      const c = new TermClient(s, inst.id);
      const h = createHash('sha1');
      hashes.set(inst.id, h);
      c.onBinary = (b) => h.update(b);
      clients.push(c);
    }
    await Promise.all(clients.map((c) => c.gotSnapshot));
    ctx.log(`${bench}: ${n} instances started and attached in ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
    await sleep(500);
    const before = clients.map((c) => c.bytes);
    const tGo = performance.now();
    for (const c of clients) c.sendBinary('g');

    // Steady window: from 2 s after go to 1 s before the programs stop.
    const warm = Math.min(2000, durationMs * 0.2);
    await sleep(warm);
    const cpu0 = procStats(s.pid)!, hcpu0 = procStats(hostPid)!, w0 = performance.now();
    const rss: number[] = [], hostRss: number[] = [];
    let agentsRss = 0;
    const sampler = setInterval(() => { const r = vmRss(s.pid); if (r) rss.push(r); const h = vmRss(hostPid); if (h) hostRss.push(h); }, 500);
    const loadLat: number[] = [];
    const windowEnd = tGo + durationMs - 1000;
    let sampledAgents = false;
    while (performance.now() < windowEnd - 1500) {
      loadLat.push(await probe.ask());
      if (!sampledAgents && performance.now() - tGo > durationMs / 2) {
        sampledAgents = true;
        agentsRss = insts.reduce((a, i) => a + (vmRss(i.pid) ?? 0), 0);
      }
      await sleep(300);
    }
    while (performance.now() < windowEnd) await sleep(50);
    if (!sampledAgents) agentsRss = insts.reduce((a, i) => a + (vmRss(i.pid) ?? 0), 0);
    clearInterval(sampler);
    const cpu1 = procStats(s.pid)!, hcpu1 = procStats(hostPid)!, w1 = performance.now();
    const cores = (cpu1.cpu - cpu0.cpu) / ((w1 - w0) / 1000);
    const hostCores = (hcpu1.cpu - hcpu0.cpu) / ((w1 - w0) / 1000);

    // Every program done and every channel closed (exit), then compare.
    await waitUntil(() => clients.every((c) => c.closed !== null), 'every load agent to exit', 60_000, 100);
    let written = 0, linesAll = 0, lostLog = 0, lostClient = 0, badHash = 0, missing = 0;
    for (let i = 0; i < insts.length; i++) {
      const inst = insts[i];
      const f = path.join(statsDir, `${inst.id}.json`);
      if (!fs.existsSync(f)) { missing++; continue; }
      const st = JSON.parse(fs.readFileSync(f, 'utf8')) as { bytes: number; lines: number; sha1: string };
      written += st.bytes;
      linesAll += st.lines;
      const res = await fetch(`${s.url}/api/instances/${inst.id}/output?offset=0&limit=16777216`, { headers: s.headers() });
      const log = Buffer.from(await res.arrayBuffer());
      lostLog += Math.max(0, st.bytes - log.length);
      const got = clients[i].bytes - before[i];
      lostClient += Math.max(0, st.bytes - got);
      if (createHash('sha1').update(log).digest('hex') !== st.sha1) badHash++;
      if (hashes.get(inst.id)!.digest('hex') !== st.sha1) badHash++;
    }
    const peak = Math.max(...rss);
    const rssMed = percentile(rss, 50);
    // RSS keeps growing while the scrollbacks fill: the figure per instance is taken at the end of the window.
    const tail = rss.slice(-4);
    const rssEnd = percentile(tail, 50);
    const perInst = (rssEnd - idleRss) / n;
    const hostEnd = percentile(hostRss.slice(-4), 50);
    const hostPer = (hostEnd - idleHost) / n;
    const linesPer = Math.round(linesAll / n);
    ctx.log(`${bench}: pty host RSS idle ${(idleHost / MB).toFixed(1)} MB, end ${(hostEnd / MB).toFixed(1)} MB, ${(hostPer / MB).toFixed(2)} MB/instance, CPU ${(hostCores * 100).toFixed(0)}% of a core; `
      + `server RSS idle ${(idleRss / MB).toFixed(1)} MB, loaded ${(rssMed / MB).toFixed(1)} MB (peak ${(peak / MB).toFixed(1)}), ${(perInst / MB).toFixed(2)} MB/instance, `
      + `CPU ${(cores * 100).toFixed(0)}% of a core, agents ${(agentsRss / MB).toFixed(0)} MB, written ${(written / MB).toFixed(1)} MB, lost log ${lostLog} client ${lostClient}, `
      + `hash mismatches ${badHash}, missing ${missing}; probe idle ${idleLat.map((x) => x.toFixed(0)).join(',')} loaded ${loadLat.map((x) => x.toFixed(0)).join(',')}`);

    const rssRow = fromRuns({ bench, figure: 'server RSS under load (samples every 0.5 s)', unit: 'MB', baseline: { label: 'idle server', value: idleRss / MB },
      note: `peak ${(peak / MB).toFixed(1)} MB; the ${n} agent processes themselves: ${(agentsRss / MB).toFixed(0)} MB RSS in all (not counted)` }, rss.map((x) => x / MB));
    rssRow.ratio = rssRow.value / rssRow.baseline!.value;
    const per: Row = { bench, figure: `server RSS per instance beyond the idle server, at the end (~${linesPer} lines each)`, unit: 'MB', value: perInst / MB,
      spread: { kind: 'min–max', lo: (Math.min(...tail) - idleRss) / n / MB, hi: (Math.max(...tail) - idleRss) / n / MB, n: tail.length },
      note: `median over the window ${((rssMed - idleRss) / n / MB).toFixed(2)} MB/instance; the screens are in the pty host` };
    const hostRow: Row = { bench, figure: `pty host RSS per instance beyond its idle size, at the end (~${linesPer} lines each, scrollback ${DEFAULT_SCROLLBACK})`, unit: 'MB', value: hostPer / MB,
      note: `pty host ${(idleHost / MB).toFixed(0)} → ${(hostEnd / MB).toFixed(0)} MB: the screens (headless terminals, in its parser thread), the bounded output windows, the ptys` };
    const both: Row = { bench, figure: 'RSS per instance, pty host + server', unit: 'MB', value: (hostPer + perInst) / MB, target: '≤ 10 MB', met: (hostPer + perInst) / MB <= 10 };
    const cpuRow: Row = { bench, figure: `server CPU over the ${((w1 - w0) / 1000).toFixed(0)} s window (1.0 = one core)`, unit: 'cores', value: cores,
      target: 'keeps up on 2 cores (< 1 core: node is one thread)', met: cores < 1 && missing === 0,
      note: `the pty host: ${hostCores.toFixed(2)} cores (its main thread relays and logs; its parser thread parses every byte)` };
    const lossRow: Row = { bench, figure: `bytes lost of ${(written / MB).toFixed(1)} MB written (log + terminal clients)`, unit: 'B', value: lostLog + lostClient,
      target: '0, SHA-1 equal', met: lostLog + lostClient === 0 && badHash === 0 && missing === 0,
      note: `log ${lostLog} B, terminal clients ${lostClient} B, SHA-1 mismatches ${badHash}, programs without stats ${missing}` };
    const latRow = fromRuns({ bench, figure: `status event latency under load ([y/N] → awaiting_input, quietMs ${probe.quietMs})`, unit: 'ms',
      baseline: { label: 'same probe, idle server', value: summarize(idleLat).median }, target: `< quietMs + 50 = ${probe.quietMs + 50} ms` }, loadLat);
    latRow.ratio = latRow.value / latRow.baseline!.value;
    latRow.met = latRow.value < probe.quietMs + 50;
    return [rssRow, per, hostRow, both, cpuRow, lossRow, latRow];
  } finally {
    for (const c of clients) c.close();
    probe?.close();
    await s.close();
    sse.close();
  }
}

export async function manyAgents(ctx: BenchContext): Promise<Row[]> {
  const counts = ctx.pick({ full: [10, 50, 100], quick: [10, 20], smoke: [3] });
  const duration = ctx.pick({ full: 60_000, quick: 4_000, smoke: 4_000 });
  const rows: Row[] = [];
  for (const n of counts) rows.push(...await one(ctx, n, duration));
  return rows;
}
