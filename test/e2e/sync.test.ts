// The first load and the event stream together: an agent created while the page's first GET /api/agents is on its
// way (the answer read before the agent existed, the agent.created event applied before that answer lands) must stay
// in the sidebar. Before the fix the answer overwrote the store and the sidebar said "No agents yet" (seen at random
// in the tab-switch test on a loaded machine); here the order is forced with a held response.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { ensureWebBuild, launch, newPage, startServer, type Server, teardown } from './harness.js';

describe('first load and events', { timeout: 120_000 }, () => {
  let srv: Server;
  let browser: Browser;

  before(async () => {
    await ensureWebBuild();
    srv = await startServer();
    browser = await launch();
  });

  after(() => teardown(browser, srv));

  it('keeps an agent created while the first load is on its way', async () => {
    const { page } = await newPage(browser, null);
    // Every event type the page's EventSource delivers, in order (the app's own listeners run in the same dispatch).
    await page.addInitScript({ content: `
      window.__events = [];
      const Real = window.EventSource;
      window.EventSource = class extends Real {
        addEventListener(type, fn, o) { super.addEventListener(type, (e) => { window.__events.push(type); fn(e); }, o); }
      };` });
    let fetched!: () => void;
    const answerRead = new Promise<void>((r) => { fetched = r; });
    let release!: () => void;
    const released = new Promise<void>((r) => { release = r; });
    let held = false;
    await page.route('**/api/agents', async (route) => {
      if (held || route.request().method() !== 'GET') return route.continue();
      held = true;
      const response = await route.fetch(); // the server's answer now: no agent yet
      fetched();
      await released;
      await route.fulfill({ response });
    });
    await page.goto(srv.loginUrl);
    await answerRead;
    await srv.api('POST', '/api/agents', { name: 'early', projectPath: srv.home, kind: 'generic', command: 'bash' });
    await page.waitForFunction(() => (window as unknown as { __events: string[] }).__events.includes('agent.created'));
    release();
    await page.waitForSelector('[data-testid=overview]');
    await page.locator('[data-testid=agent-item][data-agent=early]').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-testid=agent-item]').count(), 1);
    await page.context().close();
  });
});
