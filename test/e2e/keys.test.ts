// Keyboard and focus, as a user of a terminal expects them: the ▶ start button is there without hovering and reachable
// with Tab; a focused terminal gets every key a program can use (Ctrl+K, Alt+1…9), the app's own shortcuts work from it
// through combinations terminals leave alone (Ctrl+Shift+K, Ctrl+Alt+1…9); answering a question from the banner gives
// the keyboard back to the terminal.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, FAKE_AGENT, launch, newPage, shot, startServer, waitForTerm, type Server, teardown } from './harness.js';

describe('keyboard and focus', { timeout: 180_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let page: Page;
  const agents: Record<string, string> = {};
  const current = () => page.locator('[data-testid=tab][aria-selected=true]').getAttribute('data-instance');
  const tabIds = () => page.locator('[data-testid=tab]').evaluateAll((els) => els.map((e) => e.getAttribute('data-instance')!));
  const start = async (agent: string) => (await srv.api<{ id: string }>('POST', `/api/agents/${agents[agent]}/instances`, { cols: 100, rows: 30 })).id;
  const show = async (id: string) => {
    await page.evaluate((iid) => { location.hash = `#/i/${iid}`; }, id);
    await page.waitForSelector(`[data-testid=tab][data-instance="${id}"][aria-selected=true]`);
  };

  before(async () => {
    await ensureWebBuild();
    srv = await startServer();
    agents.sh = (await srv.api<{ id: string }>('POST', '/api/agents', { name: 'sh', projectPath: srv.home, kind: 'generic', command: 'bash', args: ['--norc', '--noprofile'], settings: { maxConcurrentInstances: 3 } })).id;
    agents.asker = (await srv.api<{ id: string }>('POST', '/api/agents', { name: 'asker', projectPath: srv.home, kind: 'generic', command: process.execPath, args: [FAKE_AGENT, '--work-ms', '200'] })).id;
    browser = await launch();
    ({ page } = await newPage(browser, srv));
    await page.goto(srv.url);
    await page.waitForSelector('[data-testid=agent-item][data-agent=sh]');
  });

  after(() => teardown(browser, srv));

  it('shows ▶ (start) without hovering, and starts an instance from the keyboard', async () => {
    const start = page.locator('[data-testid=agent-item][data-agent=sh] [data-testid=start-instance]');
    assert.ok(await start.isVisible(), 'the start button is visible before any hover');
    await shot(page, '50-start-visible');
    // Tab through the page until the start button has the focus, then Enter.
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await start.evaluate((el) => el === document.activeElement);
    }
    assert.ok(reached, 'Tab reaches the start button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=tab]');
  });

  it('gives a focused terminal Ctrl+K and Alt+1…9; Ctrl+Shift+K and Ctrl+Alt+1…9 work from it', async () => {
    // Two tabs, of this test's own: the first and the second.
    await page.click('[data-testid=nav-overview]');
    await page.evaluate(() => localStorage.setItem('areyouj.tabs', '[]'));
    await page.reload();
    const [a, b] = [await start('sh'), await start('sh')];
    await show(a);
    await show(b);
    assert.deepEqual(await tabIds(), [a, b]);
    await page.waitForSelector(`[data-testid="terminal-${b}"][data-conn=open]`);
    await page.locator(`[data-testid="terminal-${b}"]`).click();
    await page.keyboard.type('echo ready-$((1+1))');
    await page.keyboard.press('Enter');
    await waitForTerm(page, b, /^ready-2$/m);

    // Ctrl+K is bash's kill-line: the end of the line goes, only "keep" is printed; no palette.
    await page.keyboard.type('echo keep; echo gone');
    for (let i = 0; i < ' echo gone'.length; i++) await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Control+k');
    await page.keyboard.press('Enter');
    await waitForTerm(page, b, /^keep$/m);
    assert.equal(await page.locator('[data-testid=palette]').count(), 0, 'Ctrl+K in a terminal does not open the palette');
    assert.doesNotMatch(await page.locator(`[data-testid="terminal-${b}"] .xterm-rows`).innerText(), /^gone$/m);

    // Alt+1 is the program's too (ESC 1), and the tab stays.
    // (once cat runs: keys typed while bash still reads its line would be bash's)
    await page.keyboard.type('echo cat-ready; cat -v');
    await page.keyboard.press('Enter');
    await waitForTerm(page, b, /^cat-ready$/m);
    await page.keyboard.press('Alt+1');
    await page.keyboard.press('Enter');
    await waitForTerm(page, b, /^\^\[1$/m);
    await page.keyboard.press('Control+c');
    assert.equal(await current(), b, 'Alt+1 in a terminal does not switch tabs');

    // The app's shortcuts from inside the terminal.
    await page.keyboard.press('Control+Shift+K');
    await page.waitForSelector('[data-testid=palette]');
    await shot(page, '51-palette-from-terminal');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=palette]', { state: 'detached' });
    await page.keyboard.press('Control+Alt+1');
    await page.waitForFunction((id) => document.querySelector('[data-testid=tab][aria-selected=true]')?.getAttribute('data-instance') === id, a);
    // Outside a terminal (on the overview), Alt+2 and Ctrl+K still do what they did.
    await page.click('[data-testid=nav-overview]');
    await page.keyboard.press('Alt+2');
    await page.waitForFunction((id) => document.querySelector('[data-testid=tab][aria-selected=true]')?.getAttribute('data-instance') === id, b);
    await page.click('[data-testid=nav-overview]');
    await page.keyboard.press('Control+k');
    await page.waitForSelector('[data-testid=palette]');
    await page.keyboard.press('Escape');
  });

  it('says in the help dialog which shortcuts work where', async () => {
    await page.locator('[data-testid=nav-overview]').click();
    await page.keyboard.press('?');
    const help = page.locator('[data-testid=help-dialog]');
    await help.waitFor();
    const text = await help.innerText();
    assert.match(text, /Ctrl Shift K/);
    assert.match(text, /Ctrl Alt 1 … 9/);
    assert.match(text, /terminal/i);
    await shot(page, '52-help');
    await page.keyboard.press('Escape');
  });

  it('gives the keyboard back to the terminal after an answer from the banner', async () => {
    await page.goto(srv.url); // whatever an earlier test left open
    const id = await start('asker');
    await show(id);
    await page.waitForSelector(`[data-testid=tab][data-instance="${id}"][data-status=idle]`, { timeout: 15_000 });
    await srv.api('POST', `/api/instances/${id}/messages`, { content: 'ask to edit files' });
    const banner = page.locator(`[data-testid=instance-pane][data-instance="${id}"] [data-testid=awaiting-banner]`);
    await banner.waitFor({ timeout: 15_000 });
    await banner.locator('button', { hasText: /^y|Yes/i }).first().click();
    await waitForTerm(page, id, /proceeded/, 20_000);
    await page.waitForSelector(`[data-testid=tab][data-instance="${id}"][data-status=idle]`, { timeout: 15_000 });
    // No click into the terminal: the keys go there by themselves.
    await page.keyboard.type('typed after answering');
    await page.keyboard.press('Enter');
    await waitForTerm(page, id, /done: typed after answering/, 20_000);
  });
});
