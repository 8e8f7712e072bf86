// What a working tree changed, file by file, on real repositories: statuses and counts, diffs with their caps,
// paths from users kept inside the tree, the watcher, and opening a pull request.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MAX_PATCH_BYTES, fileDiff } from '../../src/server/git/diff.js';
import { GitError } from '../../src/server/git/exec.js';
import { commitAll } from '../../src/server/git/land.js';
import { openPullRequest, pullRequestBlocker } from '../../src/server/git/pr.js';
import { fingerprint, readChanges } from '../../src/server/git/status.js';
import { ChangesPoller } from '../../src/server/git/watcher.js';
import { createWorktree } from '../../src/server/git/worktree.js';
import { lines, makeRepo, read, sh, write } from '../helpers/git.js';
import { tempDir } from '../helpers/server.js';

const FAKE_GH = path.resolve(import.meta.dirname, '../fakes/gh.cjs');

async function code(p: Promise<unknown>): Promise<string> {
  try { await p; return 'ok'; } catch (e) { assert.ok(e instanceof GitError, String(e)); return e.code; }
}

async function worktree(files?: Record<string, string>) {
  const repo = makeRepo(files);
  const w = await createWorktree({ project: repo, worktreesRoot: path.join(tempDir('areyouj-home-'), 'wt'), for: { agent: 'tester' } });
  return { repo, w };
}

describe('changes of a working tree', () => {
  it('lists added, modified, deleted, renamed, untracked and binary files with their counts, and the commits ahead', async () => {
    const { w } = await worktree({ 'keep.txt': lines(10), 'gone.txt': lines(4), 'old-name.ts': lines(30, 'stable'), 'edit.ts': lines(8) });
    write(w.dir, 'edit.ts', lines(8).replace('line 2\n', 'line two\nline 2.5\n'));
    fs.rmSync(path.join(w.dir, 'gone.txt'));
    write(w.dir, 'added.ts', lines(3, 'added'));
    sh(w.dir, 'add', 'added.ts');
    sh(w.dir, 'commit', '-q', '-m', 'agent: first step');
    sh(w.dir, 'mv', 'old-name.ts', 'new-name.ts');
    write(w.dir, 'dir with space/ünï code.md', 'one\ntwo');
    write(w.dir, 'logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3]));

    const c = await readChanges({ dir: w.dir, base: 'main' });
    const rows = Object.fromEntries(c.files.map((f) => [f.path, [f.status, f.added, f.deleted, f.binary, f.uncommitted, f.oldPath]]));
    assert.deepEqual(rows, {
      'added.ts': ['added', 3, 0, false, false, null],
      'dir with space/ünï code.md': ['untracked', 2, 0, false, true, null],
      'edit.ts': ['modified', 2, 1, false, true, null],
      'gone.txt': ['deleted', 0, 4, false, true, null],
      'logo.png': ['untracked', null, null, true, true, null],
      'new-name.ts': ['renamed', 0, 0, false, true, 'old-name.ts'],
    });
    assert.deepEqual(c.totals, { files: 6, added: 7, deleted: 5, uncommitted: 5 });
    assert.equal(c.ahead, 1);
    assert.equal(c.behind, 0);
    assert.equal(c.canFastForward, true);
    assert.deepEqual(c.commits.map((x) => x.subject), ['agent: first step']);
    assert.equal(c.branch, w.branch);
    assert.equal(c.base, 'main');
    assert.equal(c.baseOid, w.baseOid);

    // In place (no base): only what is not committed, against HEAD.
    const inPlace = await readChanges({ dir: w.dir, base: null });
    assert.equal(inPlace.mode, 'in_place');
    assert.deepEqual(inPlace.files.map((f) => f.path).sort(), ['dir with space/ünï code.md', 'edit.ts', 'gone.txt', 'logo.png', 'new-name.ts'].sort());
    assert.deepEqual(inPlace.commits, []);
  });

  it('gives each file\'s diff: unified patch, binary marker, too-large cap; paths stay inside the tree', async () => {
    const { w } = await worktree({ 'a.ts': lines(50), 'big.txt': 'x\n' });
    write(w.dir, 'a.ts', lines(50).replace('line 25\n', 'line twenty-five\n'));
    write(w.dir, 'new.ts', 'export const x = 1;\n');
    write(w.dir, 'blob.bin', Buffer.from([1, 0, 2, 0, 3]));
    write(w.dir, 'big.txt', 'y'.repeat(80) + '\n'.repeat(1) + `${'z'.repeat(99)}\n`.repeat(Math.ceil(MAX_PATCH_BYTES / 100) + 10));
    const from = w.baseOid;

    const a = await fileDiff(w.dir, from, 'a.ts');
    assert.equal(a.status, 'modified');
    assert.equal(a.tooLarge, false);
    assert.deepEqual([a.added, a.deleted], [1, 1]);
    assert.match(a.patch, /^diff --git a\/a\.ts b\/a\.ts$/m);
    assert.match(a.patch, /^@@ -22,7 \+22,7 @@/m);
    assert.match(a.patch, /^-line 25$/m);
    assert.match(a.patch, /^\+line twenty-five$/m);

    const n = await fileDiff(w.dir, from, 'new.ts');
    assert.equal(n.status, 'untracked');
    assert.match(n.patch, /^\+export const x = 1;$/m);
    assert.deepEqual([n.added, n.deleted], [1, 0]);

    const b = await fileDiff(w.dir, from, 'blob.bin');
    assert.equal(b.binary, true);
    assert.equal(b.patch, '');

    const big = await fileDiff(w.dir, from, 'big.txt');
    assert.equal(big.tooLarge, true);
    assert.equal(big.patch, '');
    assert.ok(big.added! > 10_000, `counted ${big.added} lines`);
    assert.equal(big.deleted, 1);

    for (const bad of ['../outside.txt', '/etc/passwd', 'a/../../x', '.git/config', 'sub/.git/HEAD', '']) {
      assert.equal(await code(fileDiff(w.dir, from, bad)), 'invalid_path', bad);
    }
    assert.equal(await code(fileDiff(w.dir, from, 'not-changed-or-missing.ts')), 'invalid_path');
    // A symlink to a file outside the tree is shown as a link (its target), never followed.
    fs.symlinkSync('/etc/hostname', path.join(w.dir, 'link'));
    const l = await fileDiff(w.dir, from, 'link');
    assert.match(l.patch, /new file mode 120000/);
    assert.match(l.patch, /^\+\/etc\/hostname$/m);
  });

  it('the watcher calls back when a file changes, again when it changes again, and stops when the lease ends', async () => {
    const { w } = await worktree();
    const changes: number[] = [];
    let waiter: (() => void) | null = null;
    const poller = new ChangesPoller({
      probe: () => fingerprint(w.dir, 'main'), onChange: () => { changes.push(Date.now()); waiter?.(); }, minMs: 50, maxMs: 200, leaseMs: 60_000,
    });
    const next = () => new Promise<void>((r) => { waiter = r; });
    try {
      poller.lease('i1', await fingerprint(w.dir, 'main'));
      let got = next();
      write(w.dir, 'src/app.ts', 'changed once\n');
      await got;
      assert.equal(changes.length, 1);
      got = next();
      write(w.dir, 'src/app.ts', 'changed twice, still "modified" for git\n');
      await got;
      assert.equal(changes.length, 2);
      got = next();
      await commitAll(w.dir, 'commit changes HEAD');
      await got;
      // A poll may also catch the state between `git add` and `git commit` (staged, not committed yet).
      assert.ok(changes.length === 3 || changes.length === 4, `${changes.length} callbacks`);
      poller.stop('i1');
      assert.equal(poller.watching('i1'), false);
    } finally { poller.close(); }
    // A lease that has run out stops the polling by itself.
    const short = new ChangesPoller({ probe: async () => 'same', onChange: () => undefined, minMs: 10, maxMs: 20, leaseMs: 30 });
    short.lease('k', 'same');
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (!short.watching('k')) { clearInterval(t); resolve(); } }, 10); });
    short.close();
  });

  it('opens a pull request with gh: pushes the branch, runs gh pr create; says why when gh is missing or signed out', async () => {
    const { repo, w } = await worktree();
    write(w.dir, 'feature.ts', 'export const feature = 1;\n');
    await commitAll(w.dir, 'feature');
    const pr = { dir: w.dir, branch: w.branch, base: 'main', title: 'Add the feature', body: 'Made by an agent.', gh: FAKE_GH };

    const missing = await code(openPullRequest({ ...pr, gh: path.join(tempDir(), 'no-such-gh') }));
    assert.equal(missing, 'gh_unavailable');
    assert.match((await pullRequestBlocker(w.dir, '/nonexistent/gh'))!.message, /not installed/);
    assert.equal((await pullRequestBlocker(w.dir, FAKE_GH))!.code, 'no_remote');

    const remote = tempDir('areyouj-remote-');
    sh(remote, 'init', '--quiet', '--bare');
    sh(repo, 'remote', 'add', 'origin', remote);
    process.env.FAKE_GH_SIGNED_OUT = '1';
    try {
      const out = await pullRequestBlocker(w.dir, FAKE_GH);
      assert.equal(out!.code, 'gh_unavailable');
      assert.match(out!.message, /gh auth login/);
    } finally { delete process.env.FAKE_GH_SIGNED_OUT; }
    assert.equal(sh(remote, 'for-each-ref'), '', 'nothing was pushed while gh could not open the request');

    const log = path.join(tempDir(), 'gh.log');
    process.env.FAKE_GH_LOG = log;
    try {
      const r = await openPullRequest(pr);
      assert.equal(r.url, 'https://github.com/fake/repo/pull/7');
      assert.equal(r.remote, 'origin');
    } finally { delete process.env.FAKE_GH_LOG; }
    assert.equal(sh(remote, 'rev-parse', w.branch), sh(w.dir, 'rev-parse', 'HEAD'), 'the branch was pushed');
    const call = JSON.parse(read(path.dirname(log), 'gh.log'));
    assert.equal(call.cwd, w.dir);
    assert.deepEqual(call.args, ['pr', 'create', '--base=main', `--head=${w.branch}`, '--title=Add the feature', '--body=Made by an agent.']);
  });
});
