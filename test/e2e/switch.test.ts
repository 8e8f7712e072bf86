// Measures (prints, does not assert) how long a tab switch takes: from the Ctrl+Alt+N keypress until the other instance's
// terminal is visible with its whole screen drawn, on an instance with thousands of lines of scrollback. Also the cold
// path: reopening a closed tab, which re-attaches from the server's snapshot.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, launch, newPage, startServer, waitForTerm, type Server, teardown } from './harness.js';

const LINES = 5000;

/** In the page: ms from the event that started it (its timeStamp) until pane `id` shows `re` and a frame was painted.
 * A string, not a function: helpers the test's transpiler adds (__name) do not exist in the page. */
const UNTIL_SHOWN = `([iid, src, type]) => new Promise((resolve, reject) => {
  let t0 = -1;
  window.addEventListener(type, (e) => { t0 = e.timeStamp; }, { capture: true, once: true });
  const deadline = performance.now() + 10000;
  const check = () => {
    const pane = document.querySelector('[data-testid=instance-pane][data-instance="' + iid + '"]');
    const rows = document.querySelector('[data-testid="terminal-' + iid + '"] .xterm-rows');
    if (t0 >= 0 && pane && !pane.hidden && rows && rows.offsetHeight > 0 && new RegExp(src, 'm').test(rows.innerText.replace(/\u00a0/g, ' '))) {
      requestAnimationFrame(() => resolve(performance.now() - t0)); // the frame that shows it
      return;
    }
    if (performance.now() > deadline) { reject(new Error('never shown')); return; }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})`;

/** Arms the measurement in the page (before the key or click is sent), then `done()` gives the time. */
async function untilShown(page: Page, id: string, re: RegExp, startEvent: 'keydown' | 'click') {
  await page.evaluate(`window.__switch = (${UNTIL_SHOWN})(${JSON.stringify([id, re.source, startEvent])}); 0`);
  return { done: () => page.evaluate('window.__switch') as Promise<number> };
}

describe('tab switch time', { timeout: 120_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  before(async () => {
    await ensureWebBuild();
    srv = await startServer();
    browser = await launch();
    ({ page, errors } = await newPage(browser, srv));
  });

  after(() => teardown(browser, srv));

  it(`switches to an instance with ${LINES} lines of scrollback (printed)`, async () => {
    const agent = await srv.api<{ id: string }>('POST', '/api/agents', { name: 'sh', projectPath: srv.home, kind: 'generic', command: 'bash', args: ['--norc', '--noprofile'], settings: { maxConcurrentInstances: 2 } });
    const a = (await srv.api<{ id: string }>('POST', `/api/agents/${agent.id}/instances`, { cols: 120, rows: 32 })).id;
    const b = (await srv.api<{ id: string }>('POST', `/api/agents/${agent.id}/instances`, { cols: 120, rows: 32 })).id;
    await page.goto(`${srv.url}/#/i/${a}`);
    await page.waitForSelector(`[data-testid="terminal-${a}"][data-conn=open]`);
    await page.goto(`${srv.url}/#/i/${b}`);
    await page.waitForSelector(`[data-testid="terminal-${b}"][data-conn=open]`);
    await srv.api('POST', `/api/instances/${a}/input`, { text: 'echo alpha-$((6*7))', keys: ['enter'] });
    await srv.api('POST', `/api/instances/${b}/input`, { text: `for i in $(seq 1 ${LINES}); do echo "line $i of the scrollback, padded to look like real output"; done; echo END-$((6*7))`, keys: ['enter'] });
    await waitForTerm(page, b, /^END-42$/m, 20_000);
    assert.equal(await page.locator('[data-testid=tab]').count(), 2);

    const warm: number[] = [];
    for (let i = 0; i < 6; i++) {
      const toA = await untilShown(page, a, /^alpha-42$/, 'keydown');
      await page.keyboard.press('Control+Alt+1');
      warm.push(await toA.done());
      const toB = await untilShown(page, b, /^END-42$/, 'keydown');
      await page.keyboard.press('Control+Alt+2');
      warm.push(await toB.done());
    }
    // The cold path: close B's tab, reopen it from the sidebar (a new terminal, attached from the server's snapshot).
    const cold: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.click(`[data-testid=tab][data-instance="${b}"] [data-testid=tab-close]`);
      await page.waitForSelector(`[data-testid=instance-pane][data-instance="${b}"]`, { state: 'detached' });
      const shown = await untilShown(page, b, /^END-42$/, 'click');
      await page.click(`[data-testid=instance-item][data-instance="${b}"]`);
      cold.push(await shown.done());
    }
    const scrollback = await page.evaluate((id) => document.querySelectorAll(`[data-testid="terminal-${id}"] .xterm-rows > div`).length, b);
    const fmt = (xs: number[]) => {
      const s = [...xs].sort((x, y) => x - y);
      return `median ${s[Math.floor(s.length / 2)].toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms (n=${s.length})`;
    };
    console.log(`# tab switch (Ctrl+Alt+N → other terminal visible and drawn): to the ${LINES}-line one ${fmt(warm.filter((_, i) => i % 2))}; to the short one ${fmt(warm.filter((_, i) => !(i % 2)))}`);
    console.log(`# reopen a closed tab (click → snapshot attached and drawn): ${fmt(cold)}; ${scrollback} rows on screen`);
    assert.deepEqual(errors, []);
  });
});
