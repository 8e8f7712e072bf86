// The agent form's presets (issue 11): each fills command, arguments, kind and patterns; Claude Code's permission
// mode (and Codex's and Gemini CLI's approval mode) is a visible choice, "Ask" by default, saved as the CLI's flag.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, launch, newPage, shot, startServer, type Server, teardown } from './harness.js';

interface AgentJson { id: string; name: string; kind: string; command: string; args: string[]; settings: { idlePatterns: string[]; awaitingPatterns: string[]; quietMs: number } }

describe('agent presets', { timeout: 180_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let page: Page;
  const agents = () => srv.api<AgentJson[]>('GET', '/api/agents');
  const checked = (sel: string) => page.locator(`${sel} [aria-checked=true]`).innerText();

  before(async () => {
    await ensureWebBuild();
    srv = await startServer();
    browser = await launch();
    ({ page } = await newPage(browser, srv));
    await page.goto(srv.url);
    await page.waitForSelector('[data-testid=welcome-new-agent]');
  });

  after(() => teardown(browser, srv));

  it('Claude Code asks by default; a chosen permission mode is saved as --permission-mode and read back on edit', async () => {
    await page.click('[data-testid=new-agent]');
    assert.equal(await checked('[data-testid=agent-presets]'), 'Claude Code');
    assert.equal(await checked('[data-testid=agent-approval]'), 'Ask');
    assert.match(await page.locator('[data-testid=agent-approval-hint]').innerText(), /--permission-mode default/);
    await page.click('[data-testid=preset-codex]');
    assert.equal(await page.inputValue('[data-testid=agent-kind]'), 'codex');
    assert.equal(await page.inputValue('[data-testid=agent-command]'), 'codex');
    assert.deepEqual(await page.locator('[data-testid=agent-approval] [role=radio]').allInnerTexts(), ['Ask', 'Never ask', 'Bypass']);
    await page.click('[data-testid=preset-gemini]');
    assert.deepEqual(await page.locator('[data-testid=agent-approval] [role=radio]').allInnerTexts(), ['Ask', 'Accept edits', 'Plan', 'YOLO']);
    await page.click('[data-testid=preset-claude]');
    assert.deepEqual(await page.locator('[data-testid=agent-approval] [role=radio]').allInnerTexts(), ['Ask', 'Auto', 'Accept edits', 'Plan', 'Bypass']);
    await page.click('[data-testid=approval-plan]');
    await page.fill('[data-testid=agent-name]', 'planner');
    await shot(page, '70-agent-presets-claude');
    await page.click('[data-testid=agent-save]');
    await page.waitForSelector('[data-testid=agent-form]', { state: 'detached' });
    const a = (await agents()).find((x) => x.name === 'planner')!;
    assert.deepEqual([a.kind, a.command, a.args], ['claude', 'claude', ['--permission-mode', 'plan']]);

    await page.locator('[data-testid=agent-item][data-agent=planner]').hover();
    await page.locator('[data-testid=agent-item][data-agent=planner] [data-testid=edit-agent]').click();
    assert.equal(await checked('[data-testid=agent-approval]'), 'Plan');
    await page.click('[data-testid=agent-advanced]');
    assert.equal(await page.inputValue('[data-testid=agent-args]'), '', 'the mode is not repeated among the arguments');
    await page.fill('[data-testid=agent-args]', '--model\nsonnet');
    await page.click('[data-testid=approval-ask]');
    await page.click('[data-testid=agent-save]');
    await page.waitForSelector('[data-testid=agent-form]', { state: 'detached' });
    assert.deepEqual((await agents()).find((x) => x.name === 'planner')!.args, ['--permission-mode', 'default', '--model', 'sonnet']);
  });

  it('Aider, opencode and a plain shell fill the command and the screen patterns; the agent is saved with them', async () => {
    await page.click('[data-testid=new-agent]');
    await page.click('[data-testid=preset-aider]');
    assert.equal(await page.inputValue('[data-testid=agent-kind]'), 'generic');
    assert.equal(await page.locator('[data-testid=agent-approval]').count(), 0, 'no approval mode for a generic program');
    assert.equal(await page.inputValue('[data-testid=agent-command]'), 'aider');
    assert.match(await page.inputValue('[data-testid=agent-awaiting-patterns]'), /\\\(Y\\\)es\/\\\(N\\\)o/);
    await page.click('[data-testid=preset-opencode]');
    assert.equal(await page.inputValue('[data-testid=agent-command]'), 'opencode');
    assert.match(await page.inputValue('[data-testid=agent-awaiting-patterns]'), /Permission required/);
    await page.click('[data-testid=preset-shell]');
    assert.equal(await page.inputValue('[data-testid=agent-command]'), 'bash');
    // The form says which executable the command runs, with its version, or why it runs nothing.
    const resolved = page.locator('[data-testid=command-resolved]');
    await page.waitForSelector('[data-testid=command-resolved][data-state=found]');
    assert.match(await resolved.innerText(), /^Runs \/(usr\/)?bin\/bash · GNU bash, version \d/);
    await page.fill('[data-testid=agent-command]', 'no-such-agent-cli');
    await page.waitForSelector('[data-testid=command-resolved][data-state=missing]');
    assert.match(await resolved.innerText(), /^command not found: no-such-agent-cli on the agents' PATH/);
    await shot(page, '72-agent-command-missing');
    await page.click('[data-testid=preset-aider]');
    assert.equal(await page.inputValue('[data-testid=agent-name]'), 'aider', 'the name follows the preset until one is typed');
    await shot(page, '71-agent-presets-aider');
    await page.click('[data-testid=agent-save]');
    await page.waitForSelector('[data-testid=agent-form]', { state: 'detached' });
    const a = (await agents()).find((x) => x.name === 'aider')!;
    assert.deepEqual([a.kind, a.command, a.args, a.settings.quietMs], ['generic', 'aider', [], 800]);
    assert.ok(a.settings.awaitingPatterns.includes('\\(Y\\)es/\\(N\\)o'));
    assert.deepEqual(a.settings.idlePatterns, ['^[\\w-]*> ?$']);
  });
});
