// 8. The task board at 10,000 tasks in Chromium (the production build of the web app, dist/web): time to the first
// rows, and frame times while the board scrolls from top to bottom, one step per animation frame (requestAnimationFrame
// intervals; 60 fps is 16.7 ms a frame). Steps of 100 px (a fast wheel) and of a screenful.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import type { BenchContext } from './lib/context.js';
import { ROOT, startChildServer, tempDir } from './lib/server.js';
import { fromRuns, percentile, type Row } from './lib/stats.js';
import { generateTasksDb } from './lib/tasks-db.js';

export async function board(ctx: BenchContext): Promise<Row[]> {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-if-needed.mjs')], { cwd: ROOT, stdio: 'inherit' }); // dist/web, the production build
  const steps = ctx.pick({ full: 600, quick: 300, smoke: 60 });
  const home = tempDir();
  fs.mkdirSync(path.join(home, 'docs'));
  generateTasksDb(path.join(home, 'docs', 'tasks.db'));
  const s = await startChildServer({ home });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${s.url}/?token=${encodeURIComponent(s.token)}`); // logs in (a session cookie), as a user does once
    await page.goto('about:blank'); // so that the board below is a page load, not a change of route
    const t0 = performance.now();
    await page.goto(`${s.url}/#/tasks`);
    await page.waitForSelector('[data-testid=task-row]');
    const firstRows = performance.now() - t0;
    await page.click('[data-testid=with-subtasks]');
    await page.waitForFunction(() => document.querySelector('[data-testid=task-table]')?.getAttribute('data-rows') === '10000');
    const scroll = (px: number | 'page') => page.evaluate(async ([n, px]) => {
      const el = document.querySelector('[data-testid=board-scroll]') as HTMLElement;
      el.scrollTop = 0;
      await new Promise((r) => requestAnimationFrame(r));
      const times: number[] = [];
      let last = performance.now();
      for (let i = 0; i < n; i++) {
        el.scrollTop += px === 'page' ? el.clientHeight : px;
        await new Promise<void>((r) => requestAnimationFrame(() => { const now = performance.now(); times.push(now - last); last = now; r(); }));
      }
      return { times, rows: document.querySelectorAll('[data-testid=task-row]').length };
    }, [steps, px] as const);
    // The baseline: frames of the same page while nothing changes (what the machine gives a frame right now).
    const idle = await page.evaluate(async (n) => {
      const times: number[] = [];
      let last = performance.now();
      for (let i = 0; i < n; i++) await new Promise<void>((r) => requestAnimationFrame(() => { const now = performance.now(); times.push(now - last); last = now; r(); }));
      return times;
    }, Math.min(steps, 120));
    const baseline = { label: 'idle page, no scrolling', value: percentile(idle, 50) };
    const wheel = await scroll(100);
    const pages = await scroll('page');
    ctx.log(`board: first rows ${firstRows.toFixed(0)} ms; 100 px steps p50 ${percentile(wheel.times, 50).toFixed(1)} / p95 ${percentile(wheel.times, 95).toFixed(1)} ms; `
      + `page steps p50 ${percentile(pages.times, 50).toFixed(1)} / p95 ${percentile(pages.times, 95).toFixed(1)} ms; ${wheel.rows} rows in the page`);
    const frameRow = (figure: string, times: number[], rows: number): Row => {
      const r = fromRuns({ bench: '8 board', figure, unit: 'ms', baseline, target: 'p50 ≤ 16.7 ms (60 fps)', note: `p95 ${percentile(times, 95).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; ${rows} rows in the page of 10,000` }, times);
      r.ratio = r.value / baseline.value;
      r.met = r.value <= 1000 / 60 + 0.5;
      return r;
    };
    return [
      { bench: '8 board', figure: 'Task board, 10,000 tasks: page load to the first rows (production build)', unit: 'ms', value: firstRows },
      frameRow(`Scrolling 10,000 tasks, ${steps} steps of 100 px: frame time`, wheel.times, wheel.rows),
      frameRow(`Scrolling 10,000 tasks, ${steps} steps of a screenful: frame time`, pages.times, pages.rows),
    ];
  } finally {
    await browser.close();
    await s.close();
  }
}
