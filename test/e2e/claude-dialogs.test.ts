// Claude Code's own questions and plan approvals in the dashboard, with the real CLI offline against the fake API:
// a two-option question answered from the banner, several questions (multi-select, typed text) from the overview and
// on a phone, a plan approval with feedback then approval. Each answer is checked on the tool_result the model got.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { claudeCli, offlineClaudeEnv } from '../fakes/claude-offline.js';
import { ensureWebBuild, launch, newPage, shot, startServer, type Server, teardown } from './harness.js';
import { planFeedbackMessage } from '../../src/server/integrations/claude/plan.js';
import { DB_QUESTION as DB, FEATURES_QUESTION as FEATURES, LANGUAGE_QUESTION as LANGUAGE, askScript as ask } from '../fakes/claude-questions.js';

const CLAUDE = await claudeCli(); // installs test/clis the first time (a few minutes), never skipped
const PLAN =
  '# Add a health check\\n\\nServe `GET /health` with **200** and <b>no HTML</b>.\\n\\n1. Add the route in `src/server/http/app.ts`.\\n2. Test it.';

describe("Claude Code's questions and plans in the dashboard", { timeout: 240_000 }, () => {
  let srv: Server;
  let fake: FakeAnthropic;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const dirs: string[] = [];

  before(async () => {
    await ensureWebBuild();
    fake = await startFakeAnthropic();
    srv = await startServer();
    browser = await launch();
    ({ page, errors } = await newPage(browser, srv));
  });
  after(async () => {
    await fake?.close();
    await teardown(browser, srv, ...dirs);
  });

  async function claude(name: string, args: string[]) {
    const proj = fs.mkdtempSync(path.join(os.tmpdir(), 'areyouj-e2e-dlg-proj-'));
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'areyouj-e2e-dlg-cfg-'));
    dirs.push(proj, configDir);
    const agent = await srv.api<{ id: string }>('POST', '/api/agents', {
      name,
      projectPath: proj,
      kind: 'claude',
      command: CLAUDE,
      args,
      color: '#7aa2f7',
      env: offlineClaudeEnv({ apiUrl: fake.url, configDir, project: proj }),
    });
    const inst = await srv.api<{ id: string }>('POST', `/api/agents/${agent.id}/instances`, { cols: 110, rows: 36 });
    await page.goto(`${srv.url}/#/i/${inst.id}`);
    await page.waitForSelector(`[data-testid=tab][data-instance="${inst.id}"][data-status=idle]`, { timeout: 60_000 });
    const pane = page.locator(`[data-testid=instance-pane][data-instance="${inst.id}"]`);
    const say = async (text: string) => {
      const composer = pane.locator('[data-testid=composer-input]');
      await composer.fill(text);
      await composer.press('Enter');
    };
    return { id: inst.id, pane, say };
  }
  const resultFor = async (tool: string) => {
    const id = fake.lastToolUse(tool)!;
    return (await fake.waitRequest((r) => r.toolResult?.toolUseId === id)).toolResult!;
  };
  const idle = (id: string) => page.waitForSelector(`[data-testid=tab][data-instance="${id}"][data-status=idle]`, { timeout: 60_000 });

  it('a two-option question answered from the banner', async () => {
    const c = await claude('claude-ask', ['--permission-mode', 'default']);
    await c.say(ask(DB));
    const banner = c.pane.locator('[data-testid=awaiting-banner][data-type=choices]');
    await banner.waitFor({ timeout: 60_000 });
    const opts = banner.locator('[data-testid=choice-option]');
    assert.deepEqual(await opts.allInnerTexts(), ['SQLite\nOne file, no server', 'Postgres\nA server, more features']);
    assert.equal(await banner.locator('[data-testid=choice-submit]').isDisabled(), true, 'nothing chosen: nothing to send');
    assert.match(await page.locator('[data-testid=sidebar-awaiting]').innerText(), /Which database should the service use\?/);
    await shot(page, '40-claude-question');
    await opts.filter({ hasText: 'Postgres' }).click();
    await banner.locator('[data-testid=choice-submit]').click();
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    assert.match((await resultFor('AskUserQuestion')).content, /"Which database should the service use\?"="Postgres"/);
    await c.pane
      .locator('[data-testid=message]', { hasText: 'Answered: Which database should the service use? → Postgres' })
      .waitFor({ timeout: 15_000 });
    await idle(c.id);
    await shot(page, '41-claude-question-answered');
  });

  it('two questions (multi-select, typed text) shown together in the overview and on a phone, answered from the overview', async () => {
    const c = await claude('claude-two', ['--permission-mode', 'default']);
    await c.say(ask(FEATURES, LANGUAGE));
    await c.pane.locator('[data-testid=awaiting-banner][data-type=choices]').waitFor({ timeout: 60_000 });
    await page.goto(`${srv.url}/#/`);
    const card = page.locator('[data-testid=needs-card]').filter({ has: page.locator('[data-type=choices]') });
    await card.waitFor({ timeout: 15_000 });
    const qs = card.locator('[data-testid=choice-question]');
    assert.equal(await qs.count(), 2);
    assert.equal(await qs.nth(0).getAttribute('data-multi'), 'true');
    assert.equal(await qs.nth(0).locator('input[type=checkbox]').count(), 3);
    assert.equal(await qs.nth(1).locator('input[type=radio]').count(), 2);
    await qs.nth(0).locator('[data-testid=choice-option]', { hasText: 'Logging' }).click();
    await qs.nth(0).locator('[data-testid=choice-option]', { hasText: 'Tracing' }).click();
    await qs.nth(1).locator('[data-testid=choice-text]').fill('Rust');
    await shot(page, '42-claude-two-questions-overview');

    const phone = await newPage(browser, srv, { width: 390, height: 844 }, { isMobile: true, hasTouch: true });
    await phone.page.goto(`${srv.url}/#/`);
    await phone.page.locator('[data-testid=needs-card] [data-testid=choice-question]').nth(1).waitFor({ timeout: 15_000 });
    await shot(phone.page, '43-claude-two-questions-phone');
    assert.deepEqual(phone.errors, []);
    await phone.context.close();

    await card.locator('[data-testid=choice-submit]').click();
    await card.waitFor({ state: 'detached', timeout: 15_000 });
    assert.match(
      (await resultFor('AskUserQuestion')).content,
      /"Which features do you want to enable\?"="Logging, Tracing", "Which language for the CLI\?"="Rust"/,
    );
    await idle(c.id);
  });

  it('a plan approval: the plan rendered safely, feedback sent, then approved from the banner', async () => {
    const c = await claude('claude-plan', ['--permission-mode', 'plan']);
    await c.say(`plan: ${PLAN}`);
    const banner = c.pane.locator('[data-testid=awaiting-banner][data-type=plan]');
    await banner.waitFor({ timeout: 60_000 });
    const md = banner.locator('[data-testid=plan-markdown]');
    await md.locator('h1', { hasText: 'Add a health check' }).waitFor({ timeout: 10_000 });
    assert.equal(await md.locator('strong', { hasText: '200' }).count(), 1);
    assert.equal(await md.locator('b').count(), 0, 'HTML in the plan is not rendered');
    assert.match(await md.innerText(), /<b>no HTML<\/b>/);
    await banner.locator('[data-testid=plan-option-3][data-intent=feedback]').waitFor({ timeout: 10_000 });
    assert.deepEqual(await banner.locator('[data-testid^=plan-option-]').allInnerTexts(), [
      'Yes, and use auto mode',
      'Yes, manually approve edits',
      'Tell Claude what to change',
    ]);
    await shot(page, '44-claude-plan');
    await banner.locator('[data-testid=plan-option-3]').click();
    await banner.locator('[data-testid=plan-feedback-text]').fill('Please also add a readiness probe');
    await shot(page, '45-claude-plan-feedback');
    await banner.locator('[data-testid=plan-feedback-send]').click();
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    assert.equal((await resultFor('ExitPlanMode')).content, planFeedbackMessage('Please also add a readiness probe'));
    await idle(c.id);

    await c.say(`plan: ${PLAN}`);
    await banner.locator('[data-testid=plan-option-2]').waitFor({ timeout: 60_000 });
    await banner.locator('[data-testid=plan-option-2]').click();
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    assert.match((await resultFor('ExitPlanMode')).content, /^User has approved your plan/);
    await c.pane.locator('[data-testid=message]', { hasText: 'Plan approved' }).waitFor({ timeout: 15_000 });
    await idle(c.id);
    await shot(page, '46-claude-plan-approved');
    assert.deepEqual(errors, []);
  });
});
