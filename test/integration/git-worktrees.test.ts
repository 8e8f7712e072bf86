// Worktrees per instance on real repositories: isolation, merge, conflicts, discard, and what is refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { GitError } from '../../src/server/git/exec.js';
import { commitAll, mergeBranch, rebaseOnto } from '../../src/server/git/land.js';
import { repoInfo } from '../../src/server/git/repo.js';
import { readChanges } from '../../src/server/git/status.js';
import { createWorktree, discardWorktree, slug } from '../../src/server/git/worktree.js';
import { branches, lines, makeRepo, read, sh, statusOf, write } from '../helpers/git.js';
import { tempDir } from '../helpers/server.js';

async function rejects(p: Promise<unknown>, code: string): Promise<GitError> {
  try { await p; } catch (e) {
    assert.ok(e instanceof GitError, `expected a GitError, got ${e}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}

describe('git worktrees per instance', () => {
  it('two instances edit the same file in their own worktrees; the first merges, the second conflicts and loses nothing', async () => {
    const repo = makeRepo();
    const root = path.join(tempDir('areyouj-home-'), 'docs', 'worktrees');
    const mainBefore = sh(repo, 'rev-parse', 'main');
    const a = await createWorktree({ project: repo, worktreesRoot: root, for: { agent: 'Claude Coder' } });
    const b = await createWorktree({ project: repo, worktreesRoot: root, for: { agent: 'Claude Coder' } });
    assert.equal(a.branch, 'areyouj/claude-coder-1');
    assert.equal(b.branch, 'areyouj/claude-coder-2');
    assert.equal(a.base, 'main');
    assert.equal(a.baseOid, mainBefore);
    for (const w of [a, b]) {
      assert.ok(w.dir.startsWith(root + path.sep), `${w.dir} is under ${root}`);
      assert.ok(!w.dir.startsWith(repo + path.sep), 'outside the user\'s working tree');
      assert.equal(sh(w.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), w.branch);
    }
    assert.equal(fs.statSync(root).mode & 0o777, 0o700, 'the worktrees folder is owner-only');
    assert.equal(fs.statSync(path.dirname(a.dir)).mode & 0o777, 0o700);

    // Both agents change line 3 of the same file, differently, and add a file each.
    write(a.dir, 'src/app.ts', read(a.dir, 'src/app.ts').replace('app 3\n', 'app three (from A)\n'));
    write(a.dir, 'src/a-only.ts', lines(5, 'a'));
    write(b.dir, 'src/app.ts', read(b.dir, 'src/app.ts').replace('app 3\n', 'app 3 (from B)\n'));

    // The user's working tree sees none of it.
    assert.equal(statusOf(repo), '');
    assert.equal(read(repo, 'src/app.ts'), lines(20, 'app'));
    assert.deepEqual(fs.readdirSync(repo).sort(), ['.git', 'README.md', 'src']);

    const ca = await readChanges({ dir: a.dir, base: 'main' });
    assert.equal(ca.mode, 'worktree');
    assert.deepEqual(ca.files.map((f) => [f.path, f.status, f.added, f.deleted, f.uncommitted]),
      [['src/a-only.ts', 'untracked', 5, 0, true], ['src/app.ts', 'modified', 1, 1, true]]);
    assert.equal(ca.totals.files, 2);

    await commitAll(a.dir, 'A: rename line 3');
    await commitAll(b.dir, 'B: annotate line 3');
    const bTip = sh(repo, 'rev-parse', b.branch);

    const ma = await mergeBranch({ repoDir: repo, branch: a.branch, base: 'main', strategy: 'merge', message: `Merge ${a.branch}`, worktreeDir: a.dir });
    assert.equal(ma.into, 'checkout', 'main is checked out in the user\'s tree, which follows the merge');
    assert.equal(read(repo, 'src/app.ts').split('\n')[2], 'app three (from A)');
    assert.equal(read(repo, 'src/a-only.ts'), lines(5, 'a'));
    assert.equal(sh(repo, 'rev-list', '--parents', '-n', '1', 'main').split(' ').length, 3, 'a merge commit with two parents');
    assert.equal(statusOf(repo), '');

    const mainAfterA = sh(repo, 'rev-parse', 'main');
    const err = await rejects(mergeBranch({ repoDir: repo, branch: b.branch, base: 'main', strategy: 'merge', message: 'Merge B', worktreeDir: b.dir }), 'merge_conflict');
    assert.deepEqual((err.details as { files: string[] }).files, ['src/app.ts']);
    assert.match(err.message, /src\/app\.ts/);
    // Nothing lost: main, the branch, both working trees are as they were.
    assert.equal(sh(repo, 'rev-parse', 'main'), mainAfterA);
    assert.equal(sh(repo, 'rev-parse', b.branch), bTip);
    assert.equal(statusOf(repo), '');
    assert.equal(statusOf(b.dir), '');
    assert.equal(read(b.dir, 'src/app.ts').split('\n')[2], 'app 3 (from B)');
    assert.ok(!fs.existsSync(path.join(repo, '.git', 'MERGE_HEAD')));

    // The second one's changes now show it is behind; a rebase conflicts too, is undone, and keeps the branch.
    const cb = await readChanges({ dir: b.dir, base: 'main' });
    assert.equal(cb.behind, 2, 'A\'s commit and the merge commit');
    assert.equal(cb.ahead, 1);
    assert.equal(cb.canFastForward, false);
    const rerr = await rejects(rebaseOnto(b.dir, 'main'), 'rebase_conflict');
    assert.deepEqual((rerr.details as { files: string[] }).files, ['src/app.ts']);
    assert.equal(sh(b.dir, 'rev-parse', 'HEAD'), bTip);
    assert.equal(sh(b.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), b.branch);
    assert.equal(statusOf(b.dir), '');

    // Discard: the merged one goes without a question; the unmerged one only when confirmed.
    assert.deepEqual(await discardWorktree(repo, a, false), { removedDir: true, deletedBranch: true });
    assert.ok(!fs.existsSync(a.dir));
    assert.ok(!branches(repo).includes(a.branch));
    const uerr = await rejects(discardWorktree(repo, b, false), 'unmerged_work');
    assert.match(uerr.message, /1 commit not merged into main/);
    assert.ok(fs.existsSync(b.dir) && branches(repo).includes(b.branch), 'refused: both kept');
    assert.equal(sh(repo, 'rev-parse', b.branch), bTip);
    assert.deepEqual(await discardWorktree(repo, b, true), { removedDir: true, deletedBranch: true });
    assert.ok(!fs.existsSync(b.dir));
    assert.deepEqual(branches(repo), ['main']);
    assert.equal(sh(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).length, 1);
  });

  it('never discards uncommitted work silently, untracked files included', async () => {
    const repo = makeRepo();
    const root = path.join(tempDir('areyouj-home-'), 'docs', 'worktrees');
    const w = await createWorktree({ project: repo, worktreesRoot: root, for: { agent: 'a' } });
    write(w.dir, 'notes/new.md', 'a new file nobody committed\n');
    const err = await rejects(discardWorktree(repo, w, false), 'unmerged_work');
    assert.deepEqual((err.details as { uncommitted: string[] }).uncommitted, ['notes/new.md']);
    assert.equal(read(w.dir, 'notes/new.md'), 'a new file nobody committed\n');
    assert.ok(branches(repo).includes(w.branch));
    // A branch whose work reached the base by a squash merge counts as merged.
    await commitAll(w.dir, 'notes');
    await mergeBranch({ repoDir: repo, branch: w.branch, base: 'main', strategy: 'squash', message: 'Squashed notes', worktreeDir: w.dir });
    assert.equal(sh(repo, 'rev-list', '--parents', '-n', '1', 'main').split(' ').length, 2, 'a squash is a single-parent commit');
    assert.equal(sh(repo, 'log', '-1', '--format=%s', 'main'), 'Squashed notes');
    assert.deepEqual(await discardWorktree(repo, w, false), { removedDir: true, deletedBranch: true });
  });

  it('a dirty base, a missing base and bad branch names give readable errors and create nothing', async () => {
    const repo = makeRepo();
    const root = path.join(tempDir('areyouj-home-'), 'docs', 'worktrees');
    write(repo, 'README.md', '# edited but not committed\n');
    const dirty = await rejects(createWorktree({ project: repo, worktreesRoot: root, for: { agent: 'a' } }), 'dirty_base');
    assert.match(dirty.message, /main has uncommitted changes .*README\.md.*commit or stash/s);
    assert.deepEqual((dirty.details as { files: string[] }).files, ['README.md']);
    assert.deepEqual(branches(repo), ['main']);
    assert.ok(!fs.existsSync(root) || fs.readdirSync(root).every((d) => fs.readdirSync(path.join(root, d)).length === 0));
    assert.equal(read(repo, 'README.md'), '# edited but not committed\n', 'the user\'s edit is untouched');
    // Untracked files do not block: they are not part of any commit the agent could miss.
    sh(repo, 'checkout', '--', 'README.md');
    write(repo, 'scratch.txt', 'mine\n');
    const w = await createWorktree({ project: repo, worktreesRoot: root, for: { agent: 'a' } });
    assert.ok(!fs.existsSync(path.join(w.dir, 'scratch.txt')));

    await rejects(createWorktree({ project: repo, worktreesRoot: root, base: 'develop', for: { agent: 'a' } }), 'missing_base');
    for (const bad of ['@{-1}', '-x', 'a..b', 'a b', 'x.lock', '']) {
      await rejects(createWorktree({ project: repo, worktreesRoot: root, base: bad, for: { agent: 'a' } }), bad === '' ? 'detached_head' : 'invalid_ref');
    }
    assert.deepEqual(branches(repo), ['areyouj/a-1', 'main']);

    // Another base that is not checked out anywhere works, and its branch merges by moving the ref.
    sh(repo, 'branch', 'release');
    write(repo, 'README.md', '# dirty main does not matter for release\n');
    const r = await createWorktree({ project: repo, worktreesRoot: root, base: 'release', for: { taskId: '12.3', title: 'Fix the login page!' } });
    assert.equal(r.branch, 'areyouj/task-12-3-fix-the-login-page');
    write(r.dir, 'login.ts', 'export const ok = true;\n');
    await commitAll(r.dir, 'login');
    const m = await mergeBranch({ repoDir: repo, branch: r.branch, base: 'release', strategy: 'fast-forward', message: 'unused', worktreeDir: r.dir });
    assert.equal(m.into, 'ref');
    assert.equal(sh(repo, 'rev-parse', 'release'), sh(repo, 'rev-parse', r.branch));
    assert.equal(read(repo, 'README.md'), '# dirty main does not matter for release\n');
  });

  it('merging into a dirty checkout, or with uncommitted work, is refused before anything changes', async () => {
    const repo = makeRepo();
    const root = path.join(tempDir('areyouj-home-'), 'docs', 'worktrees');
    const w = await createWorktree({ project: repo, worktreesRoot: root, for: { agent: 'a' } });
    write(w.dir, 'new.txt', 'x\n');
    await rejects(mergeBranch({ repoDir: repo, branch: w.branch, base: 'main', strategy: 'merge', message: 'm', worktreeDir: w.dir }), 'uncommitted_changes');
    await commitAll(w.dir, 'new');
    await rejects(commitAll(w.dir, 'again'), 'nothing_to_commit');
    write(repo, 'README.md', 'user edit\n');
    const before = sh(repo, 'rev-parse', 'main');
    await rejects(mergeBranch({ repoDir: repo, branch: w.branch, base: 'main', strategy: 'merge', message: 'm', worktreeDir: w.dir }), 'dirty_base');
    assert.equal(sh(repo, 'rev-parse', 'main'), before);
    assert.equal(read(repo, 'README.md'), 'user edit\n');
    sh(repo, 'checkout', '--', 'README.md');
    // main moves on: fast-forward is refused with the reason; rebase then fast-forward works.
    write(repo, 'other.txt', 'o\n');
    sh(repo, 'add', 'other.txt');
    sh(repo, 'commit', '-q', '-m', 'other');
    await rejects(mergeBranch({ repoDir: repo, branch: w.branch, base: 'main', strategy: 'fast-forward', message: 'm', worktreeDir: w.dir }), 'not_fast_forward');
    assert.deepEqual(await rebaseOnto(w.dir, 'main').then((r) => r.rebased), true);
    const ff = await mergeBranch({ repoDir: repo, branch: w.branch, base: 'main', strategy: 'fast-forward', message: 'm', worktreeDir: w.dir });
    assert.equal(ff.oid, sh(w.dir, 'rev-parse', 'HEAD'));
    assert.equal(read(repo, 'new.txt'), 'x\n');
    await rejects(mergeBranch({ repoDir: repo, branch: w.branch, base: 'main', strategy: 'merge', message: 'm', worktreeDir: w.dir }), 'nothing_to_merge');
  });

  it('a folder that is not a git repository is reported as such; worktrees inside the project are excluded from its status', async () => {
    const plain = tempDir('areyouj-plain-');
    assert.equal(await repoInfo(plain), null);
    await rejects(createWorktree({ project: plain, worktreesRoot: path.join(plain, 'wt'), for: { agent: 'a' } }), 'not_a_repository');
    assert.deepEqual(fs.readdirSync(plain), []);

    // Home = project (AreYouJ started in the repository): the worktrees are under it, and git is told to ignore them.
    const repo = makeRepo();
    const w = await createWorktree({ project: repo, worktreesRoot: path.join(repo, 'docs', 'worktrees'), for: { agent: 'a' } });
    write(w.dir, 'x.txt', 'x\n');
    assert.equal(statusOf(repo), '');
    assert.match(fs.readFileSync(path.join(repo, '.git', 'info', 'exclude'), 'utf8'), /^\/docs\/worktrees\/$/m);
    assert.equal(slug('Ünïcode & spaces — 2'), 'unicode-spaces-2');
  });
});
