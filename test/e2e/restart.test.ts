// The server restarts under an open dashboard (the agents go on in the pty host): the terminal reconnects by itself and
// keeps working, with no page reload; then the dashboard's "Stop all" and "Close ended tabs".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, expectProblems, launch, newPage, shot, startServer, teardown, waitForTerm, type Server } from './harness.js';

describe('server restart under an open dashboard', { timeout: 180_000 }, () => {
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

  it('the terminal keeps working across a restart, with no reload; Stop all and Close ended tabs', async () => {
    const agent = await srv.api<{ id: string }>('POST', '/api/agents', {
      name: 'sh', projectPath: srv.home, kind: 'generic', command: 'bash', args: ['--norc', '--noprofile'], env: { PS1: 'sh$ ' },
      settings: { maxConcurrentInstances: 2 },
    });
    const id = (await srv.api<{ id: string }>('POST', `/api/agents/${agent.id}/instances`, { cols: 100, rows: 30 })).id;
    await page.goto(`${srv.url}/#/i/${id}`);
    await page.waitForSelector(`[data-testid="terminal-${id}"][data-conn=open]`);
    await page.click(`[data-testid="terminal-${id}"]`);
    await page.keyboard.type('n=40; echo before-$((n+2))');
    await page.keyboard.press('Enter');
    await waitForTerm(page, id, /^before-42$/m);
    await page.evaluate('window.__sameDocument = true');

    // Restart: the server goes (SIGTERM), the shell stays; the next server on the same port re-adopts it.
    const port = new URL(srv.url).port;
    await srv.stop({ keepAgents: true });
    await page.waitForSelector(`[data-testid="terminal-${id}"]:not([data-conn=open])`);
    srv = await startServer({ home: srv.home, args: ['--port', port] });
    await page.waitForSelector(`[data-testid="terminal-${id}"][data-conn=open]`, { timeout: 30_000 });
    await page.click(`[data-testid="terminal-${id}"]`);
    await page.keyboard.type('echo after-$((n+2))'); // the shell's own state ($n) survived
    await page.keyboard.press('Enter');
    await waitForTerm(page, id, /^after-42$/m);
    assert.equal(await page.evaluate('window.__sameDocument'), true, 'no page reload');
    await waitForTerm(page, id, /^before-42$/m); // the screen before the restart is still there
    await shot(page, 'restart-terminal-after');

    // Stop all, then close the ended tab.
    await page.click('[data-testid=stop-all]');
    await page.click('[data-testid=confirm-ok]');
    await page.waitForSelector(`[data-testid=tab][data-instance="${id}"][data-status=terminated]`);
    await shot(page, 'restart-stopped-all');
    await page.click('[data-testid=tabs-menu]');
    await page.click('[data-testid=close-ended-tabs]');
    await page.waitForSelector(`[data-testid=tab][data-instance="${id}"]`, { state: 'detached' });
    // While no server was up, the event stream, the info probe and the terminal failed to connect (and came back).
    expectProblems(errors, /net::ERR_[A-Z_]+ .*\/api\/(events|info|instances\/[^/]+\/terminal)|WebSocket connection to .*\/terminal' failed/);
    assert.deepEqual(errors, []);
  });
});
