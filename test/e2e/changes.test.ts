// The changes panel in a real browser: an agent edits files in its own worktree, the panel shows them live, a line
// comment goes to the agent as a review message, and the branch is merged from the UI. Screenshots in test-results/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { lines, makeRepo, read, sh, statusOf } from '../helpers/git.js';
import { ensureWebBuild, expectProblems, FAKE_AGENT, launch, newPage, shot, startServer, teardown, waitForTerm, type Server } from './harness.js';

describe('changes panel', { timeout: 180_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let repo: string;
  let inst: { id: string; worktree: { path: string; branch: string } };

  before(async () => {
    await ensureWebBuild();
    repo = makeRepo({ 'README.md': '# demo\n', 'src/app.ts': lines(30, 'const line') });
    srv = await startServer();
    const agent = await srv.api<{ id: string }>('POST', '/api/agents', {
      name: 'coder', projectPath: repo, kind: 'generic', command: process.execPath, args: [FAKE_AGENT, '--work-ms', '300', '--bracketed-paste'],
      color: '#7dcfff', settings: { maxConcurrentInstances: 2 },
    });
    inst = await srv.api('POST', `/api/agents/${agent.id}/instances`, { cols: 100, rows: 30 });
    browser = await launch();
    ({ page, errors } = await newPage(browser, srv));
    await page.goto(`${srv.url}/#/i/${inst.id}`);
    await page.waitForSelector(`[data-testid=tab][data-instance="${inst.id}"][data-status=idle]`, { timeout: 20_000 });
  });

  after(() => teardown(browser, srv, repo));

  const pane = () => page.locator(`[data-testid=instance-pane][data-instance="${inst.id}"]`);

  it('shows the agent\'s edits live, with counts and a highlighted diff, unified and side by side', async () => {
    await waitForTerm(page, inst.id, new RegExp(`cwd: ${inst.worktree.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await pane().locator('[data-testid=view-changes]').click();
    await pane().locator('[data-testid=changes-panel]').waitFor();
    assert.equal(await pane().locator('[data-testid=changes-branch]').innerText(), 'areyouj/coder-1');
    await pane().locator('.file-list-empty').waitFor();

    // The agent edits two files while the panel is open: they appear without a reload.
    const composer = pane().locator('[data-testid=composer-input]');
    await composer.fill('write src/hello.ts export function hello(name: string) {\\n  return `hello ${name}`;\\n}');
    await composer.press('Enter');
    await pane().locator('[data-testid=file-row][data-path="src/hello.ts"]').waitFor({ timeout: 15_000 });
    await page.waitForSelector(`[data-testid=tab][data-instance="${inst.id}"][data-status=idle]`, { timeout: 15_000 });
    await composer.fill('write src/app.ts const line 1\\nconst line 2 // changed by the agent');
    await composer.press('Enter');
    const app = pane().locator('[data-testid=file-row][data-path="src/app.ts"]');
    await app.waitFor({ timeout: 15_000 });
    assert.equal(await app.getAttribute('data-status'), 'modified');
    await page.waitForFunction(() => /\+1/.test(document.querySelector('[data-testid=file-row][data-path="src/app.ts"] [data-testid=file-added]')?.textContent ?? ''));
    assert.equal(await app.locator('[data-testid=file-deleted]').innerText(), '−29');
    assert.match(await pane().locator('[data-testid=changes-count]').innerText(), /^2$/);
    assert.equal(statusOf(repo), '', 'the user\'s own working tree is untouched');

    await pane().locator('[data-testid=file-row][data-path="src/hello.ts"]').click();
    const diff = pane().locator('[data-testid=diff-view]');
    await diff.waitFor();
    assert.match(await diff.innerText(), /return `hello \$\{name\}`;/);
    await diff.locator('.token.keyword').first().waitFor(); // syntax highlighted (the grammars load beside the first diff)
    assert.equal(await diff.locator('script, iframe, img').count(), 0);
    await shot(page, 'changes-01-unified');
    await pane().locator('[data-testid=file-row][data-path="src/app.ts"]').click();
    await pane().locator('[data-testid=view-split]').click();
    await pane().locator('[data-testid=diff-view][data-view=split]').waitFor();
    await page.waitForFunction(() => /changed by the agent/.test(document.querySelector('[data-testid=diff-view]')?.textContent ?? ''));
    await shot(page, 'changes-02-split');
    await pane().locator('[data-testid=view-unified]').click();
    assert.deepEqual(errors, []);
  });

  it('sends a line comment to the agent as a review message', async () => {
    await pane().locator('[data-testid=file-row][data-path="src/hello.ts"]').click();
    const diff = pane().locator('[data-testid=diff-view]');
    await diff.waitFor();
    await diff.locator('[data-testid=line-number][data-side=new][data-line="2"]').click();
    await diff.locator('[data-testid=line-number][data-side=new][data-line="3"]').click({ modifiers: ['Shift'] });
    const form = pane().locator('[data-testid=comment-form]');
    await form.waitFor();
    assert.match(await form.innerText(), /lines 2–3/);
    await form.locator('[data-testid=comment-input]').fill('Use a template literal with a capital H: `Hello ${name}`.');
    await form.locator('[data-testid=comment-add]').click();
    await pane().locator('[data-testid=inline-comment]').waitFor();
    await pane().locator('[data-testid=review-toggle]').click();
    await shot(page, 'changes-03-review');
    await pane().locator('[data-testid=review-send]').click();
    await pane().locator('[data-testid=review-bar]').waitFor({ state: 'detached' });
    // The message is in the conversation, and the agent received it (its turn echoes the first line).
    await page.waitForFunction((id) => [...document.querySelectorAll(`[data-testid=instance-pane][data-instance="${id}"] [data-testid=message][data-sender=user]`)]
      .some((e) => /src\/hello\.ts, lines 2-3/.test(e.textContent ?? '') && /capital H/.test(e.textContent ?? '')), inst.id);
    const messages = await srv.api<{ content: string }[]>('GET', `/api/instances/${inst.id}/messages`);
    const review = messages.find((m) => m.content.startsWith('Review of your changes:'))!;
    assert.match(review.content, /^1\. src\/hello\.ts, lines 2-3:\n```\n {2}return `hello \$\{name\}`;\n\}\n```\nUse a template literal/m);
    await page.waitForSelector(`[data-testid=tab][data-instance="${inst.id}"][data-status=idle]`, { timeout: 15_000 });
    assert.deepEqual(errors, []);
  });

  it('merges the branch from the UI (committing first), and the user\'s tree gets the work', async () => {
    await pane().locator('[data-testid=action-merge]').click();
    const dialog = page.locator('[data-testid=land-dialog]');
    await dialog.waitFor();
    assert.match(await dialog.locator('[data-testid=merge-commit-first]').innerText(), /2 files not committed yet/);
    await dialog.locator('[data-testid=strategy-merge]').check();
    await dialog.locator('[data-testid=merge-message]').fill('Greetings from the agent');
    await shot(page, 'changes-04-merge-dialog');
    await dialog.locator('[data-testid=land-confirm]').click();
    await dialog.waitFor({ state: 'detached', timeout: 20_000 });
    await page.waitForFunction(() => /merged/.test(document.querySelector('[data-testid=changes-panel] .changes-where')?.textContent ?? ''));
    assert.match(read(repo, 'src/hello.ts'), /return `hello \$\{name\}`;/);
    assert.equal(sh(repo, 'log', '-1', '--format=%s', 'main'), 'Greetings from the agent');
    assert.equal(statusOf(repo), '');
    await shot(page, 'changes-05-merged');

    // Discarding the merged worktree asks first, then removes it.
    await pane().locator('[data-testid=action-discard]').click();
    await page.locator('[data-testid=land-dialog]').waitFor();
    await page.locator('[data-testid=land-confirm]').click();
    await page.locator('[data-testid=land-dialog]').waitFor({ state: 'detached', timeout: 20_000 });
    await pane().locator('[data-testid=changes-note]').waitFor();
    assert.ok(!fs.existsSync(inst.worktree.path));
    assert.ok(!sh(repo, 'branch', '--list', inst.worktree.branch));
    assert.ok(!fs.existsSync(path.join(repo, '.git', 'worktrees', path.basename(inst.worktree.path))));
    await page.waitForSelector(`[data-testid=tab][data-instance="${inst.id}"][data-status=terminated]`); // it worked in that folder
    assert.deepEqual(errors, []);
  });

  it('shows a conflict with its files and changes nothing; deleting the instance asks about its unmerged worktree', async () => {
    const two = await srv.api<{ id: string; worktree: { path: string; branch: string } }>('POST', `/api/agents/${(await srv.api<{ id: string }[]>('GET', '/api/agents'))[0].id}/instances`, {});
    fs.writeFileSync(path.join(two.worktree.path, 'README.md'), '# demo, as the agent sees it\n');
    await srv.api('POST', `/api/instances/${two.id}/changes/commit`, { message: 'agent: README' });
    fs.writeFileSync(path.join(repo, 'README.md'), '# demo, as the user wrote it\n');
    sh(repo, 'commit', '-qam', 'user: README');
    const tip = sh(repo, 'rev-parse', two.worktree.branch);
    await page.goto(`${srv.url}/#/i/${two.id}`);
    const p2 = page.locator(`[data-testid=instance-pane][data-instance="${two.id}"]`);
    await p2.locator('[data-testid=view-changes]').click();
    await p2.locator('[data-testid=file-row][data-path="README.md"]').waitFor();
    await p2.locator('[data-testid=action-merge]').click();
    const dialog = page.locator('[data-testid=land-dialog]');
    await dialog.locator('[data-testid=land-confirm]').click();
    const err = dialog.locator('[data-testid=land-error]');
    await err.waitFor();
    assert.match(await err.innerText(), /conflicts in 1 file[\s\S]*README\.md/);
    expectProblems(errors, /status of 409 .*\/changes\/merge/);
    await shot(page, 'changes-06-conflict');
    assert.equal(sh(repo, 'rev-parse', two.worktree.branch), tip);
    assert.equal(read(repo, 'README.md'), '# demo, as the user wrote it\n');
    await dialog.locator('button', { hasText: 'Cancel' }).click();

    await p2.locator('[data-testid=delete-instance]').click();
    const del = page.locator('[data-testid=delete-instance-dialog]');
    await del.waitFor();
    await del.locator('[data-testid=delete-discard-worktree]').check();
    await del.locator('[data-testid=delete-instance-ok]').click();
    await del.locator('[data-testid=delete-force]').waitFor();
    assert.match(await del.innerText(), /1 commit not merged into main/);
    expectProblems(errors, /status of 409 .*\?worktree=discard\b/);
    await shot(page, 'changes-07-delete-unmerged');
    assert.ok(fs.existsSync(two.worktree.path), 'refused: nothing deleted yet');
    await del.locator('[data-testid=delete-force]').check();
    await del.locator('[data-testid=delete-instance-ok]').click();
    await del.waitFor({ state: 'detached' });
    assert.ok(!fs.existsSync(two.worktree.path));
    assert.ok(!sh(repo, 'branch', '--list', two.worktree.branch));
    assert.deepEqual(errors, []);
  });
});
