// 7. Changes panel on a large change: an instance's worktree with 1,000 changed files / 50,000 added lines (800 files
// rewritten, 200 new ones). Time to the file list (GET …/changes) and to the first file's diff, through the API and in
// Chromium (click "Changes" → the diff is on screen), while a client pings the server every 5 ms: the ping's latency
// is the event loop's delay as a client feels it, against the same pings on the idle server.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './lib/context.js';
import { createAgent, ok, startChildServer, startInstance, tempDir, waitUntil, type ChildServer } from './lib/server.js';
import { fromRuns, sleep, summarize, type Row } from './lib/stats.js';

const FILES = 1000, NEW_FILES = 200, LINES = 50;
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

async function browserFigure(s: ChildServer, id: string, ctx: BenchContext): Promise<number[] | null> {
  if (ctx.mode === 'smoke' || (!fs.existsSync('/usr/bin/chromium') && !process.env.CHROMIUM_PATH)) return null;
  const { ensureWebBuild, launch } = await import('../test/e2e/harness.js');
  await ensureWebBuild();
  const browser = await launch();
  const runs: number[] = [];
  try {
    for (let r = 0; r < ctx.pick({ full: 5, quick: 3, smoke: 0 }); r++) {
      const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
      await page.goto(`${s.url}/#/i/${id}`);
      const pane = page.locator(`[data-testid=instance-pane][data-instance="${id}"]`);
      await pane.locator('[data-testid=view-changes]').waitFor();
      await sleep(1100); // past the server's one-second summary cache: measure a fresh read
      const t0 = performance.now();
      await pane.locator('[data-testid=view-changes]').click();
      await pane.locator('[data-testid=diff-view] .diff-line').first().waitFor({ timeout: 30_000 });
      runs.push(performance.now() - t0);
      await page.context().close();
    }
  } finally { await browser.close(); }
  return runs;
}

export async function changes(ctx: BenchContext): Promise<Row[]> {
  const reps = ctx.pick({ full: 10, quick: 5, smoke: 2 });
  const repo = makeRepo();
  const s = await startChildServer();
  try {
    const agent = await createAgent(s, { name: 'bench-changes', projectPath: repo, command: '/bin/sh', args: ['-c', 'stty raw -echo; exec cat'] });
    const inst = await startInstance(s, agent.id);
    if (!inst.worktree) throw new Error(`no worktree: ${inst.worktreeNote}`);
    change(inst.worktree.path);
    const idle = pinger(s);
    await sleep(1000);
    const idleLat = await idle.stop();

    const statusMs: number[] = [], diffMs: number[] = [], shownMs: number[] = [], busyLat: number[] = [];
    let files = 0, added = 0, bytes = 0;
    for (let r = 0; r < reps; r++) {
      await sleep(1100); // past the summary cache
      const ping = pinger(s);
      const [ms, c] = await timed(() => ok(s.api('GET', `/api/instances/${inst.id}/changes`), 'changes'));
      const first = c.files[0];
      const [dms] = await timed(() => ok(s.api('GET', `/api/instances/${inst.id}/changes/diff?path=${encodeURIComponent(first.path)}`), 'diff'));
      busyLat.push(...await ping.stop());
      statusMs.push(ms); diffMs.push(dms); shownMs.push(ms + dms);
      files = c.totals.files; added = c.totals.added; bytes = JSON.stringify(c).length;
    }
    if (files !== FILES) throw new Error(`expected ${FILES} changed files, the server listed ${files}`);
    ctx.log(`changes: ${files} files +${added}, list ${summarize(statusMs).median.toFixed(0)} ms, first diff ${summarize(diffMs).median.toFixed(0)} ms`);
    const browser = await browserFigure(s, inst.id, ctx).catch((e) => { ctx.log(`changes: browser figure failed: ${(e as Error).message}`); return null; });
    const idleS = summarize(idleLat), busyS = summarize(busyLat);
    const rows: Row[] = [
      { ...fromRuns({ bench: B, figure: `file list + first diff through the API, ${files} files / +${added} lines (${(bytes / 1024).toFixed(0)} KB of JSON)`, unit: 'ms', target: '< 1000 ms' }, shownMs) },
      { ...fromRuns({ bench: B, figure: '… of which GET /changes (git status, git diff --numstat, 200 untracked files counted)', unit: 'ms' }, statusMs) },
      { ...fromRuns({ bench: B, figure: '… of which the first file\'s diff', unit: 'ms' }, diffMs) },
      {
        bench: B, figure: 'server responsiveness meanwhile: GET /api/info latency p99 (max)', unit: 'ms', value: busyS.p99,
        baseline: { label: 'idle server p99', value: idleS.p99 }, ratio: busyS.p99 / idleS.p99, target: '< 50 ms', met: busyS.p99 < 50,
        note: `${busyS.n} pings, max ${busyS.max.toFixed(1)} ms (idle: ${idleS.n} pings, max ${idleS.max.toFixed(1)} ms)`,
      },
    ];
    rows[0].met = rows[0].value < 1000;
    if (browser?.length) {
      const br = fromRuns({ bench: B, figure: 'in Chromium: click "Changes" → list and first diff on screen', unit: 'ms', target: '< 1000 ms' }, browser);
      br.met = br.value < 1000;
      rows.push(br);
    }
    await ok(s.api('POST', `/api/instances/${inst.id}/terminate`), 'terminate');
    await waitUntil(async () => (await s.api('GET', `/api/instances/${inst.id}`)).body.status !== 'active', 'terminated', 10_000);
    return rows;
  } finally {
    await s.close();
  }
}
