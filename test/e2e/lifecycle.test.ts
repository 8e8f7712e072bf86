// Deleting, restarting the server, and being told: the delete dialog says what happens to the log (it goes), deleting
// what you look at leads somewhere sensible with a toast (never a dead end), an instance cut off by a server restart
// says so in words, autoStart keeps one `auto` instance, and "notifications are off" is said once with the button.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, launch, newPage, shot, startServer, type Server, teardown } from './harness.js';

describe('deleting, restarts and notices', { timeout: 180_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let page: Page;
  let sh: string;
  const log = (id: string) => path.join(srv.home, 'docs', 'logs', `${id}.log`);
  const start = async (agent: string) => (await srv.api<{ id: string; name: string }>('POST', `/api/agents/${agent}/instances`, { cols: 80, rows: 24 }));
  const view = async (id: string) => {
    await page.evaluate((iid) => { location.hash = `#/i/${iid}`; }, id);
    await page.waitForSelector(`[data-testid="terminal-${id}"][data-conn=open]`);
  };
  /** Each test starts from the overview, whatever an earlier one left open. */
  const fresh = async () => {
    await page.goto(`${srv.url}/#/`);
    await page.waitForSelector('[data-testid=agent-item][data-agent=sh]');
  };
  const toast = (re: RegExp) => page.locator('[data-testid=toast]', { hasText: re }).first().waitFor();

  before(async () => {
    await ensureWebBuild();
    srv = await startServer();
    sh = (await srv.api<{ id: string }>('POST', '/api/agents', { name: 'sh', projectPath: srv.home, kind: 'generic', command: 'bash', args: ['--norc', '--noprofile'], settings: { maxConcurrentInstances: 4 } })).id;
    browser = await launch();
    ({ page } = await newPage(browser, srv));
    await page.goto(srv.url);
    await page.waitForSelector('[data-testid=agent-item][data-agent=sh]');
  });

  after(() => teardown(browser, srv));

  it('says "notifications are off" once, with the button that turns them on', async () => {
    // Not now: gone, and not said again after a reload.
    const other = await newPage(browser, srv);
    await other.page.goto(srv.url);
    await other.page.waitForSelector('[data-testid=notify-notice]');
    await other.page.click('[data-testid=notify-notice-dismiss]');
    await other.page.waitForSelector('[data-testid=notify-notice]', { state: 'detached' });
    await other.page.reload();
    await other.page.waitForSelector('[data-testid=instances-table], [data-testid=overview]');
    assert.equal(await other.page.locator('[data-testid=notify-notice]').count(), 0);
    assert.equal(await other.page.getAttribute('[data-testid=notify-toggle]', 'aria-pressed'), 'false');
    assert.deepEqual(other.errors, []);
    await other.context.close();

    // Turn on: notifications are on, and the notice is gone for good.
    const on = await newPage(browser, srv);
    await on.context.grantPermissions(['notifications'], { origin: srv.url });
    await on.page.goto(srv.url);
    const notice = on.page.locator('[data-testid=notify-notice]');
    await notice.waitFor();
    await shot(on.page, '70-notify-notice');
    await notice.locator('[data-testid=notify-notice-on]').click();
    await on.page.waitForSelector('[data-testid=notify-toggle][aria-pressed=true]');
    await notice.waitFor({ state: 'detached' });
    await on.page.reload();
    await on.page.waitForSelector('[data-testid=notify-toggle][aria-pressed=true]');
    assert.equal(await notice.count(), 0);
    await on.context.close();
  });

  it('says the log goes with a deleted instance, deletes it, and leads to the agent\'s next tab, then to its instances', async () => {
    await fresh();
    const a = await start(sh);
    const b = await start(sh);
    await view(a.id);
    await view(b.id);
    assert.ok(fs.existsSync(log(b.id)));
    await page.locator(`[data-testid=instance-pane][data-instance="${b.id}"] [data-testid=delete-instance]`).click();
    const dialog = page.locator('[data-testid=confirm-dialog]');
    const body = await dialog.innerText();
    assert.doesNotMatch(body, /stays on disk/);
    assert.match(body, /output log (is|are) deleted|log.*deleted/);
    await shot(page, '71-delete-dialog');
    await dialog.locator('[data-testid=confirm-ok]').click();
    await toast(new RegExp(`Deleted sh · ${b.name.replace('#', '\\#')}`));
    // The agent's other open tab, not a dead end.
    await page.waitForSelector(`[data-testid=tab][data-instance="${a.id}"][aria-selected=true]`);
    assert.equal(await page.getByText('no longer exists').count(), 0);
    assert.equal(fs.existsSync(log(b.id)), false, 'the log is gone, as the dialog said');

    // The last one of the agent: its instances on the overview.
    await page.locator(`[data-testid=instance-pane][data-instance="${a.id}"] [data-testid=delete-instance]`).click();
    await page.click('[data-testid=confirm-ok]');
    await page.waitForFunction((agent) => location.hash === `#/?agent=${agent}`, sh);
    await page.waitForSelector('[data-testid=overview]');
    assert.equal(await page.inputValue('[data-testid=filter-agent]'), sh);
    await toast(/Deleted sh/);
    await shot(page, '72-deleted-to-agent');
  });

  it('leads away from an instance deleted elsewhere, and from a link to one that is gone', async () => {
    await fresh();
    const c = await start(sh);
    await view(c.id);
    await srv.api('DELETE', `/api/instances/${c.id}`);
    await toast(/was deleted/);
    await page.waitForFunction((agent) => location.hash === `#/?agent=${agent}`, sh);
    await page.goto(`${srv.url}/#/i/${c.id}`);
    await toast(/no longer exists/);
    await page.waitForFunction(() => location.hash === '#/');
    assert.equal(await page.getByText('Back to the overview').count(), 0);
  });

  it('deleting the agent you look at leads to the overview, and says its logs go too', async () => {
    await fresh();
    const other = (await srv.api<{ id: string }>('POST', '/api/agents', { name: 'other', projectPath: srv.home, kind: 'generic', command: 'bash', args: ['--norc', '--noprofile'] })).id;
    const d = await start(other);
    await view(d.id);
    const agent = page.locator('[data-testid=agent-item][data-agent=other]');
    await agent.hover();
    await agent.locator('[data-testid=delete-agent]').click();
    assert.match(await page.locator('[data-testid=confirm-dialog]').innerText(), /logs/);
    await page.click('[data-testid=confirm-ok]');
    await toast(/Deleted agent "other"/);
    await page.waitForFunction(() => location.hash === '#/');
    await page.waitForSelector('[data-testid=overview]');
    assert.equal(fs.existsSync(log(d.id)), false);
  });

  it('keeps one auto instance over server restarts, and says in words when a lost pty host cut one off', async () => {
    const auto = (await srv.api<{ id: string }>('POST', '/api/agents', {
      name: 'keeper', projectPath: srv.home, kind: 'generic', command: 'bash', args: ['--norc', '--noprofile'], settings: { autoStart: true },
    })).id;
    const cut = await start(sh);
    await page.close();
    // The first stop is a crash of the server and of its pty host, as a reboot is (the instance is cut off; a server
    // crash alone cuts nothing: the agents run on in the host), the others are clean.
    for (let n = 0; n < 3; n++) {
      if (n === 0) {
        const hostPid = (await srv.api<{ ptyHost: { pid: number } }>('GET', '/api/info')).ptyHost.pid;
        const exited = new Promise((r) => srv.proc.once('exit', r));
        srv.proc.kill('SIGKILL');
        process.kill(hostPid, 'SIGKILL');
        await exited;
      } else await srv.stop();
      srv = await startServer({ home: srv.home });
    }
    ({ page } = await newPage(browser, srv));
    await page.goto(`${srv.url}/#/?agent=${auto}`);
    await page.waitForSelector('[data-testid=instances-table]');
    const rows = await page.locator('[data-testid=instance-row]').evaluateAll((els) => els.map((e) => (e.querySelectorAll('td')[1] as HTMLElement).innerText.trim()));
    assert.deepEqual(rows, ['auto'], 'one auto instance, not one per server start');
    await page.click('[data-testid=nav-overview]');
    const card = page.locator(`[data-testid=failed-card][data-instance="${cut.id}"]`);
    await card.waitFor();
    const why = card.locator('[data-testid=failed-reason]');
    assert.equal(await why.innerText(), 'Cut off: its pty host was lost');
    assert.match((await why.getAttribute('title'))!, /host_lost/);
    await shot(page, '73-server-restarted');
  });
});
