// Browser notifications: one per event when an instance starts waiting while the page is not focused, the count in the
// title, and nothing raised again for old events when the page is reloaded.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureWebBuild, FAKE_AGENT, launch, newPage, shot, startServer, type Server, teardown } from './harness.js';

declare global { interface Window { __notes: { title: string; body?: string; tag?: string }[]; __focused?: boolean } }

// Records every `new Notification(...)` (then lets the real one run), and lets the test say whether the page has focus.
// A string, not a function: the test is transpiled, and helpers the transpiler adds do not exist in the page.
const RECORD = `
  window.__notes = [];
  const Real = window.Notification;
  function Recorded(title, opts) {
    window.__notes.push({ title, body: opts && opts.body, tag: opts && opts.tag });
    return new Real(title, opts);
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  Object.defineProperty(Recorded, 'requestPermission', { value: Real.requestPermission.bind(Real) });
  Recorded.prototype = Real.prototype;
  window.Notification = Recorded;
  Document.prototype.hasFocus = function () { return window.__focused !== false; };
`;

describe('notifications', { timeout: 120_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let id: string;
  const notes = () => page.evaluate(() => window.__notes.length);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const status = async (st: string) => {
    for (let i = 0; i < 200; i++) {
      if ((await srv.api<{ status: string }>('GET', `/api/instances/${id}`)).status === st) return;
      await sleep(100);
    }
    throw new Error(`instance never became ${st}`);
  };
  const ask = async () => {
    await status('idle');
    await srv.api('POST', `/api/instances/${id}/messages`, { content: 'ask to edit files' });
    await status('awaiting_input');
  };

  before(async () => {
    await ensureWebBuild();
    srv = await startServer();
    browser = await launch();
    ({ context, page, errors } = await newPage(browser, srv));
    await context.grantPermissions(['notifications'], { origin: srv.url });
    await context.addInitScript({ content: RECORD });
    const agent = await srv.api<{ id: string }>('POST', '/api/agents', {
      name: 'asker', projectPath: srv.home, kind: 'generic', command: process.execPath, args: [FAKE_AGENT, '--work-ms', '200'],
    });
    id = (await srv.api<{ id: string }>('POST', `/api/agents/${agent.id}/instances`, {})).id;
    await page.goto(srv.url);
    await page.waitForSelector('[data-testid=instances-table]');
  });

  after(() => teardown(browser, srv));

  it('raises one notification per awaiting_input event while the page is not focused, and counts them in the title', async () => {
    await page.click('[data-testid=notify-toggle]');
    await page.waitForSelector('[data-testid=notify-toggle][aria-pressed=true]');
    assert.equal(await page.evaluate(() => Notification.permission), 'granted');
    await page.evaluate(() => { window.__focused = false; window.dispatchEvent(new Event('blur')); });

    await ask();
    await page.waitForFunction(() => window.__notes.length >= 1);
    await page.waitForFunction(() => /^\(1\) /.test(document.title));
    await sleep(1500); // the server's event and the status change must not make a second one
    assert.equal(await notes(), 1);
    const [n] = await page.evaluate(() => window.__notes);
    assert.match(n.title, /asker/);
    assert.match(n.title, /input/i);

    // Answered (by its option key), then a new question: a new event, a new notification, still one each.
    await srv.api('POST', `/api/instances/${id}/respond`, { choice: 'y' });
    await page.waitForFunction(() => !/^\(\d+\)/.test(document.title));
    await ask();
    await page.waitForFunction(() => window.__notes.length >= 2);
    await sleep(1500);
    assert.equal(await notes(), 2);
    assert.match(await page.title(), /^\(1\) /);
    await shot(page, '40-notify-title');
    assert.deepEqual(errors, []);
  });

  it('raises nothing for old events after a reload, but still does for new ones', async () => {
    await page.reload();
    await page.waitForSelector('[data-testid=needs-card]');
    await page.evaluate(() => { window.__focused = false; });
    assert.match(await page.title(), /^\(1\) /, 'the waiting instance is still counted');
    await sleep(2000);
    assert.equal(await notes(), 0, 'no notification for events from before the reload');

    await srv.api('POST', `/api/instances/${id}/respond`, { choice: 'y' });
    await ask();
    await page.waitForFunction(() => window.__notes.length >= 1);
    await sleep(1500);
    assert.equal(await notes(), 1);
    assert.deepEqual(errors, []);
  });
});
