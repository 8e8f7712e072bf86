// A repository as the user has it: is this folder one, which branch is checked out, which worktrees exist, and the
// checks every ref and path from a user goes through before it reaches git.
import path from 'node:path';
import { git, GitError, gitText, run, zsplit } from './exec.js';

export interface RepoInfo {
  /** The top of the working tree that contains the folder. */
  root: string;
  /** The repository's shared .git directory (the same for all of its worktrees). */
  commonDir: string;
  /** The checked-out branch (without refs/heads/), or null on a detached HEAD. */
  branch: string | null;
  head: string | null;
}

/** The repository around `dir`, or null when `dir` is not inside a git working tree. */
export async function repoInfo(dir: string): Promise<RepoInfo | null> {
  const r = await run('git', ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir'], { cwd: dir, readOnly: true });
  if (r.code !== 0) {
    if (/not a git repository/i.test(r.stderr)) return null;
    if (/dubious ownership/i.test(r.stderr)) throw new GitError('not_a_repository', `git refuses ${dir}: it is owned by another user (see git's safe.directory)`);
    if (/must be run in a work tree/i.test(r.stderr)) return null; // inside .git or a bare repository
    throw new GitError('git_failed', `git cannot read ${dir}: ${r.stderr.trim()}`);
  }
  const [root, commonDir] = r.stdout.toString('utf8').trim().split('\n');
  const sym = await run('git', ['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: root, readOnly: true });
  const head = await run('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: root, readOnly: true });
  return {
    root, commonDir,
    branch: sym.code === 0 ? sym.stdout.toString('utf8').trim() : null,
    head: head.code === 0 ? head.stdout.toString('utf8').trim() : null,
  };
}

export async function requireRepo(dir: string): Promise<RepoInfo> {
  const info = await repoInfo(dir);
  if (!info) throw new GitError('not_a_repository', `${dir} is not in a git repository`);
  return info;
}

/**
 * A branch name from a user (or built from one): a valid ref under refs/heads/ as `git check-ref-format` says, and not
 * something git would expand (`@{-1}`) or take for an option (`-x`).
 */
export async function checkBranchName(name: string, field = 'branch'): Promise<string> {
  const bad = () => new GitError('invalid_ref', `${JSON.stringify(name)} is not a valid branch name`, { field });
  if (!name || name.length > 200 || name.startsWith('-') || name.includes('@{') || name === 'HEAD' || /[\0\n]/.test(name)) throw bad();
  const r = await run('git', ['check-ref-format', `refs/heads/${name}`], { cwd: '/' });
  if (r.code !== 0) throw bad();
  return name;
}

export async function branchOid(cwd: string, branch: string): Promise<string | null> {
  const r = await run('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], { cwd, readOnly: true });
  return r.code === 0 ? r.stdout.toString('utf8').trim() : null;
}

export async function branchExists(cwd: string, branch: string): Promise<boolean> {
  return (await branchOid(cwd, branch)) !== null;
}

export interface WorktreeEntry { path: string; head: string | null; branch: string | null; bare: boolean; prunable: boolean }

export async function listWorktrees(cwd: string): Promise<WorktreeEntry[]> {
  const out: WorktreeEntry[] = [];
  let cur: WorktreeEntry | null = null;
  for (const line of zsplit((await git(cwd, ['worktree', 'list', '--porcelain', '-z'], { readOnly: true })).stdout)) {
    if (line.startsWith('worktree ')) {
      cur = { path: line.slice(9), head: null, branch: null, bare: false, prunable: false };
      out.push(cur);
    } else if (!cur) continue;
    else if (line.startsWith('HEAD ')) cur.head = line.slice(5);
    else if (line.startsWith('branch ')) cur.branch = line.slice(7).replace(/^refs\/heads\//, '');
    else if (line === 'bare') cur.bare = true;
    else if (line.startsWith('prunable')) cur.prunable = true;
  }
  return out;
}

/** The working tree where `branch` is checked out, if any. */
export async function checkoutOf(cwd: string, branch: string): Promise<WorktreeEntry | undefined> {
  return (await listWorktrees(cwd)).find((w) => w.branch === branch && !w.bare && !w.prunable);
}

/** Tracked files with uncommitted changes (staged or not) in a working tree; untracked files are not counted. */
export async function dirtyFiles(dir: string): Promise<string[]> {
  const r = await git(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=no', '--ignore-submodules=dirty'], { readOnly: true });
  const files: string[] = [];
  const parts = zsplit(r.stdout);
  for (let i = 0; i < parts.length; i++) {
    const e = parts[i];
    files.push(e.slice(3));
    if (e[0] === 'R' || e[0] === 'C') i++; // the original path follows a rename
  }
  return files;
}

/** A path inside a working tree given by a user: relative, normalized, not escaping it, not into .git. */
export function checkRelPath(p: string, field = 'path'): string {
  const bad = (why: string) => new GitError('invalid_path', `${JSON.stringify(p)}: ${why}`, { field });
  if (typeof p !== 'string' || !p || p.length > 4096 || p.includes('\0')) throw bad('not a file path');
  if (path.isAbsolute(p) || /^[A-Za-z]:/.test(p)) throw bad('must be relative to the working tree');
  const norm = path.posix.normalize(p.replace(/\\/g, '/'));
  if (norm === '..' || norm.startsWith('../') || norm === '.' || norm.split('/').some((s) => s.toLowerCase() === '.git')) throw bad('outside the working tree');
  return norm;
}

export async function headOid(dir: string): Promise<string | null> {
  const r = await run('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: dir, readOnly: true });
  return r.code === 0 ? r.stdout.toString('utf8').trim() : null;
}

export async function mergeBase(dir: string, a: string, b: string): Promise<string | null> {
  const r = await run('git', ['merge-base', a, b], { cwd: dir, readOnly: true });
  return r.code === 0 ? r.stdout.toString('utf8').trim() : null;
}

/** Commits reachable from `to` and not from `from`. */
export async function countBetween(dir: string, from: string, to: string): Promise<number> {
  return Number(await gitText(dir, ['rev-list', '--count', `${from}..${to}`], { readOnly: true }));
}
