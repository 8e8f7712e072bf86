// 7. Changes panel on a large change: an instance's worktree with 1,000 changed files / 50,000 added lines (800 files
// rewritten, 200 new ones). Time to the file list (GET …/changes) and to the first file's diff, through the API and in
// Chromium (click "Changes" → the diff is on screen), while a client pings the server every 5 ms: the ping's latency
// is the event loop's delay as a client feels it, against the same pings on the idle server.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './lib/context.js';
import { pathToFileURL } from 'node:url';
import { createAgent, ok, PROGRAMS, startChildServer, startInstance, tempDir, waitUntil, type ChildServer } from './lib/server.js';
import { fromRuns, sleep, summarize, type Row } from './lib/stats.js';

// The change: FILES files (NEW_FILES of them new) of LINES lines; --smoke runs the same code on a tenth of it.
let FILES = 1000, NEW_FILES = 200;
const LINES = 50;
const B = '7 changes panel';

function gitSync(cwd: string, ...args: string[]) {
  execFileSync('git', args, { cwd, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' } });
}

const body = (i: number, tag: string) => Array.from({ length: LINES }, (_, l) => `export const v${i}_${l} = '${tag} ${i}:${l}'; // line ${l + 1} of a generated module`).join('\n') + '\n';

/** A repository with FILES - NEW_FILES committed modules of LINES lines each. */
function makeRepo(): string {
  const dir = tempDir('areyouj-bench-repo-');
  gitSync(dir, 'init', '-q', '-b', 'main');
  for (let i = 0; i < FILES - NEW_FILES; i++) {
    const p = path.join(dir, 'src', `m${Math.floor(i / 100)}`, `mod${i}.ts`);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, body(i, 'old'));
  }
  gitSync(dir, 'add', '-A');
  gitSync(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

/** The agent's change: every committed module rewritten, and new modules added (untracked). */
function change(worktree: string) {
  for (let i = 0; i < FILES; i++) {
    const p = path.join(worktree, 'src', `m${Math.floor(i / 100)}`, `mod${i}.ts`);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, body(i, 'new'));
  }
}

/** Pings GET /api/info back to back, 5 ms apart, until stopped; returns each latency. */
function pinger(s: ChildServer) {
  const lat: number[] = [];
  let on = true;
  const done = (async () => {
    while (on) {
      const t0 = performance.now();
      await fetch(`${s.url}/api/info`).then((r) => r.arrayBuffer());
      lat.push(performance.now() - t0);
      await sleep(5);
    }
  })();
  return { lat, stop: async () => { on = false; await done; return lat; } };
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [performance.now() - t0, v];
}

async function browserFigure(s: ChildServer, id: string, ctx: BenchContext): Promise<{ list: number[]; diff: number[] } | null> {
  if (ctx.mode === 'smoke' || (!fs.existsSync('/usr/bin/chromium') && !process.env.CHROMIUM_PATH)) return null;
  const { launch, shot } = await import('../test/e2e/harness.js');
  const browser = await launch();
  const runs = { list: [] as number[], diff: [] as number[] };
  try {
    for (let r = 0; r < ctx.pick({ full: 5, quick: 3, smoke: 0 }); r++) {
      const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
      await page.goto(`${s.url}/#/i/${id}`);
      const pane = page.locator(`[data-testid=instance-pane][data-instance="${id}"]`);
      await pane.locator('[data-testid=view-changes]').waitFor().catch(async (e) => { await shot(page, 'bench-changes-failed'); throw e; });
      await sleep(1100); // past the server's one-second summary cache: measure a fresh read
      // Timed inside the page: from the pointer going down on "Changes" to the next frame after the rows are in the DOM.
      // (a string: tsx's helpers do not exist in the page)
      await page.evaluate(`(() => {
        const t = {};
        window.__t = t;
        document.addEventListener('pointerdown', () => { t.click = performance.now(); }, { capture: true, once: true });
        new MutationObserver((_, obs) => {
          if (!t.listSeen && document.querySelector('[data-testid=file-row]')) { t.listSeen = 1; requestAnimationFrame(() => { t.list = performance.now(); }); }
          if (document.querySelector('[data-testid=diff-view] .diff-line')) { obs.disconnect(); requestAnimationFrame(() => { t.diff = performance.now(); }); }
        }).observe(document.body, { childList: true, subtree: true });
      })()`);
      await pane.locator('[data-testid=view-changes]').click();
      await pane.locator('[data-testid=diff-view] .diff-line').first().waitFor({ timeout: 30_000 });
      await page.waitForFunction(() => 'diff' in (window as unknown as { __t: Record<string, number> }).__t);
      const t = await page.evaluate(() => (window as unknown as { __t: Record<string, number> }).__t);
      runs.list.push(t.list - t.click);
      runs.diff.push(t.diff - t.click);
      if (process.env.BENCH_TRACE) {
        const entries = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => [e.name.replace(location.origin, '').slice(0, 60), Math.round(e.startTime), Math.round((e as PerformanceResourceTiming).responseEnd)] as const));
        ctx.log(`  list ${Math.round(t.list - t.click)} diff ${Math.round(t.diff - t.click)}: ${entries.filter(([n, st]) => st >= t.click - 5 && !n.includes('/api/info')).map(([n, st, end]) => `${n.slice(-12)} ${st - Math.round(t.click)}→${end - Math.round(t.click)}`).join(' | ')}`);
      }
      await page.context().close();
    }
  } finally { await browser.close(); }
  return runs;
}

export async function changes(ctx: BenchContext): Promise<Row[]> {
  const reps = ctx.pick({ full: 10, quick: 5, smoke: 1 });
  [FILES, NEW_FILES] = ctx.pick({ full: [1000, 200], quick: [1000, 200], smoke: [100, 20] });
  const repo = makeRepo();
  if (ctx.mode !== 'smoke') {
    // The production build (dist/web), before the server starts: the server serves what exists then.
    const { buildIfNeeded } = (await import('../scripts/build-if-needed.mjs' as string)) as { buildIfNeeded(o: { server?: boolean; web?: boolean }): void };
    buildIfNeeded({ server: false, web: true });
  }
  const eldFile = path.join(tempDir('areyouj-bench-eld-'), 'eld.json');
  const s = await startChildServer({ preload: [pathToFileURL(path.join(PROGRAMS, 'eld-probe.mjs')).href], env: { ELD_FILE: eldFile } });
  /** The server's own event-loop delay since the last call (its preloaded probe writes it on SIGUSR2). */
  const eld = async (): Promise<{ p50: number; p99: number; max: number; n: number }> => {
    fs.rmSync(eldFile, { force: true });
    process.kill(s.pid, 'SIGUSR2');
    await waitUntil(() => fs.existsSync(eldFile) && fs.statSync(eldFile).size > 0, 'event-loop delay figures', 5000, 10);
    return JSON.parse(fs.readFileSync(eldFile, 'utf8'));
  };
  try {
    const agent = await createAgent(s, { name: 'bench-changes', projectPath: repo, command: '/bin/sh', args: ['-c', 'stty raw -echo; exec cat'] });
    const inst = await startInstance(s, agent.id);
    if (!inst.worktree) throw new Error(`no worktree: ${inst.worktreeNote}`);
    change(inst.worktree.path);
    await eld();
    const idle = pinger(s);
    await sleep(ctx.pick({ full: 1000, quick: 1000, smoke: 200 }));
    const idleLat = await idle.stop();
    const idleEld = await eld();

    const statusMs: number[] = [], diffMs: number[] = [], shownMs: number[] = [], busyLat: number[] = [], eldP99: number[] = [], eldMax: number[] = [];
    let files = 0, added = 0, bytes = 0;
    for (let r = 0; r < reps; r++) {
      await sleep(1100); // past the summary cache
      await eld();
      const ping = pinger(s);
      const [ms, c] = await timed(() => ok(s.api('GET', `/api/instances/${inst.id}/changes`), 'changes'));
      const first = c.files[0];
      const [dms] = await timed(() => ok(s.api('GET', `/api/instances/${inst.id}/changes/diff?path=${encodeURIComponent(first.path)}`), 'diff'));
      busyLat.push(...await ping.stop());
      const e = await eld();
      eldP99.push(e.p99);
      eldMax.push(e.max);
      statusMs.push(ms); diffMs.push(dms); shownMs.push(ms + dms);
      files = c.totals.files; added = c.totals.added; bytes = JSON.stringify(c).length;
    }
    if (files !== FILES) throw new Error(`expected ${FILES} changed files, the server listed ${files}`);
    ctx.log(`changes: ${files} files +${added}, list ${summarize(statusMs).median.toFixed(0)} ms, first diff ${summarize(diffMs).median.toFixed(0)} ms`);
    const browser = await browserFigure(s, inst.id, ctx).catch((e) => { ctx.log(`changes: browser figure failed: ${(e as Error).message}`); return null; });
    const idleS = summarize(idleLat), busyS = summarize(busyLat);
    const rows: Row[] = [
      { ...fromRuns({ bench: B, figure: `file list + first diff through the API, ${files} files / +${added} lines (${(bytes / 1024).toFixed(0)} KB of JSON)`, unit: 'ms', target: '< 1000 ms' }, shownMs) },
      { ...fromRuns({ bench: B, figure: `… of which GET /changes (git status, git diff --numstat, ${NEW_FILES} untracked files counted)`, unit: 'ms' }, statusMs) },
      { ...fromRuns({ bench: B, figure: '… of which the first file\'s diff', unit: 'ms' }, diffMs) },
      {
        ...fromRuns({ bench: B, figure: 'server event-loop delay while it lists and diffs (max per run)', unit: 'ms', target: '< 50 ms',
          baseline: { label: 'idle server, max over 1 s', value: idleEld.max } }, eldMax),
        note: `p99 per run: median ${summarize(eldP99).median.toFixed(1)} ms; sampled every 5 ms inside the server (perf_hooks.monitorEventLoopDelay)`,
      },
      {
        bench: B, figure: 'a client meanwhile: GET /api/info latency p99, 5 ms apart (includes the machine\'s CPU contention)', unit: 'ms', value: busyS.p99,
        baseline: { label: 'idle server p99', value: idleS.p99 }, ratio: busyS.p99 / idleS.p99,
        note: `${busyS.n} pings, max ${busyS.max.toFixed(1)} ms (idle: ${idleS.n} pings, max ${idleS.max.toFixed(1)} ms)`,
      },
    ];
    rows[0].met = rows[0].value < 1000;
    rows[3].met = rows[3].value < 50;
    if (browser?.diff.length) {
      const br = fromRuns({ bench: B, figure: 'in Chromium: click "Changes" → file list and first diff on screen', unit: 'ms', target: '< 1000 ms' }, browser.diff);
      br.met = br.value < 1000;
      rows.push(br, fromRuns({ bench: B, figure: '… of which the file list on screen', unit: 'ms' }, browser.list));
    }
    await ok(s.api('POST', `/api/instances/${inst.id}/terminate`), 'terminate');
    await waitUntil(async () => (await s.api('GET', `/api/instances/${inst.id}`)).body.status !== 'active', 'terminated', 10_000);
    return rows;
  } finally {
    await s.close();
  }
}
