// The dashboard in a real browser against a real server: agents, instances with real terminals, tabs, the queue,
// awaiting-input banners. Screenshots of the main screens go to test-results/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, expectProblems, FAKE_AGENT, launch, newPage, shot, startServer, termText, waitForTerm, type Server, teardown } from './harness.js';

describe('dashboard', { timeout: 180_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const tabIds = async () => page.locator('[data-testid=tab]').evaluateAll((els) => els.map((e) => e.getAttribute('data-instance')!));

  before(async () => {
    await ensureWebBuild();
    srv = await startServer();
    browser = await launch();
    ({ page, errors } = await newPage(browser, srv));
    await page.goto(srv.url);
    await page.waitForSelector('[data-testid=welcome-new-agent]');
    await shot(page, '01-welcome');
  });

  after(() => teardown(browser, srv));

  it('creates an agent through the form, showing the server\'s errors next to the field', async () => {
    await page.click('[data-testid=new-agent]');
    await page.fill('[data-testid=agent-name]', 'shell');
    await page.selectOption('[data-testid=agent-kind]', 'generic');
    await page.fill('[data-testid=agent-project]', '/definitely/not/here');
    await page.fill('[data-testid=agent-command]', 'bash');
    await page.fill('[data-testid=agent-args]', '--norc\n--noprofile');
    await page.fill('[data-testid=agent-max]', '2');
    await page.click('[data-testid=agent-save]');
    const err = page.locator('[data-field=projectPath] [data-testid=error-projectPath]');
    await err.waitFor();
    assert.match(await err.innerText(), /not here|exist|director/i);
    expectProblems(errors, /status of 400 .*\/api\/agents\b/);
    await shot(page, '02-agent-form-error');
    // The directory picker lists the home's directories; choose the home itself.
    await page.click('[data-testid=agent-browse]');
    await page.waitForSelector('[data-testid=dir-entry][data-name=docs]');
    await page.click('[data-testid=dir-choose]');
    assert.equal(await page.inputValue('[data-testid=agent-project]'), srv.home);
    // The picker first tried the path typed in the field, which does not exist (404), then showed the home.
    expectProblems(errors, /status of 404 .*\/api\/fs\/dirs\?path=%2Fdefinitely%2Fnot%2Fhere/);
    await page.click('[data-testid=agent-save]');
    await page.waitForSelector('[data-testid=agent-form]', { state: 'detached' });
    await page.waitForSelector('[data-testid=agent-item][data-agent=shell]');
    assert.deepEqual(errors, []);
  });

  it('starts two instances and types a command into each terminal', async () => {
    const agent = page.locator('[data-testid=agent-item][data-agent=shell]');
    await agent.hover();
    await agent.locator('[data-testid=start-instance]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=tab]').length === 1);
    await agent.hover();
    await agent.locator('[data-testid=start-instance]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=tab]').length === 2);
    const [a, b] = await tabIds();
    for (const [id, word] of [[a, 'alpha'], [b, 'bravo']] as const) {
      await page.click(`[data-testid=tab][data-instance="${id}"]`);
      const term = page.locator(`[data-testid="terminal-${id}"]`);
      await term.waitFor({ state: 'visible' });
      await page.waitForSelector(`[data-testid="terminal-${id}"][data-conn=open]`);
      await term.click();
      await page.keyboard.type(`echo ${word}-$((6*7))`);
      await page.keyboard.press('Enter');
      await waitForTerm(page, id, new RegExp(`^${word}-42$`, 'm'));
    }
    await shot(page, '03-terminal-b');
    // Switching tabs shows each screen intact, at once.
    await page.keyboard.press('Control+Alt+1');
    await page.waitForSelector(`[data-testid=instance-pane][data-instance="${a}"]:not([hidden])`);
    const ta = await termText(page, a);
    assert.match(ta, /alpha-42/);
    assert.doesNotMatch(ta, /bravo-42/);
    await shot(page, '04-terminal-a');
    const t0 = Date.now();
    await page.keyboard.press('Control+Alt+2');
    await page.waitForSelector(`[data-testid=instance-pane][data-instance="${b}"]:not([hidden])`);
    const tb = await termText(page, b);
    const switchMs = Date.now() - t0;
    assert.match(tb, /bravo-42/);
    assert.doesNotMatch(tb, /alpha-42/);
    assert.ok(switchMs < 1000, `switching took ${switchMs} ms`);
    // Closing a tab leaves the instance running; reopening re-attaches from the snapshot.
    await page.click(`[data-testid=tab][data-instance="${a}"] [data-testid=tab-close]`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=tab]').length === 1);
    await page.click(`[data-testid=instance-item][data-instance="${a}"]`);
    await waitForTerm(page, a, /^alpha-42$/m);
    assert.deepEqual(errors, []);
  });

  it('sends and queues messages, edits the queue, and answers an awaiting-input banner', async () => {
    await srv.api('POST', '/api/agents', {
      name: 'fake', projectPath: srv.home, kind: 'generic', command: process.execPath, args: [FAKE_AGENT, '--work-ms', '1500', '--lines', '4'],
      color: '#bb9af7', settings: { maxConcurrentInstances: 2, notifyOnTurnEnd: true },
    });
    const agent = page.locator('[data-testid=agent-item][data-agent=fake]');
    await agent.waitFor();
    await agent.hover();
    await agent.locator('[data-testid=start-instance]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=tab]').length === 3);
    const id = (await tabIds())[2];
    const pane = page.locator(`[data-testid=instance-pane][data-instance="${id}"]`);
    await page.waitForSelector(`[data-testid=tab][data-instance="${id}"][data-status=idle]`, { timeout: 15_000 });

    const composer = pane.locator('[data-testid=composer-input]');
    // The first job lasts until the test releases it, so the next message is queued behind it whatever the machine's speed.
    await composer.fill('hold first-job-done');
    await composer.press('Enter');
    await page.waitForSelector(`[data-testid=tab][data-instance="${id}"][data-status=active]`);
    // While it works, queue the next message, then edit it.
    await pane.locator('[data-testid=queue-toggle]').check();
    await composer.fill('second job');
    await composer.press('Enter');
    const queued = pane.locator('[data-testid=queued-message]');
    await queued.waitFor();
    assert.match(await queued.innerText(), /second job/);
    await queued.locator('[data-testid=queue-edit]').click();
    await queued.locator('[data-testid=queue-edit-input]').fill('second job, edited');
    await shot(page, '05-queue');
    await queued.locator('[data-testid=queue-save]').click();
    await page.waitForFunction(() => /edited/.test(document.querySelector('[data-testid=queued-message]')?.textContent ?? ''));
    fs.writeFileSync(path.join(srv.home, 'first-job-done'), '');
    // It is delivered when the instance is idle again.
    await waitForTerm(page, id, /done: second job, edited/, 20_000);
    await pane.locator('[data-testid=queued-message]').waitFor({ state: 'detached' });
    await page.waitForFunction((iid) => [...document.querySelectorAll(`[data-testid=instance-pane][data-instance="${iid}"] [data-testid=message][data-sender=user]`)]
      .some((e) => /second job, edited/.test(e.textContent ?? '')), id);
    // Up recalls the last message in the composer.
    await composer.click();
    await composer.press('ArrowUp');
    assert.equal(await composer.inputValue(), 'second job, edited');
    await composer.fill('');

    // A question: the banner shows it with its options, in the tab and in the sidebar; the title counts it.
    await page.waitForSelector(`[data-testid=tab][data-instance="${id}"][data-status=idle]`, { timeout: 15_000 });
    await pane.locator('[data-testid=queue-toggle]').uncheck();
    await composer.fill('ask to edit files');
    await composer.press('Enter');
    const banner = pane.locator('[data-testid=awaiting-banner]');
    await banner.waitFor({ timeout: 15_000 });
    await page.waitForSelector('[data-testid=sidebar-awaiting]');
    assert.match(await page.title(), /^\(1\)/);
    assert.match(await banner.innerText(), /Proceed\?/);
    await shot(page, '06-awaiting-input');
    const yes = banner.locator('button', { hasText: /^y|Yes/i }).first();
    await yes.click();
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    await waitForTerm(page, id, /proceeded/, 20_000);
    await page.waitForFunction(() => !/^\(\d+\)/.test(document.title));

    // The overview answers "who needs me now" and lists every instance.
    await page.click('[data-testid=nav-overview]');
    await page.waitForSelector('[data-testid=instances-table]');
    assert.equal(await page.locator('[data-testid=instance-row]').count(), 3);
    await shot(page, '07-overview');
    assert.deepEqual(errors, []);
  });

  it('has a palette (Ctrl+K) and a help dialog (?), both closed with Esc', async () => {
    await page.click('[data-testid=needs-you] h2');
    await page.keyboard.press('Control+k');
    await page.waitForSelector('[data-testid=palette]');
    await page.keyboard.type('fake');
    await page.waitForSelector('[data-testid=palette-item]');
    await shot(page, '08-palette');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=palette]', { state: 'detached' });
    await page.click('[data-testid=needs-you] h2');
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid=help-dialog]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=help-dialog]', { state: 'detached' });
  });
});
