// The real Claude Code CLI as a `claude` agent, in the browser, offline against test/fakes/anthropic-api.ts:
// a prompt from the composer, the permission banner (tool and command), Allow, the command runs, back to idle.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { claudeCli, offlineClaudeEnv } from '../fakes/claude-offline.js';
import { ensureWebBuild, launch, newPage, shot, startServer, waitForTerm, type Server, teardown } from './harness.js';

describe('Claude Code in the dashboard', { timeout: 180_000 }, () => {
  let CLAUDE: string;
  let srv: Server;
  let fake: FakeAnthropic;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let proj: string;
  let configDir: string;

  before(async () => {
    CLAUDE = await claudeCli(); // installs test/clis the first time, never skipped
    await ensureWebBuild();
    fake = await startFakeAnthropic();
    srv = await startServer();
    proj = fs.mkdtempSync(path.join(os.tmpdir(), 'areyouj-e2e-claude-proj-'));
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'areyouj-e2e-claude-cfg-'));
    browser = await launch();
    ({ page, errors } = await newPage(browser, srv));
  });

  after(async () => {
    await fake?.close();
    await teardown(browser, srv, proj, configDir);
  });

  it('asks for permission with the tool and its command, and runs it once allowed', async () => {
    const agent = await srv.api<{ id: string }>('POST', '/api/agents', {
      name: 'claude', projectPath: proj, kind: 'claude', command: CLAUDE, args: ['--permission-mode', 'default'], color: '#e0af68',
      env: offlineClaudeEnv({ apiUrl: fake.url, configDir, project: proj }),
    });
    const inst = await srv.api<{ id: string }>('POST', `/api/agents/${agent.id}/instances`, { cols: 110, rows: 36 });
    await page.goto(`${srv.url}/#/i/${inst.id}`);
    const tab = page.locator(`[data-testid=tab][data-instance="${inst.id}"]`);
    await page.waitForSelector(`[data-testid=tab][data-instance="${inst.id}"][data-status=idle]`, { timeout: 60_000 });
    const pane = page.locator(`[data-testid=instance-pane][data-instance="${inst.id}"]`);

    const composer = pane.locator('[data-testid=composer-input]');
    await composer.fill('run: echo hi > out.txt');
    await composer.press('Enter');

    const banner = pane.locator('[data-testid=awaiting-banner]');
    await banner.waitFor({ timeout: 30_000 });
    assert.equal(await banner.locator('[data-testid=awaiting-tool]').innerText(), 'Bash');
    assert.equal(await banner.locator('[data-testid=awaiting-input]').innerText(), 'echo hi > out.txt');
    assert.match(await page.locator('[data-testid=sidebar-awaiting]').innerText(), /Bash: echo hi > out\.txt/);
    assert.match(await page.title(), /^\(1\)/);
    // Once Claude draws its dialog, its own numbered options replace Allow / Always allow / Deny (same order).
    await banner.locator('[data-testid=answer-1][data-intent=allow]').waitFor({ timeout: 10_000 });
    assert.ok(await banner.locator('[data-intent=deny]').count() === 1, 'a deny option');
    await waitForTerm(page, inst.id, /Do you want to proceed\?/);
    await shot(page, '30-claude-permission');

    await banner.locator('[data-intent=allow]').first().click();
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    // The turn ends after the tool ran: then the file is complete (it exists, empty, a moment before `echo` writes it).
    await page.waitForSelector(`[data-testid=tab][data-instance="${inst.id}"][data-status=idle]`, { timeout: 30_000 });
    await pane.locator('[data-testid=message][data-sender=agent]', { hasText: 'Done. Output' }).waitFor({ timeout: 15_000 });
    assert.equal(fs.readFileSync(path.join(proj, 'out.txt'), 'utf8'), 'hi\n');
    assert.doesNotMatch(await page.title(), /^\(\d+\)/);
    assert.equal(await tab.getAttribute('data-status'), 'idle');
    await shot(page, '31-claude-done');
    assert.deepEqual(errors, []);
  });

  it('a lost pty host: the instance shows host_lost, Resume all brings the same conversation back', async () => {
    const inst = Object.values(await srv.api<any[]>('GET', '/api/instances')).find((i) => i.status === 'idle')!;
    const info = await srv.api<{ ptyHost: { pid: number } }>('GET', '/api/info');
    process.kill(info.ptyHost.pid, 'SIGKILL');
    const resumeAll = page.locator('[data-testid=resume-all]');
    await resumeAll.waitFor({ timeout: 30_000 });
    assert.equal(await resumeAll.innerText(), 'Resume all (1)');
    const pane = page.locator(`[data-testid=instance-pane][data-instance="${inst.id}"]`);
    assert.match(await pane.locator('.pane-meta').innerText(), /Cut off: its pty host was lost/); // host_lost, in words
    await pane.locator('[data-testid=resume]').waitFor();
    await shot(page, '32-claude-host-lost');
    await resumeAll.click();
    await page.waitForSelector(`[data-testid=tab][data-instance="${inst.id}"][data-status=idle]`, { timeout: 60_000 });
    await resumeAll.waitFor({ state: 'detached' });
    const composer = pane.locator('[data-testid=composer-input]');
    await composer.fill('are you still there');
    await composer.press('Enter');
    await pane.locator('[data-testid=message][data-sender=agent]', { hasText: 'You said: are you still there' }).waitFor({ timeout: 30_000 });
    // The model was sent the earlier turns: the same conversation.
    assert.match(JSON.stringify(fake.mainRequests().at(-1)!.body.messages), /echo hi > out\.txt/);
    await shot(page, '33-claude-resumed');
    await waitForTerm(page, inst.id, /are you still there/);
    assert.deepEqual(errors, []);
  });
});
