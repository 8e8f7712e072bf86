// The worktree and changes API through a real server: an agent in a git project gets its own worktree and branch, the
// changes follow its edits live (instance.changes), a review reaches it as one message, merge/discard/delete behave.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { createAgent, FAKE_AGENT, startInstance as start, TermClient, waitStatus } from '../helpers/instances.js';
import { branches, lines, makeRepo, read, sh, statusOf, write } from '../helpers/git.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';

describe('changes API', () => {
  let s: TestServer;
  let sse: SseClient;
  before(async () => {
    s = await startTestServer();
    sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
  });
  after(async () => { sse.close(); await s.close(); });
  afterEach(async () => { await s.manager.stopAll(); });

  // Instances here always carry a worktree or a note; `any` keeps the assertions short.
  const startInstance = (srv: TestServer, agentId: string, body: Record<string, unknown> = {}): Promise<any> => start(srv, agentId, body);
  const agentFor = (project: string, name: string, extra: Record<string, unknown> = {}) =>
    createAgent(s, { name, projectPath: project, command: FAKE_AGENT, args: ['--work-ms', '50', '--bracketed-paste'], settings: { maxConcurrentInstances: 3 }, ...extra });

  test('an instance in a git project works in its own worktree; changes are listed live; a review is one message', async () => {
    const repo = makeRepo();
    const a = await agentFor(repo, 'coder');
    assert.equal(a.settings.ownWorktree, true, 'on by default');
    const inst = await startInstance(s, a.id);
    assert.equal(inst.worktree.branch, 'areyouj/coder-1');
    assert.equal(inst.worktree.base, 'main');
    assert.equal(inst.worktree.state, 'open');
    assert.ok(inst.worktree.path.startsWith(path.join(s.home, 'docs', 'worktrees') + path.sep));
    assert.equal(inst.projectPath, repo, 'the project stays the agent\'s project');
    await waitStatus(sse, inst.id, 'idle');
    const term = new TermClient(s, inst.id);
    await term.opened;
    await term.until(() => term.text().includes(`cwd: ${inst.worktree.path}`), 'the agent runs in its worktree');

    const c0 = (await s.api('GET', `/api/instances/${inst.id}/changes?watch=1`)).body;
    assert.equal(c0.mode, 'worktree');
    assert.deepEqual(c0.files, []);
    const mark = sse.events.length;
    const lastId = Number(sse.events.at(-1)!.id);
    await s.api('POST', `/api/instances/${inst.id}/messages`, { content: 'write src/new.ts export const answer = 42;' });
    const ev = await sse.waitFor((e) => sse.events.indexOf(e) >= mark && e.event === 'instance.changes' && e.data.instanceId === inst.id && e.data.totals.files === 1, 15_000, 'instance.changes');
    assert.deepEqual(ev.data.totals, { files: 1, added: 1, deleted: 0, uncommitted: 1 });
    assert.equal(statusOf(repo), '', 'the user\'s working tree is untouched');
    const c1 = (await s.api('GET', `/api/instances/${inst.id}/changes`)).body;
    assert.deepEqual(c1.files.map((f: any) => [f.path, f.status, f.added]), [['src/new.ts', 'untracked', 1]]);
    const d = (await s.api('GET', `/api/instances/${inst.id}/changes/diff?path=${encodeURIComponent('src/new.ts')}`)).body;
    assert.match(d.patch, /^\+export const answer = 42;$/m);
    assert.equal((await s.api('GET', `/api/instances/${inst.id}/changes/diff?path=..%2F..%2Fetc%2Fpasswd`)).body.error.code, 'invalid_path');
    assert.equal((await s.api('GET', `/api/instances/${inst.id}/changes/diff`)).status, 400);

    // A review: two comments become one message with file, lines, quoted code and the comment.
    await waitStatus(sse, inst.id, 'idle', lastId); // its turn is over
    const review = await s.api('POST', `/api/instances/${inst.id}/review`, {
      comments: [
        { path: 'src/new.ts', startLine: 1, endLine: 1, code: 'export const answer = 42;', comment: 'Name it ANSWER.' },
        { path: 'README.md', side: 'old', startLine: 2, endLine: 3, comment: 'Keep this.' },
      ],
    });
    assert.ok([201, 202].includes(review.status), JSON.stringify(review.body));
    const msg = review.body.message.content as string;
    assert.match(msg, /^1\. src\/new\.ts, line 1:\n```\nexport const answer = 42;\n```\nName it ANSWER\.$/m);
    assert.match(msg, /^2\. README\.md, lines 2-3 \(before your change\):\nKeep this\.$/m);
    await term.until(() => term.text().includes('Name it ANSWER.'), 'the review typed into the agent');
    assert.equal((await s.api('POST', `/api/instances/${inst.id}/review`, { comments: [] })).status, 400);
    term.close();
  });

  test('commit, merge (and the task set done when asked), conflicts as 409 with the files, discard and delete', async () => {
    const repo = makeRepo({ 'app.ts': lines(10, 'app') });
    fs.mkdirSync(path.join(repo, 'docs'));
    const a = await agentFor(repo, 'mergers');
    const task = (await s.api('POST', `/api/tasks?project=${encodeURIComponent(repo)}`, { title: 'Fix the login page' })).body;
    const one = await startInstance(s, a.id, { taskId: task.id, taskProject: repo });
    const two = await startInstance(s, a.id);
    assert.equal(one.worktree.branch, `areyouj/task-${task.id}-fix-the-login-page`);
    assert.equal(two.worktree.branch, 'areyouj/mergers-1');
    write(one.worktree.path, 'app.ts', lines(10, 'app').replace('app 5\n', 'five by one\n'));
    write(two.worktree.path, 'app.ts', lines(10, 'app').replace('app 5\n', 'five by two\n'));

    const c = (await s.api('GET', `/api/instances/${one.id}/changes`)).body;
    assert.equal(c.suggestedMessage, `Task #${task.id}: Fix the login page`);
    const commit = await s.api('POST', `/api/instances/${one.id}/changes/commit`, {});
    assert.equal(commit.status, 200, JSON.stringify(commit.body));
    assert.equal(sh(repo, 'log', '-1', '--format=%s', one.worktree.branch), `Task #${task.id}: Fix the login page`);
    assert.equal((await s.api('POST', `/api/instances/${one.id}/changes/commit`, {})).body.error.code, 'nothing_to_commit');
    await s.api('POST', `/api/instances/${two.id}/changes/commit`, { message: 'two' });

    assert.equal((await s.api('POST', `/api/instances/${one.id}/changes/merge`, { strategy: 'rebase' })).status, 400);
    const m1 = await s.api('POST', `/api/instances/${one.id}/changes/merge`, { strategy: 'merge', completeTask: true });
    assert.equal(m1.status, 200, JSON.stringify(m1.body));
    assert.equal(m1.body.taskDone, true);
    assert.equal(read(repo, 'app.ts').split('\n')[4], 'five by one');
    const t = (await s.api('GET', `/api/tasks?project=${encodeURIComponent(repo)}`)).body.tasks.find((x: any) => x.id === task.id);
    assert.equal(t.status, 'done');
    assert.equal((await s.api('GET', `/api/instances/${one.id}`)).body.worktree.state, 'merged');

    const tip = sh(repo, 'rev-parse', two.worktree.branch);
    const m2 = await s.api('POST', `/api/instances/${two.id}/changes/merge`, { strategy: 'squash' });
    assert.equal(m2.status, 409);
    assert.equal(m2.body.error.code, 'merge_conflict');
    assert.deepEqual(m2.body.error.details.files, ['app.ts']);
    assert.equal(sh(repo, 'rev-parse', two.worktree.branch), tip, 'the branch is intact');
    assert.equal(read(two.worktree.path, 'app.ts').split('\n')[4], 'five by two');

    const d1 = await s.api('POST', `/api/instances/${two.id}/changes/discard`, {});
    assert.equal(d1.body.error.code, 'unmerged_work');
    assert.ok(fs.existsSync(two.worktree.path));
    // Deleting the instance keeps its worktree unless asked; asking to discard unmerged work without force is refused.
    assert.equal((await s.api('DELETE', `/api/instances/${two.id}?worktree=discard`)).body.error.code, 'unmerged_work');
    const still = (await s.api('GET', `/api/instances/${two.id}`)).body;
    assert.ok(['starting', 'idle', 'active'].includes(still.status), `not deleted, not even stopped: ${still.status}`);
    assert.equal((await s.api('DELETE', `/api/instances/${two.id}?worktree=keep`)).status, 200);
    assert.ok(fs.existsSync(two.worktree.path) && branches(repo).includes(two.worktree.branch), 'kept');
    // The merged one goes cleanly.
    assert.equal((await s.api('DELETE', `/api/instances/${one.id}?worktree=discard`)).status, 200);
    assert.ok(!fs.existsSync(one.worktree.path));
    assert.ok(!branches(repo).includes(one.worktree.branch));
    assert.equal((await s.api('DELETE', `/api/instances/${one.id}?worktree=sideways`)).status, 400);
  });

  test('a project that is a subfolder of its repository runs in the same subfolder of its worktree', async () => {
    const repo = makeRepo({ 'packages/app/index.ts': 'export {};\n', 'README.md': '# mono\n' });
    const a = await agentFor(path.join(repo, 'packages', 'app'), 'mono');
    const inst = await startInstance(s, a.id);
    assert.equal(inst.worktree.repoRoot, repo);
    const term = new TermClient(s, inst.id);
    await term.opened;
    await term.until(() => term.text().includes(`cwd: ${path.join(inst.worktree.path, 'packages', 'app')}`), 'the agent in packages/app of its worktree');
    term.close();
    await s.api('GET', `/api/instances/${inst.id}/changes?watch=1`);
    await s.api('POST', `/api/instances/${inst.id}/messages`, { content: 'write util.ts export const x = 1;' });
    await sse.waitFor((e) => e.event === 'instance.changes' && e.data.instanceId === inst.id && e.data.totals.files === 1, 15_000, 'the change');
    const c = (await s.api('GET', `/api/instances/${inst.id}/changes`)).body;
    assert.deepEqual(c.files.map((f: any) => f.path), ['packages/app/util.ts'], 'paths are the repository\'s');
  });

  test('a dirty base or a missing base starts nothing; a non-git project runs in place with a note', async () => {
    const repo = makeRepo();
    const a = await agentFor(repo, 'careful');
    write(repo, 'README.md', 'uncommitted\n');
    const before = (await s.api('GET', `/api/instances?agentId=${a.id}`)).body.length;
    const dirty = await s.api('POST', `/api/agents/${a.id}/instances`, {});
    assert.equal(dirty.status, 409);
    assert.equal(dirty.body.error.code, 'dirty_base');
    assert.match(dirty.body.error.message, /README\.md/);
    const missing = await s.api('POST', `/api/agents/${a.id}/instances`, { base: 'nope' });
    assert.equal(missing.body.error.code, 'missing_base');
    assert.equal((await s.api('POST', `/api/agents/${a.id}/instances`, { base: '@{-1}' })).body.error.code, 'invalid_ref');
    assert.equal((await s.api('GET', `/api/instances?agentId=${a.id}`)).body.length, before, 'no instance was created');
    assert.deepEqual(branches(repo), ['main']);

    // The setting off: the agent runs in the project itself.
    await s.api('PUT', `/api/agents/${a.id}`, { settings: { ownWorktree: false } });
    const inPlace = await startInstance(s, a.id);
    assert.equal(inPlace.worktree, null);
    const c = (await s.api('GET', `/api/instances/${inPlace.id}/changes`)).body;
    assert.equal(c.mode, 'in_place');
    assert.deepEqual(c.files.map((f: any) => f.path), ['README.md']);

    const plain = tempDir('areyouj-plain-');
    const p = await agentFor(plain, 'plain');
    const pi = await startInstance(s, p.id);
    assert.equal(pi.worktree, null);
    assert.match(pi.worktreeNote, /not a git repository/);
    const pc = (await s.api('GET', `/api/instances/${pi.id}/changes`)).body;
    assert.equal(pc.mode, 'none');
    assert.match(pc.note, /not a git repository/);
    assert.equal((await s.api('POST', `/api/instances/${pi.id}/changes/merge`, {})).body.error.code, 'not_a_repository');
  });
});
