// Two browsers on one instance (issue 11): a phone opening it does not reshape the desktop's view; the program takes
// the size of the viewer who last typed or tapped; the other shows it at that size with "Fit to this window".
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, launch, newPage, shot, startServer, waitForTerm, type Server, teardown } from './harness.js';

describe('viewers of different sizes', { timeout: 180_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let desk: Page;
  let phone: Page;
  let id: string;
  const size = async (page: Page) =>
    page.locator(`[data-testid="terminal-${id}"]`).evaluate((e) => `${(e as HTMLElement).dataset.cols}x${(e as HTMLElement).dataset.rows}`);
  // The pane's columns above `gt` / below `lt` (bounds, not a function: the app's CSP forbids eval in the page).
  const waitSize = (page: Page, want: { gt?: number; lt?: number }) =>
    page.waitForFunction(
      ([tid, gt, lt]) => {
        const c = Number((document.querySelector(`[data-testid="terminal-${tid}"]`) as HTMLElement | null)?.dataset.cols);
        return c > 0 && c > gt && c < lt;
      },
      [id, want.gt ?? 0, want.lt ?? Number.MAX_SAFE_INTEGER] as const,
    );

  before(async () => {
    await ensureWebBuild();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'areyouj-e2e-viewers-'));
    srv = await startServer({ home });
    const agent = await srv.api<{ id: string }>('POST', '/api/agents', {
      name: 'shared', projectPath: home, kind: 'generic', command: 'bash', args: ['--norc', '--noprofile'],
    });
    id = (await srv.api<{ id: string }>('POST', `/api/agents/${agent.id}/instances`, { cols: 80, rows: 24 })).id;
    browser = await launch();
    ({ page: desk } = await newPage(browser, srv));
    ({ page: phone } = await newPage(browser, srv, { width: 390, height: 844 }, { isMobile: true, hasTouch: true }));
  });

  after(() => teardown(browser, srv));

  it('the phone opening changes nothing for the desktop; a tap takes the size; a click takes it back', async () => {
    await desk.goto(`${srv.url}/#/i/${id}`);
    await desk.waitForSelector(`[data-testid="terminal-${id}"][data-conn=open]`);
    await waitSize(desk, { gt: 100 }); // the first viewer: the program gets the desktop's size
    const deskSize = await size(desk);
    await srv.api('POST', `/api/instances/${id}/input`, { text: 'seq -s " " 1 20', keys: ['enter'] });
    await waitForTerm(desk, id, /1 2 3 .* 20/);

    await phone.goto(`${srv.url}/#/i/${id}`);
    await phone.waitForSelector(`[data-testid="terminal-${id}"][data-conn=open]`);
    await waitForTerm(phone, id, /1 2 3 .* 20/);
    assert.equal(await size(phone), deskSize, 'the phone shows the program at the desktop size');
    await phone.waitForSelector('[data-testid=terminal-fit]');
    assert.equal(await size(desk), deskSize, 'the desktop was not reshaped');
    assert.equal(await desk.locator('[data-testid=terminal-fit]').count(), 0);
    await shot(phone, '60-viewers-phone-at-desktop-size');

    await phone.locator(`[data-testid="terminal-${id}"]`).tap();
    await waitSize(desk, { lt: 60 });
    await waitSize(phone, { lt: 60 });
    await desk.waitForSelector('[data-testid=terminal-fit]');
    assert.equal(await phone.locator('[data-testid=terminal-fit]').count(), 0);
    await shot(desk, '61-viewers-desktop-at-phone-size');

    await desk.click('[data-testid=terminal-fit]');
    await waitSize(desk, { gt: 100 });
    assert.equal(await size(desk), deskSize);
    await desk.waitForSelector('[data-testid=terminal-fit]', { state: 'detached' });
    await phone.waitForSelector('[data-testid=terminal-fit]');
  });
});
