// The phone layout (390 px): the sidebar is a drawer, tables are cards, a terminal tab has a key row.
// And the connection: an offline banner while the server is down, and a catch-up when it is back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, expectProblems, launch, newPage, shot, startServer, TASKS_FIXTURE, waitForTerm, type Server, teardown } from './harness.js';

describe('phone layout and connection', { timeout: 180_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let instanceId: string;

  before(async () => {
    await ensureWebBuild();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'areyouj-e2e-phone-'));
    fs.mkdirSync(path.join(home, 'docs'));
    fs.copyFileSync(TASKS_FIXTURE, path.join(home, 'docs', 'tasks.db'));
    srv = await startServer({ home });
    const agent = await srv.api<{ id: string }>('POST', '/api/agents', {
      name: 'pocket', projectPath: home, kind: 'generic', command: 'bash', args: ['--norc', '--noprofile'], color: '#e0af68',
    });
    instanceId = (await srv.api<{ id: string }>('POST', `/api/agents/${agent.id}/instances`, { cols: 40, rows: 20 })).id;
    browser = await launch();
    ({ page, errors } = await newPage(browser, srv, { width: 390, height: 844 }, { isMobile: true, hasTouch: true }));
    await page.goto(srv.url);
    await page.waitForSelector('[data-testid=overview]');
  });

  after(() => teardown(browser, srv));

  it('opens the sidebar as a drawer and shows a terminal with a key row', async () => {
    const box = await page.locator('[data-testid=sidebar]').boundingBox();
    assert.ok(box && box.x + box.width <= 0, 'the drawer starts closed');
    await shot(page, '20-phone-overview');
    await page.tap('[data-testid=drawer-toggle]');
    await page.waitForFunction(() => document.querySelector('[data-testid=sidebar]')!.getBoundingClientRect().x >= 0);
    await shot(page, '21-phone-drawer');
    // ▶ (start) is there without hover, big enough for a finger.
    const start = await page.locator('[data-testid=agent-item][data-agent=pocket] [data-testid=start-instance]').boundingBox();
    assert.ok(start && start.width >= 32 && start.height >= 32, `a touch-sized start button: ${JSON.stringify(start)}`);
    await page.tap(`[data-testid=instance-item][data-instance="${instanceId}"]`);
    await page.waitForFunction(() => document.querySelector('[data-testid=sidebar]')!.getBoundingClientRect().right <= 0);
    await page.waitForSelector(`[data-testid="terminal-${instanceId}"][data-conn=open]`);
    const keys = page.locator(`[data-testid=instance-pane][data-instance="${instanceId}"] [data-testid=key-row]`);
    await keys.waitFor();
    await page.locator(`[data-testid="terminal-${instanceId}"]`).tap();
    await page.keyboard.type('echo phone-$((2+3))');
    await keys.locator('[data-testid=key-enter]').tap();
    await waitForTerm(page, instanceId, /^phone-5$/m);
    await shot(page, '22-phone-terminal');
    assert.deepEqual(errors, []);
  });

  it('shows the task list as cards', async () => {
    await page.tap('[data-testid=drawer-toggle]');
    await page.tap('[data-testid=nav-tasks]');
    await page.waitForSelector('[data-testid=task-row]');
    const display = await page.locator('[data-testid=task-row]').first().evaluate((e) => getComputedStyle(e).display);
    assert.equal(display, 'grid');
    assert.equal(await page.locator('[data-testid=task-table] thead').isVisible(), false);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no horizontal scrolling (${width}px)`);
    await shot(page, '23-phone-tasks');
  });

  it('shows an offline banner while the server is down and catches up when it is back', async () => {
    const port = new URL(srv.url).port;
    await srv.stop();
    await page.waitForSelector('[data-testid=offline-banner]', { timeout: 15_000 });
    await shot(page, '24-phone-offline');
    srv = await startServer({ home: srv.home, args: ['--port', port] });
    // Made while the page was disconnected from this new server run: it must show up after the reconnect.
    await srv.api('POST', '/api/agents', { name: 'late', projectPath: srv.home, kind: 'generic', command: 'bash' });
    await page.waitForSelector('[data-testid=offline-banner]', { state: 'detached', timeout: 20_000 });
    await page.tap('[data-testid=drawer-toggle]');
    await page.waitForSelector('[data-testid=agent-item][data-agent=late]', { timeout: 10_000 });
    // While the server was down, the event stream, the app's check of whether the server is back (/api/info) and a
    // terminal, if one was open, failed to connect.
    expectProblems(errors, /net::ERR_[A-Z_]+ .*\/api\/(events|info|instances\/[^/]+\/terminal)|WebSocket connection to .*\/terminal' failed/);
  });
});
