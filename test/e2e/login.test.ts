// Logging in as a user does, in a real browser: without a session the page is a login page (no app, no data); the
// token (pasted, or in the URL the server printed) gets a session; when the session ends (`areyouj token --rotate`)
// the open dashboard says how to log in again, and the new URL brings it back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureWebBuild, launch, ROOT, shot, startServer, type Server, teardown } from './harness.js';

describe('login', { timeout: 180_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    await ensureWebBuild();
    srv = await startServer();
    await srv.api('POST', '/api/agents', { name: 'private-agent', projectPath: srv.home, kind: 'generic', command: 'bash' });
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
  });
  after(() => teardown(browser, srv));

  it('without a session the page is a login page with no data; the pasted token logs in', async () => {
    const res = await page.goto(srv.url);
    assert.equal(res?.status(), 401);
    await page.waitForSelector('[data-testid=login]');
    assert.equal(await page.locator('[data-testid=app]').count(), 0, 'no app');
    assert.ok(!(await page.content()).includes('private-agent'), 'no data');
    await shot(page, '30-login');
    await page.fill('input[name=token]', 'not-the-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=login-problem]');
    assert.match(await page.locator('[data-testid=login-problem]').innerText(), /wrong/);
    await page.fill('input[name=token]', srv.token);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=agent-item][data-agent=private-agent]');
    assert.equal(page.url(), `${srv.url}/`, 'the token is not left in the address bar');
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0].name, `areyouj_session_${new URL(srv.url).port}`);
    assert.equal(cookies[0].httpOnly, true);
    assert.equal(cookies[0].sameSite, 'Strict');
    assert.notEqual(cookies[0].value, srv.token);
    assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read it');
  });

  it('a rotated token ends the session: the open dashboard says how to log in again; the new login URL brings it back', async () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'server', 'main.ts'), 'token', '--rotate', '--home', srv.home],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, AREYOUJ_TOKEN: '' } });
    assert.equal(r.status, 0, r.stderr);
    const login = /open: +(\S+)/.exec(r.stdout)![1];
    const banner = page.locator('[data-testid=logged-out-banner]');
    await banner.waitFor({ timeout: 20_000 });
    assert.match(await banner.innerText(), /session has ended[\s\S]*areyouj token/);
    await shot(page, '31-logged-out');
    await page.goto(login);
    await page.waitForSelector('[data-testid=agent-item][data-agent=private-agent]');
    assert.equal(await banner.count(), 0);
    assert.deepEqual(errors, []);
  });
});
