// The task board in a real browser: the original AreYouJ tasks.db, create/edit/status/delete, outside writes
// appearing live, Markdown details rendered safely, and handing a task to an agent.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, expectProblems, FAKE_AGENT, launch, newPage, rmHome, shot, startServer, TASKS_FIXTURE, waitForTerm, type Server, teardown } from './harness.js';

const XSS = '<img src=x onerror=alert(1)>';

describe('task board', { timeout: 180_000 }, () => {
  let srv: Server;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let db: string;
  const row = (id: string) => page.locator(`[data-testid=task-row][data-task="${id}"]`);
  /** A task's row is in the page and within the board's visible area (below its sticky header). */
  const rowInView = (id: string) => page.waitForFunction((id) => {
    const r = document.querySelector(`[data-testid=task-row][data-task="${id}"]`)?.getBoundingClientRect();
    const board = document.querySelector('[data-testid=board-scroll]')!.getBoundingClientRect();
    const head = document.querySelector('[data-testid=task-table] thead th')!.getBoundingClientRect();
    return !!r && r.top >= head.bottom - 1 && r.bottom <= board.bottom + 1;
  }, id, { timeout: 5000 });
  /** Every row of the table is in the page (a board this small is not virtualised: find in page and screen readers see all of it). */
  const allRowsInPage = async () => {
    const t = page.locator('[data-testid=task-table]');
    assert.equal(await t.getAttribute('data-virtual'), 'false');
    assert.equal(await page.locator('[data-testid=task-row]').count(), Number(await t.getAttribute('data-rows')));
  };

  before(async () => {
    await ensureWebBuild();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'areyouj-e2e-tasks-'));
    fs.mkdirSync(path.join(home, 'docs'));
    db = path.join(home, 'docs', 'tasks.db');
    fs.copyFileSync(TASKS_FIXTURE, db);
    srv = await startServer({ home });
    browser = await launch();
    ({ page, errors } = await newPage(browser, srv));
    await page.goto(`${srv.url}/#/tasks`);
    await page.waitForSelector('[data-testid=task-row]');
  });

  after(() => teardown(browser, srv));

  it('shows the fixture: 4 main tasks, 24 in all, subtasks on demand', async () => {
    assert.equal(await page.locator('[data-testid=task-row]').count(), 4);
    assert.match(await page.locator('[data-testid=task-stats]').innerText(), /24\s*total/);
    await row('1').locator('[data-testid=task-expand]').click();
    await row('1.1').waitFor();
    await page.click('[data-testid=with-subtasks]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=task-row]').length === 24);
    await allRowsInPage();
    await page.fill('[data-testid=task-search]', '#2.3');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=task-row]').length === 2); // parent + the match
    await page.fill('[data-testid=task-search]', '');
    await page.selectOption('[data-testid=task-filter-priority]', 'low');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=task-row]')].length < 24);
    await page.selectOption('[data-testid=task-filter-priority]', '');
    await shot(page, '10-tasks');
  });

  it('creates, edits, changes the status of and deletes a task', async () => {
    await page.click('[data-testid=new-task]');
    await page.click('[data-testid=task-save]'); // empty title: the server's error beside the field
    await page.waitForSelector('[data-testid=task-form] [data-testid=error-title]');
    expectProblems(errors, /status of 400 .*\/api\/tasks\b/);
    await page.fill('[data-testid=task-title-input]', 'Write the release notes');
    await page.fill('[data-testid=task-description-input]', 'Summarise what changed.');
    await page.fill('[data-testid=task-details-input]', '## Plan\n\n- read the **git log**\n- group by area\n\n`npm run notes`');
    await page.selectOption('[data-testid=task-priority-input]', 'high');
    await page.fill('[data-testid=task-deps-input]', '1, 2');
    await page.click('[data-testid=task-save]');
    await row('5').waitFor();
    await rowInView('5'); // the new task, selected, is scrolled into view: it is the 25th row, below the fold
    await allRowsInPage();
    const details = page.locator('[data-testid=task-details]');
    await details.waitFor();
    await details.locator('[data-testid=details-markdown] h2', { hasText: 'Plan' }).waitFor();
    await details.locator('[data-testid=details-markdown] strong', { hasText: 'git log' }).waitFor();
    await shot(page, '11-task-details');

    await details.locator('[data-testid=edit-task]').click();
    await page.fill('[data-testid=task-title-input]', 'Write the release notes for 0.2');
    await page.click('[data-testid=task-save]');
    await page.waitForFunction(() => /0\.2/.test(document.querySelector('[data-testid=task-row][data-task="5"] [data-testid=task-title]')?.textContent ?? ''));

    await row('5').locator('[data-testid=task-status-select]').selectOption('done');
    await page.waitForFunction(async () => (await (await fetch('/api/tasks/5')).json()).status === 'done');

    await details.locator('[data-testid=delete-task]').click();
    await page.click('[data-testid=confirm-ok]');
    await row('5').waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
  });

  it('shows an outside sqlite3 write live', async () => {
    execFileSync('sqlite3', [db, "UPDATE tasks SET title = 'Changed by an agent outside', updated_at = CURRENT_TIMESTAMP WHERE id = '3'"]);
    await page.waitForFunction(() => document.querySelector('[data-testid=task-row][data-task="3"] [data-testid=task-title]')?.textContent === 'Changed by an agent outside', null, { timeout: 5000 });
    execFileSync('sqlite3', [db, "INSERT INTO tasks (id, title, description) VALUES ('9', 'Inserted outside', 'by sqlite3')"]);
    await row('9').waitFor({ timeout: 5000 });
    await allRowsInPage();
  });

  it('renders task text containing HTML as text, never as HTML', async () => {
    const t = await srv.api<{ id: string }>('POST', `/api/tasks`, {
      title: `Broken ${XSS}`, description: `desc ${XSS}`, details: `${XSS}\n\n<script>alert(2)</script>\n\n[link](javascript:alert(3))`,
    });
    await row(t.id).waitFor();
    assert.equal(await row(t.id).locator('[data-testid=task-title]').innerText(), `Broken ${XSS}`);
    await row(t.id).locator('[data-testid=task-title]').click();
    const details = page.locator('[data-testid=task-details]');
    await details.locator('[data-testid=details-title]', { hasText: XSS }).waitFor();
    assert.match(await details.locator('[data-testid=details-markdown]').innerText(), /<img src=x onerror=alert\(1\)>/);
    assert.equal(await page.locator('[data-testid=task-details] img, [data-testid=task-table] img').count(), 0);
    const href = await details.locator('[data-testid=details-markdown] a').getAttribute('href');
    assert.ok(!href || !/^javascript:/i.test(href), `unsafe href ${href}`);
    await shot(page, '12-task-xss-as-text');
    assert.deepEqual(errors, [], 'no alert() ran');
  });

  it('hands a task to an agent: a new instance gets the task as its prompt and is linked to it', async () => {
    await srv.api('POST', '/api/agents', {
      name: 'worker', projectPath: srv.home, kind: 'generic', command: process.execPath, args: [FAKE_AGENT, '--bracketed-paste', '--work-ms', '300'],
    });
    await page.waitForSelector('[data-testid=agent-item][data-agent=worker]');
    await row('4').locator('[data-testid=task-title]').click();
    await page.locator('[data-testid=task-details] [data-testid=handoff]').click();
    await page.waitForSelector('[data-testid=handoff-dialog]');
    assert.match(await page.inputValue('[data-testid=handoff-prompt]'), /^Task #4: /);
    await page.click('[data-testid=handoff-go]');
    const tab = page.locator('[data-testid=tab]');
    await tab.waitFor();
    const id = (await tab.getAttribute('data-instance'))!;
    await waitForTerm(page, id, /done: Task #4/, 20_000);
    const list = await srv.api<{ tasks: { id: string; status: string; instances?: { id: string }[] }[] }>('GET', '/api/tasks');
    const t4 = list.tasks.find((t) => t.id === '4')!;
    assert.equal(t4.status, 'in-progress');
    assert.ok(t4.instances?.some((i) => i.id === id), 'the instance is linked to the task');
    await page.click('[data-testid=nav-tasks]');
    await row('4').locator(`[data-testid=task-instance][data-instance="${id}"]`).waitFor();

    // The same, running instance takes another task: the prompt is sent and the instance is linked to that task now.
    await row('2').locator('[data-testid=task-title]').click();
    await page.locator('[data-testid=task-details] [data-testid=handoff]').click();
    await page.waitForSelector('[data-testid=handoff-dialog]');
    await page.selectOption('[data-testid=handoff-target]', id);
    await page.click('[data-testid=handoff-go]');
    await page.waitForSelector('[data-testid=handoff-dialog]', { state: 'detached' });
    await waitForTerm(page, id, /done: Task #2/, 20_000);
    const inst = await srv.api<{ taskId: string; taskProject: string }>('GET', `/api/instances/${id}`);
    assert.equal(inst.taskId, '2');
    assert.equal(inst.taskProject, srv.home);
    const t2 = (await srv.api<{ tasks: { id: string; instances?: { id: string }[] }[] }>('GET', '/api/tasks')).tasks.find((t) => t.id === '2')!;
    assert.ok(t2.instances?.some((i) => i.id === id), 'the server links the instance to task 2');
    // The board shows the link (task 2's row and details), and it moved off task 4.
    await page.click('[data-testid=nav-tasks]');
    await row('2').locator(`[data-testid=task-instance][data-instance="${id}"]`).waitFor();
    await row('2').locator('[data-testid=task-title]').click();
    await page.locator(`[data-testid=task-details] [data-testid=details-instance][data-instance="${id}"]`).waitFor();
    assert.equal(await row('4').locator('[data-testid=task-instance]').count(), 0);
    await shot(page, '13-task-linked');
    assert.deepEqual(errors, []);
  });

  it('opens "+ New task" for a project whose tasks are not loaded, and the app stays up', async () => {
    // A folder that is not there: its tasks never load (the board says why), and "+ New task" must still open.
    await page.goto(`${srv.url}/#/tasks?project=${encodeURIComponent(path.join(srv.home, 'not-a-folder'))}`);
    await page.waitForSelector('[data-testid=taskboard] [role=alert]');
    await page.click('[data-testid=new-task]');
    await page.waitForSelector('[data-testid=task-form]');
    await page.fill('[data-testid=task-title-input]', 'Somewhere that is not there');
    await page.click('[data-testid=task-save]');
    await page.waitForSelector('[data-testid=task-form] [role=alert]'); // the server's reason, in the form
    // The board's load and the form's save of that project: both refused (400), both said on the page.
    expectProblems(errors, /status of 400 .*\/api\/tasks\?project=/);
    await shot(page, '14-new-task-unloaded-project');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=sidebar]');
  });

  it('opens the tasks of the project you were in, finds tasks before the board was opened, and hands over notes and subtasks', async () => {
    // Another project than the home, with the fixture's tasks; an agent working in it.
    const proj = fs.mkdtempSync(path.join(os.tmpdir(), 'areyouj-e2e-tasks-proj-'));
    fs.mkdirSync(path.join(proj, 'docs'));
    fs.copyFileSync(TASKS_FIXTURE, path.join(proj, 'docs', 'tasks.db'));
    fs.chmodSync(path.join(proj, 'docs', 'tasks.db'), 0o644);
    try {
      const agent = await srv.api<{ id: string }>('POST', '/api/agents', {
        name: 'elsewhere', projectPath: proj, kind: 'generic', command: 'bash', args: ['--norc', '--noprofile'],
      });
      const inst = await srv.api<{ id: string }>('POST', `/api/agents/${agent.id}/instances`, {});
      // A fresh page: no board opened yet. The palette finds a task of that project (1.3's title) all the same.
      const fresh = await newPage(browser, srv);
      await fresh.page.goto(srv.url);
      await fresh.page.waitForSelector('[data-testid=instances-table]');
      await fresh.page.click('[data-testid=nav-overview]');
      await fresh.page.keyboard.press('Control+k');
      await fresh.page.keyboard.type('터미널 출력 영역');
      await fresh.page.waitForSelector('[data-testid=palette-item]:has-text("#1.3")');
      await shot(fresh.page, '15-palette-tasks');
      await fresh.page.keyboard.press('Escape');
      assert.deepEqual(fresh.errors, []);
      await fresh.context.close();

      // From that agent's instance, "Tasks" opens that project's board, not the home's.
      await page.goto(`${srv.url}/#/i/${inst.id}`);
      await page.waitForSelector(`[data-testid="terminal-${inst.id}"]`);
      await page.click('[data-testid=nav-tasks]');
      await page.waitForSelector('[data-testid=task-row]');
      assert.equal(await page.inputValue('[data-testid=project-select]'), proj);

      // Handing task 1 over: its notes and its subtasks (with their notes: the file paths) are in the prompt.
      await row('1').locator('[data-testid=task-title]').click();
      await page.locator('[data-testid=task-details] [data-testid=handoff]').click();
      const prompt = await page.inputValue('[data-testid=handoff-prompt]');
      assert.match(prompt, /^Task #1: /);
      assert.match(prompt, /UI\/UX 디자인 우선/, 'the task\'s notes');
      assert.match(prompt, /#1\.1 터미널 세션 탭 인터페이스 설계/, 'its subtasks');
      assert.match(prompt, /src\/components\/TerminalTabs\.tsx/, 'the subtasks\' notes');
      await shot(page, '16-handoff-notes-subtasks');
      await page.keyboard.press('Escape');
      await srv.api('DELETE', `/api/agents/${agent.id}`);
    } finally {
      rmHome(proj);
    }
  });
});
