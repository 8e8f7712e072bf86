// One worktree per instance: a new branch from a base the user picked, in a folder under <home>/docs/worktrees/,
// outside the user's working tree; and its removal, which never loses work the user did not agree to lose.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { git, GitError, gitText, run, withRepoLock, zsplit } from './exec.js';
import { branchExists, branchOid, checkBranchName, checkoutOf, dirtyFiles, listWorktrees, requireRepo } from './repo.js';

export const BRANCH_PREFIX = 'areyouj/';

/**
 * Where an agent whose project is `projectPath` runs in a worktree of the repository at `repoRoot`: the same folder
 * inside the worktree (a project may be a subfolder of its repository).
 */
export function cwdIn(worktreePath: string, repoRoot: string, projectPath: string): string {
  const rel = path.relative(repoRoot, projectPath);
  return !rel || rel.startsWith('..') || path.isAbsolute(rel) ? worktreePath : path.join(worktreePath, rel);
}

/** Lower-case ASCII words joined by '-', at most `max` characters: safe in a ref and a folder name. */
export function slug(s: string, max = 40): string {
  const out = s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return out.slice(0, max).replace(/-+$/, '') || 'agent';
}

/** What the new branch is named after: an agent (`areyouj/<agent>-<n>`) or a task (`areyouj/task-<id>-<title>`). */
export type BranchFor = { agent: string } | { taskId: string; title: string };

/** The first free name for a new branch (and its folder). */
export async function newBranchName(repoDir: string, worktreesDir: string, f: BranchFor): Promise<string> {
  const stem = 'agent' in f ? `${BRANCH_PREFIX}${slug(f.agent, 30)}-` : `${BRANCH_PREFIX}task-${f.taskId.replace(/\./g, '-')}-${slug(f.title, 40)}`;
  // Ref names cannot hold a newline, so one per line is safe.
  const refs = (await git(repoDir, ['for-each-ref', '--format=%(refname)', `refs/heads/${BRANCH_PREFIX}`], { readOnly: true })).stdout.toString('utf8');
  const taken = new Set(refs.split('\n').filter(Boolean).map((r) => r.replace(/^refs\/heads\//, '')));
  for (let n = 1; n < 10_000; n++) {
    const name = 'agent' in f ? `${stem}${n}` : n === 1 ? stem : `${stem}-${n}`;
    if (!taken.has(name) && !fs.existsSync(path.join(worktreesDir, folderName(name)))) return checkBranchName(name);
  }
  throw new GitError('branch_exists', `no free branch name starting with ${stem}`);
}

const folderName = (branch: string) => branch.replace(/^areyouj\//, '').replace(/[^A-Za-z0-9._-]+/g, '-');

/** <worktreesRoot>/<repo>-<hash>: one folder per repository, so that two repositories named alike never share one. */
export function worktreesDirFor(worktreesRoot: string, repoRoot: string, commonDir: string): string {
  const id = createHash('sha1').update(commonDir).digest('hex').slice(0, 8);
  return path.join(worktreesRoot, `${slug(path.basename(repoRoot), 40)}-${id}`);
}

export interface Worktree {
  dir: string;
  branch: string;
  base: string;
  /** The base branch's commit the worktree started from. */
  baseOid: string;
  repoRoot: string;
}

export interface CreateWorktree {
  project: string;
  /** <home>/docs/worktrees */
  worktreesRoot: string;
  /** The branch to start from (default: the project's current branch). */
  base?: string;
  for: BranchFor;
}

/**
 * Creates the worktree and its branch. Refuses (and creates nothing) when the project is not a repository, the base
 * branch does not exist, or the working tree where the base is checked out has uncommitted changes to tracked files:
 * the new branch would start without them, and landing it later would merge into a tree with edits of its own.
 */
export async function createWorktree(o: CreateWorktree): Promise<Worktree> {
  const repo = await requireRepo(o.project);
  const base = o.base ?? repo.branch;
  if (!base) throw new GitError('detached_head', `${repo.root} is on a detached HEAD: pick the branch to start from`, { field: 'base' });
  await checkBranchName(base, 'base');
  return withRepoLock(repo.commonDir, async () => {
    const baseOid = await branchOid(repo.root, base);
    if (!baseOid) throw new GitError('missing_base', `the base branch ${JSON.stringify(base)} does not exist in ${repo.root}`, { field: 'base' });
    const checkedOut = await checkoutOf(repo.root, base);
    if (checkedOut) {
      const dirty = await dirtyFiles(checkedOut.path);
      if (dirty.length) {
        throw new GitError('dirty_base', `${base} has uncommitted changes in ${checkedOut.path} (${dirty.length} file${dirty.length > 1 ? 's' : ''}: `
          + `${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', …' : ''}). The agent would start without them and merging its work back would `
          + 'meet them: commit or stash them first, or pick another base.', { field: 'base', files: dirty.slice(0, 100), count: dirty.length });
      }
    }
    const parent = worktreesDirFor(o.worktreesRoot, repo.root, repo.commonDir);
    fs.mkdirSync(o.worktreesRoot, { recursive: true, mode: 0o700 });
    fs.chmodSync(o.worktreesRoot, 0o700);
    fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
    excludeIfInside(repo.root, repo.commonDir, o.worktreesRoot);
    const branch = await newBranchName(repo.root, parent, o.for);
    const dir = path.join(parent, folderName(branch));
    await git(repo.root, ['worktree', 'add', '--quiet', '--no-track', '-b', branch, dir, baseOid]);
    return { dir, branch, base, baseOid, repoRoot: repo.root };
  });
}

/** When the worktrees live inside the repository's own working tree (home = project), git must not see them there. */
function excludeIfInside(root: string, commonDir: string, worktreesRoot: string) {
  const rel = path.relative(root, worktreesRoot);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return;
  const file = path.join(commonDir, 'info', 'exclude');
  const line = `/${rel.split(path.sep).join('/')}/`;
  const cur = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (cur.split('\n').includes(line)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `${cur && !cur.endsWith('\n') ? '\n' : ''}# AreYouJ's agent worktrees\n${line}\n`);
}

export interface Unmerged {
  /** Commits on the branch not on its base. */
  ahead: number;
  /** Merging the branch into its base would change nothing (it was merged, squashed, or holds nothing new). */
  merged: boolean;
  /** Files in the worktree not committed (untracked files included: they are work too). */
  uncommitted: string[];
}

/** What deleting this worktree and branch would lose. */
export async function unmergedWork(repoDir: string, w: { dir: string; branch: string; base: string }): Promise<Unmerged> {
  let uncommitted: string[] = [];
  if (fs.existsSync(w.dir)) {
    const st = await git(w.dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all'], { readOnly: true });
    const parts = zsplit(st.stdout);
    for (let i = 0; i < parts.length; i++) {
      uncommitted.push(parts[i].slice(3));
      if (parts[i][0] === 'R' || parts[i][0] === 'C') i++;
    }
  }
  const tip = await branchOid(repoDir, w.branch);
  const baseTip = await branchOid(repoDir, w.base);
  if (!tip) return { ahead: 0, merged: true, uncommitted };
  if (!baseTip) {
    // The base is gone: nothing tells us the work is safe elsewhere.
    const n = Number(await gitText(repoDir, ['rev-list', '--count', tip, '--not', '--exclude', `refs/heads/${w.branch}`, '--branches'], { readOnly: true }));
    return { ahead: n, merged: n === 0, uncommitted };
  }
  const ahead = Number(await gitText(repoDir, ['rev-list', '--count', `${baseTip}..${tip}`], { readOnly: true }));
  if (ahead === 0) return { ahead, merged: true, uncommitted };
  const mt = await run('git', ['merge-tree', '--write-tree', '--name-only', '-z', baseTip, tip], { cwd: repoDir, readOnly: true });
  const tree = zsplit(mt.stdout)[0];
  const baseTree = await gitText(repoDir, ['rev-parse', `${baseTip}^{tree}`], { readOnly: true });
  return { ahead, merged: mt.code === 0 && tree === baseTree, uncommitted };
}

/**
 * Removes the worktree and deletes its branch. Without `force`, refuses when that would lose work: commits whose
 * changes are not on the base, or uncommitted files. Both stay as they were when it refuses.
 */
export async function discardWorktree(repoDir: string, w: { dir: string; branch: string; base: string }, force: boolean):
  Promise<{ removedDir: boolean; deletedBranch: boolean }> {
  const repo = await requireRepo(repoDir);
  return withRepoLock(repo.commonDir, async () => {
    const u = await unmergedWork(repo.root, w);
    if (!force && (!u.merged || u.uncommitted.length)) {
      const what = [
        !u.merged ? `${u.ahead} commit${u.ahead === 1 ? '' : 's'} not merged into ${w.base}` : '',
        u.uncommitted.length ? `${u.uncommitted.length} uncommitted file${u.uncommitted.length === 1 ? '' : 's'}` : '',
      ].filter(Boolean).join(' and ');
      throw new GitError('unmerged_work', `${w.branch} has ${what}; discarding deletes them. Confirm to discard anyway.`,
        { ahead: u.ahead, merged: u.merged, uncommitted: u.uncommitted.slice(0, 100), uncommittedCount: u.uncommitted.length });
    }
    const registered = (await listWorktrees(repo.root)).find((x) => path.resolve(x.path) === path.resolve(w.dir));
    let removedDir = false;
    if (registered) {
      await git(repo.root, ['worktree', 'remove', '--force', '--force', w.dir]);
      removedDir = true;
    } else {
      await git(repo.root, ['worktree', 'prune']);
    }
    let deletedBranch = false;
    if (await branchExists(repo.root, w.branch)) {
      const elsewhere = await checkoutOf(repo.root, w.branch);
      if (elsewhere) throw new GitError('git_failed', `${w.branch} is checked out in ${elsewhere.path}; switch that working tree to another branch first`);
      await git(repo.root, ['branch', '-D', '--', w.branch]);
      deletedBranch = true;
    }
    return { removedDir, deletedBranch };
  });
}

export { dirtyFiles };
