// Landing an instance's branch: commit its work, merge it into its base (merge commit, squash or fast-forward),
// rebase it onto a base that moved. Conflicts are found before anything is touched (`git merge-tree`), so a
// refused merge leaves both branches and every working tree exactly as they were.
import fs from 'node:fs';
import type { MergeStrategy } from '../../common/changes.js';
import { git, GitError, gitText, run, withRepoLock, zsplit } from './exec.js';
import { branchOid, checkoutOf, dirtyFiles, headOid, requireRepo } from './repo.js';

/** Author and committer for our commits when the user has not configured git (git would refuse otherwise). */
async function identityEnv(dir: string): Promise<Record<string, string>> {
  const get = async (k: string) => (await run('git', ['config', '--get', k], { cwd: dir, readOnly: true })).stdout.toString('utf8').trim();
  const [name, email] = await Promise.all([get('user.name'), get('user.email')]);
  const env: Record<string, string> = {};
  if (!name) Object.assign(env, { GIT_AUTHOR_NAME: 'AreYouJ', GIT_COMMITTER_NAME: 'AreYouJ' });
  if (!email) Object.assign(env, { GIT_AUTHOR_EMAIL: 'areyouj@localhost', GIT_COMMITTER_EMAIL: 'areyouj@localhost' });
  return env;
}

/** Every file in the working tree that is not committed, untracked ones included. */
export async function uncommittedFiles(dir: string): Promise<string[]> {
  const parts = zsplit((await git(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all'], { readOnly: true })).stdout);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    out.push(parts[i].slice(3));
    if (parts[i][0] === 'R' || parts[i][0] === 'C') i++;
  }
  return out;
}

/** `git add -A` and `git commit` in a working tree (its .gitignore applies). */
export async function commitAll(dir: string, message: string): Promise<{ oid: string; files: number }> {
  const repo = await requireRepo(dir);
  return withRepoLock(repo.commonDir, async () => {
    await git(dir, ['add', '-A']);
    const staged = zsplit((await git(dir, ['diff', '--cached', '--name-only', '-z'])).stdout);
    if (!staged.length) throw new GitError('nothing_to_commit', 'there is nothing to commit: the working tree matches the last commit');
    await git(dir, ['commit', '--quiet', '--no-edit', '-m', message], { env: await identityEnv(dir) });
    return { oid: (await headOid(dir))!, files: staged.length };
  });
}

/** Files in conflict if `theirs` were merged into `ours`; [] when it merges cleanly. Touches nothing. */
export async function mergeConflicts(repoDir: string, ours: string, theirs: string): Promise<{ tree: string | null; files: string[]; messages: string[] }> {
  const r = await run('git', ['merge-tree', '--write-tree', '--name-only', '-z', ours, theirs], { cwd: repoDir, readOnly: true });
  const parts = zsplit(r.stdout);
  if (r.code === 0) return { tree: parts[0], files: [], messages: [] };
  if (r.code !== 1) throw new GitError('git_failed', `git merge-tree failed: ${r.stderr.trim()}`);
  const files: string[] = [];
  let i = 1;
  for (; i < parts.length && parts[i] !== ''; i++) files.push(parts[i]);
  // Then: <count> NUL <paths…> NUL <type> NUL <message> NUL, repeated; keep the human messages.
  const messages = parts.slice(i + 1).filter((s) => s.startsWith('CONFLICT')).map((s) => s.trim());
  return { tree: null, files: [...new Set(files)], messages };
}

export interface MergeRequest {
  repoDir: string;
  branch: string;
  base: string;
  strategy: MergeStrategy;
  message: string;
  /** The branch's own worktree: its uncommitted files must be committed first. */
  worktreeDir?: string | null;
}
export interface MergeResult { strategy: MergeStrategy; oid: string; base: string; into: 'checkout' | 'ref'; checkout: string | null }

/**
 * Merges `branch` into `base`. Where `base` is checked out (usually the user's own working tree), git merges there,
 * so that tree follows; where it is not, the merge is written with `merge-tree`/`commit-tree` and the ref moved.
 */
export async function mergeBranch(m: MergeRequest): Promise<MergeResult> {
  const repo = await requireRepo(m.repoDir);
  return withRepoLock(repo.commonDir, async () => {
    const baseTip = await branchOid(repo.root, m.base);
    if (!baseTip) throw new GitError('missing_base', `the base branch ${JSON.stringify(m.base)} does not exist`);
    const tip = await branchOid(repo.root, m.branch);
    if (!tip) throw new GitError('missing_base', `the branch ${JSON.stringify(m.branch)} does not exist`);
    if (m.worktreeDir && fs.existsSync(m.worktreeDir)) {
      const pending = await uncommittedFiles(m.worktreeDir);
      if (pending.length) {
        throw new GitError('uncommitted_changes', `${m.branch} has ${pending.length} uncommitted file${pending.length > 1 ? 's' : ''}: commit them before merging`,
          { files: pending.slice(0, 100), count: pending.length });
      }
    }
    const ahead = Number(await gitText(repo.root, ['rev-list', '--count', `${baseTip}..${tip}`], { readOnly: true }));
    if (ahead === 0) throw new GitError('nothing_to_merge', `${m.branch} has no commits that ${m.base} does not have`);
    const ff = (await run('git', ['merge-base', '--is-ancestor', baseTip, tip], { cwd: repo.root, readOnly: true })).code === 0;
    if (m.strategy === 'fast-forward' && !ff) {
      throw new GitError('not_fast_forward', `${m.base} has moved on since ${m.branch} started: rebase the branch onto ${m.base} first, or merge with a merge commit`);
    }
    const { tree, files, messages } = await mergeConflicts(repo.root, baseTip, tip);
    if (files.length || !tree) {
      throw new GitError('merge_conflict', `merging ${m.branch} into ${m.base} conflicts in ${files.length} file${files.length === 1 ? '' : 's'}: `
        + `${files.slice(0, 10).join(', ')}. Nothing was changed; rebase the branch onto ${m.base} and resolve them there (or ask the agent to).`,
        { files, messages: messages.slice(0, 20) });
    }
    const env = await identityEnv(repo.root);
    const target = await checkoutOf(repo.root, m.base);
    if (target) {
      const dirty = await dirtyFiles(target.path);
      if (dirty.length) {
        throw new GitError('dirty_base', `${m.base} is checked out in ${target.path} with uncommitted changes (${dirty.slice(0, 5).join(', ')}`
          + `${dirty.length > 5 ? ', …' : ''}); commit or stash them first`, { files: dirty.slice(0, 100), count: dirty.length });
      }
      if ((await headOid(target.path)) !== baseTip) throw new GitError('git_failed', `${m.base} moved while merging; try again`);
      const attempt = async (args: string[]) => {
        const r = await run('git', args, { cwd: target.path, env });
        if (r.code === 0) return;
        // Put the user's tree back as it was (it was clean), then say why.
        await run('git', ['merge', '--abort'], { cwd: target.path });
        if ((await headOid(target.path)) === baseTip) await run('git', ['reset', '--hard', '--quiet', baseTip], { cwd: target.path });
        throw new GitError('git_failed', `git could not merge into ${target.path}: ${r.stderr.trim().split('\n').slice(-4).join(' ')}; nothing was changed`);
      };
      if (m.strategy === 'fast-forward') await attempt(['merge', '--ff-only', '--quiet', tip]);
      else if (m.strategy === 'merge') await attempt(['merge', '--no-ff', '--no-edit', '--quiet', '-m', m.message, tip]);
      else {
        await attempt(['merge', '--squash', '--quiet', tip]);
        await attempt(['commit', '--quiet', '--no-edit', '-m', m.message]);
      }
      return { strategy: m.strategy, oid: (await headOid(target.path))!, base: m.base, into: 'checkout', checkout: target.path };
    }
    let oid: string;
    if (m.strategy === 'fast-forward') oid = tip;
    else {
      const parents = m.strategy === 'merge' ? ['-p', baseTip, '-p', tip] : ['-p', baseTip];
      oid = await gitText(repo.root, ['commit-tree', tree, ...parents, '-m', m.message], { env });
    }
    await git(repo.root, ['update-ref', '-m', `areyouj: ${m.strategy} ${m.branch}`, `refs/heads/${m.base}`, oid, baseTip]);
    return { strategy: m.strategy, oid, base: m.base, into: 'ref', checkout: null };
  });
}

/** Replays the branch's commits onto the current tip of its base, in its worktree; a conflict aborts the rebase. */
export async function rebaseOnto(dir: string, base: string): Promise<{ oid: string; rebased: boolean }> {
  const repo = await requireRepo(dir);
  return withRepoLock(repo.commonDir, async () => {
    const baseTip = await branchOid(dir, base);
    if (!baseTip) throw new GitError('missing_base', `the base branch ${JSON.stringify(base)} does not exist`);
    const pending = await uncommittedFiles(dir);
    if (pending.length) {
      throw new GitError('uncommitted_changes', `${pending.length} uncommitted file${pending.length > 1 ? 's' : ''} in the worktree: commit them before rebasing`,
        { files: pending.slice(0, 100), count: pending.length });
    }
    const before = (await headOid(dir))!;
    if ((await run('git', ['merge-base', '--is-ancestor', baseTip, before], { cwd: dir, readOnly: true })).code === 0) return { oid: before, rebased: false };
    const r = await run('git', ['rebase', '--quiet', '--no-autostash', baseTip], { cwd: dir, env: await identityEnv(dir) });
    if (r.code !== 0) {
      const files = zsplit((await run('git', ['diff', '--name-only', '--diff-filter=U', '-z'], { cwd: dir })).stdout);
      await run('git', ['rebase', '--abort'], { cwd: dir });
      const now = await headOid(dir);
      throw new GitError('rebase_conflict', `rebasing onto ${base} conflicts in ${files.length ? files.join(', ') : 'some files'}; the rebase was undone`
        + `${now === before ? '' : ' (but HEAD moved: check the branch)'}. Resolve the conflicts in the worktree (or ask the agent to).`, { files });
    }
    return { oid: (await headOid(dir))!, rebased: true };
  });
}
