// Many tabs, ended instances and failures, as a new user meets them: ten tabs stay tellable apart (agent, instance name,
// status) and all reachable (a menu lists them, ended ones close in one go); a restart gets a name of its own; an ended
// instance says why in words (the code in a tooltip); error cards can be dismissed; a pane that fails shows its error
// with a reload button while the rest of the app works.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, expectProblems, launch, newPage, shot, startServer, type Server, teardown } from './harness.js';

const N = 10;

describe('tabs, ended instances and failures', { timeout: 180_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let page: Page;
  let shell: string;
  let ids: string[] = [];
  const tabIds = () => page.locator('[data-testid=tab]').evaluateAll((els) => els.map((e) => e.getAttribute('data-instance')!));
  const currentTab = () => page.locator('[data-testid=tab][aria-selected=true]').getAttribute('data-instance');
  const show = async (id: string) => {
    await page.evaluate((iid) => { location.hash = `#/i/${iid}`; }, id);
    await page.waitForSelector(`[data-testid=tab][data-instance="${id}"][aria-selected=true]`);
  };

  before(async () => {
    await ensureWebBuild();
    srv = await startServer();
    shell = (await srv.api<{ id: string }>('POST', '/api/agents', {
      name: 'shell', projectPath: srv.home, kind: 'generic', command: 'bash', args: ['--norc', '--noprofile'], settings: { maxConcurrentInstances: N + 2 },
    })).id;
    browser = await launch();
    ({ page } = await newPage(browser, srv));
    await page.goto(srv.url);
    await page.waitForSelector('[data-testid=agent-item][data-agent=shell]');
  });

  after(() => teardown(browser, srv));

  it(`keeps ${N} tabs tellable apart and all reachable`, async () => {
    for (let n = 0; n < N; n++) ids.push((await srv.api<{ id: string }>('POST', `/api/agents/${shell}/instances`, { cols: 80, rows: 24 })).id);
    for (const id of ids) await show(id);
    assert.deepEqual(await tabIds(), ids);
    // Each tab shows its agent and its whole instance name (never "shell…"), and its status.
    const labels = await page.locator('[data-testid=tab]').evaluateAll((els) => els.map((e) => {
      const name = e.querySelector('[data-testid=tab-name]') as HTMLElement | null;
      return { text: (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim(), name: name?.innerText, whole: !!name && name.scrollWidth <= name.clientWidth, status: e.querySelector('[data-testid=status-dot]')?.getAttribute('aria-label') };
    }));
    const names = await Promise.all(ids.map(async (id) => (await srv.api<{ name: string }>('GET', `/api/instances/${id}`)).name));
    assert.deepEqual(labels.map((l) => l.name), names);
    assert.ok(labels.every((l) => l.whole), `every instance name shows whole: ${JSON.stringify(labels)}`);
    assert.equal(new Set(labels.map((l) => l.text)).size, N, 'no two tabs look alike');
    assert.ok(labels.every((l) => l.status), 'each tab says its status');
    const overflow = await page.locator('[data-testid=tabs]').evaluate((el) => el.scrollWidth > el.clientWidth);
    assert.ok(overflow, `${N} tabs do not fit the strip at this width (what this test is about)`);
    await shot(page, '60-tabs-many');

    // The menu lists every tab; picking the first (scrolled out of view) shows it, scrolled into the strip.
    await page.click('[data-testid=tabs-menu]');
    const items = page.locator('[data-testid=tabs-menu-item]');
    assert.equal(await items.count(), N);
    await shot(page, '61-tabs-menu');
    await items.first().click();
    await page.waitForFunction((id) => document.querySelector('[data-testid=tab][aria-selected=true]')?.getAttribute('data-instance') === id, ids[0]);
    const inView = await page.evaluate((id) => {
      const strip = document.querySelector('[data-testid=tabs]')!.getBoundingClientRect();
      const tab = document.querySelector(`[data-testid=tab][data-instance="${id}"]`)!.getBoundingClientRect();
      return tab.left >= strip.left - 1 && tab.right <= strip.right + 1;
    }, ids[0]);
    assert.ok(inView, 'the chosen tab is scrolled into view');
    // The strip scrolls with the wheel, too.
    await page.locator('[data-testid=tabs]').hover();
    await page.mouse.wheel(0, 400);
    await page.waitForFunction(() => document.querySelector('[data-testid=tabs]')!.scrollLeft > 0);
  });

  it('says why an ended instance ended, in words, with the code in a tooltip; a restart gets a name of its own', async () => {
    const [a, b, c] = ids;
    await Promise.all([a, b, c].map((id) => srv.api('POST', `/api/instances/${id}/terminate`)));
    await page.waitForFunction((xs) => xs.every((id) => document.querySelector(`[data-testid=tab][data-instance="${id}"]`)?.getAttribute('data-status') === 'terminated'), [a, b, c]);
    await show(a);
    const pane = page.locator(`[data-testid=instance-pane][data-instance="${a}"]`);
    const reason = pane.locator('[data-testid=end-reason]');
    assert.equal(await reason.innerText(), 'Stopped by you');
    assert.match((await reason.getAttribute('title'))!, /terminated_by_user/);
    assert.doesNotMatch(await pane.locator('.pane-head').innerText(), /terminated_by_user|exit \d/);
    await shot(page, '62-ended-in-words');

    const oldName = (await srv.api<{ name: string }>('GET', `/api/instances/${a}`)).name;
    await pane.locator('[data-testid=restart]').click();
    await page.waitForFunction((id) => { const t = document.querySelector('[data-testid=tab][aria-selected=true]'); return !!t && t.getAttribute('data-instance') !== id; }, a);
    const re = (await currentTab())!;
    const newName = (await srv.api<{ name: string }>('GET', `/api/instances/${re}`)).name;
    assert.notEqual(newName, oldName);
    assert.deepEqual((await tabIds()).indexOf(re), 0, 'the restart takes the old tab\'s place');
    await page.locator('[data-testid=toast]', { hasText: `as ${newName}` }).waitFor();
    // The overview has no two rows with the same agent and name.
    await page.click('[data-testid=nav-overview]');
    await page.waitForSelector(`[data-testid=instance-row][data-instance="${re}"]`);
    const rows = await page.locator('[data-testid=instance-row]').evaluateAll((els) => els.map((e) => [...e.querySelectorAll('td')].slice(0, 2).map((td) => (td as HTMLElement).innerText.trim()).join(' ')));
    assert.equal(new Set(rows).size, rows.length, `duplicate rows: ${rows.join(', ')}`);

    // "Close ended tabs" closes the two ended ones, nothing else.
    await page.click('[data-testid=tabs-menu]');
    await page.click('[data-testid=close-ended-tabs]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=tab]').length === n, N - 2);
    assert.ok(!(await tabIds()).includes(b) && !(await tabIds()).includes(c));
  });

  it('lets an error card be dismissed, for good', async () => {
    const broken = (await srv.api<{ id: string }>('POST', '/api/agents', { name: 'broken', projectPath: srv.home, kind: 'generic', command: '/no/such/program' })).id;
    const inst = (await srv.api<{ id: string; status: string }>('POST', `/api/agents/${broken}/instances`, {}));
    assert.equal(inst.status, 'error');
    await page.click('[data-testid=nav-overview]');
    const card = page.locator('[data-testid=failed-card]', { hasText: 'broken · #1' });
    await card.waitFor();
    assert.doesNotMatch(await card.innerText(), /spawn_failed|_/);
    await shot(page, '63-error-card');
    await card.locator('[data-testid=dismiss-error]').click();
    await card.waitFor({ state: 'detached' });
    await page.reload();
    await page.waitForSelector(`[data-testid=instance-row][data-instance="${inst.id}"]`); // still listed
    assert.equal(await card.count(), 0, 'dismissed stays dismissed');
  });

  it('shows a failing pane\'s error with a reload button while the rest works', async () => {
    // A tab that throws while rendering: the clock of its messages breaks (on purpose, in this page only).
    const broken = await newPage(browser, srv);
    await broken.page.addInitScript({ content: `
      const real = Date.prototype.toLocaleTimeString;
      Date.prototype.toLocaleTimeString = function (...a) { if (window.__breakClock) throw new Error('clock broken by the test'); return real.apply(this, a); };
    ` });
    const id = ids[3];
    await srv.api('POST', `/api/instances/${id}/messages`, { content: 'echo a message to show' });
    const p = broken.page;
    await p.goto(srv.url);
    await p.waitForSelector('[data-testid=instances-table]');
    await p.evaluate(() => { (window as unknown as { __breakClock: boolean }).__breakClock = true; });
    await p.evaluate((iid) => { location.hash = `#/i/${iid}`; }, id);
    const failed = p.locator('[data-testid=pane-error][data-pane=tab]');
    await failed.waitFor();
    assert.match(await failed.innerText(), /clock broken by the test/);
    // React reports the error it caught (the console is where a developer looks for it).
    expectProblems(broken.errors, /clock broken by the test/);
    await shot(p, '64-pane-error');
    // The sidebar, the tab bar and the other pages work.
    await p.click('[data-testid=nav-overview]');
    await p.waitForSelector('[data-testid=instances-table]');
    assert.equal(await p.locator(`[data-testid=tab][data-instance="${id}"]`).count(), 1, 'the tab bar still shows the tab');
    // Fixed: Reload shows the tab.
    await p.evaluate(() => { (window as unknown as { __breakClock: boolean }).__breakClock = false; });
    await p.click(`[data-testid=tab][data-instance="${id}"]`);
    await failed.locator('[data-testid=pane-retry]').click();
    await p.waitForSelector(`[data-testid=instance-pane][data-instance="${id}"] [data-testid=message]`);
    assert.equal(await failed.count(), 0);
    assert.deepEqual(broken.errors, []);
    await broken.context.close();
  });

  it('fits the tabs and their menu on a phone', async () => {
    const phone = await newPage(browser, srv, { width: 390, height: 844 }, { isMobile: true, hasTouch: true });
    await phone.page.goto(`${srv.url}/#/i/${ids[5]}`);
    await phone.page.waitForSelector(`[data-testid=tab][data-instance="${ids[5]}"][aria-selected=true]`);
    await shot(phone.page, '65-phone-tabs');
    await phone.page.tap('[data-testid=tabs-menu]');
    await phone.page.waitForSelector('[data-testid=tabs-menu-list]');
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no horizontal scrolling of the page (${width}px)`);
    await shot(phone.page, '66-phone-tabs-menu');
    await phone.page.tap(`[data-testid=tabs-menu-item][data-instance="${ids[5]}"]`);
    // The overview's error card (dismissable) and the help, at this size.
    await phone.page.evaluate(() => { location.hash = '#/'; });
    await phone.page.waitForSelector('[data-testid=failed-card] [data-testid=dismiss-error]');
    await shot(phone.page, '67-phone-error-card');
    await phone.page.evaluate(() => { location.hash = `#/i/${document.querySelector('[data-testid=tab]')!.getAttribute('data-instance')}`; });
    await phone.page.locator('[data-testid=instance-pane]:not([hidden]) [data-testid=delete-instance]').tap();
    await phone.page.waitForSelector('[data-testid=confirm-dialog]');
    await shot(phone.page, '68-phone-delete-dialog');
    await phone.page.tap('[data-testid=confirm-dialog] .btn:not([data-testid=confirm-ok])');
    assert.deepEqual(phone.errors, []);
    await phone.context.close();
  });
});
