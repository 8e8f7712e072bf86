// Running the real `git` (and `gh`): child processes with argument arrays (never a shell), bounded output, a timeout,
// a clean environment, and a cap on how many run at once so that many viewers of many instances cannot fork-bomb
// a 2-core machine. Nothing here blocks the event loop.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { DomainError, type DomainErrorKind } from '../errors.js';

/** A failure the user can act on: `code` names it for the API, `details` carries what is useful (files, counts). */
export class GitError extends DomainError {
  constructor(override readonly code: GitErrorCode, message: string, details?: unknown) {
    super(KIND[code], code, message, details);
  }
}
export type GitErrorCode =
  | 'not_a_repository' | 'invalid_ref' | 'invalid_path' | 'missing_base' | 'detached_head' | 'dirty_base'
  | 'uncommitted_changes' | 'nothing_to_commit' | 'nothing_to_merge' | 'merge_conflict' | 'rebase_conflict'
  | 'not_fast_forward' | 'unmerged_work' | 'branch_exists' | 'worktree_missing' | 'gh_unavailable' | 'no_remote'
  | 'push_failed' | 'pr_failed' | 'git_failed' | 'git_missing';

const KIND: Record<GitErrorCode, DomainErrorKind> = {
  invalid_ref: 'invalid', invalid_path: 'invalid',
  not_a_repository: 'conflict', missing_base: 'conflict', detached_head: 'conflict', dirty_base: 'conflict', uncommitted_changes: 'conflict',
  nothing_to_commit: 'conflict', nothing_to_merge: 'conflict', merge_conflict: 'conflict', rebase_conflict: 'conflict',
  not_fast_forward: 'conflict', unmerged_work: 'conflict', branch_exists: 'conflict', worktree_missing: 'conflict', gh_unavailable: 'conflict',
  no_remote: 'conflict', push_failed: 'failed', pr_failed: 'failed', git_failed: 'failed', git_missing: 'failed',
};

export interface RunResult { code: number; stdout: Buffer; stderr: string; truncated: boolean }
export interface RunOptions {
  cwd: string;
  /** Exit codes that are not failures (default [0]). */
  ok?: number[];
  /** Stop reading stdout past this many bytes and mark the result truncated (default 64 MiB). */
  maxBytes?: number;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Reads never take git's optional locks (the agent may be running git in the same worktree). */
  readOnly?: boolean;
}

const MAX_PARALLEL = 6; // git processes at once, server-wide
const DEFAULT_TIMEOUT_MS = 120_000;
const STDERR_CAP = 64 * 1024;

let running = 0;
const waiting: (() => void)[] = [];
async function slot(): Promise<() => void> {
  if (running >= MAX_PARALLEL) await new Promise<void>((r) => waiting.push(r));
  running++;
  return () => { running--; waiting.shift()?.(); };
}

/** The environment every git child gets: ours, minus variables that would point git elsewhere, plus no prompts. */
function gitEnv(extra: Record<string, string> | undefined, readOnly: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'AREYOUJ_TOKEN') continue;
    if (/^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|NAMESPACE|CEILING_DIRECTORIES|PREFIX)$/.test(k)) continue;
    env[k] = v;
  }
  Object.assign(env, { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '', LC_ALL: 'C', LANGUAGE: 'C', GIT_PAGER: 'cat', PAGER: 'cat', GIT_EDITOR: 'true' });
  if (readOnly) env.GIT_OPTIONAL_LOCKS = '0';
  return { ...env, ...extra };
}

// spawn() forks the server, which holds the event loop for a few milliseconds (more the larger the server's memory):
// one spawn per turn of the event loop, so that requests are served between them instead of after a burst.
const spawnQueue: (() => void)[] = [];
let pumping = false;
function paced(): Promise<void> {
  return new Promise<void>((resolve) => {
    spawnQueue.push(resolve);
    if (!pumping) pump();
  });
}
function pump() {
  const next = spawnQueue.shift();
  if (!next) { pumping = false; return; }
  pumping = true;
  next();
  setImmediate(pump);
}

/** Runs a program with arguments; resolves with its exit code and output (it never rejects for a non-zero exit). */
export async function run(program: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const release = await slot();
  try {
    await paced();
    return await new Promise<RunResult>((resolve, reject) => {
      const child = spawn(program, args, { cwd: opts.cwd, env: gitEnv(opts.env, !!opts.readOnly), stdio: ['ignore', 'pipe', 'pipe'] });
      const max = opts.maxBytes ?? 64 * 1024 * 1024;
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => {
        if (truncated) return;
        if (size + b.length > max) {
          chunks.push(b.subarray(0, max - size));
          size = max;
          truncated = true;
          child.kill('SIGKILL');
          return;
        }
        chunks.push(b);
        size += b.length;
      });
      child.stderr.on('data', (b: Buffer) => { if (stderr.length < STDERR_CAP) stderr += b.toString('utf8'); });
      const timer = setTimeout(() => { stderr += `\n(killed after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms)`; child.kill('SIGKILL'); }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (e.code === 'ENOENT' && !fs.existsSync(opts.cwd)) reject(new GitError('worktree_missing', `the folder ${opts.cwd} does not exist`));
        else if (e.code === 'ENOENT') reject(new GitError(program === 'git' ? 'git_missing' : 'gh_unavailable', `${program} is not installed (not found on PATH)`));
        else reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: truncated ? 0 : code ?? -1, stdout: Buffer.concat(chunks, size), stderr, truncated });
      });
    });
  } finally { release(); }
}

// Options that keep a repository's own configuration from running programs or changing the output we parse.
const SAFE = ['-c', 'core.quotepath=false', '-c', 'color.ui=false', '-c', 'core.fsmonitor=false', '--no-pager', '--literal-pathspecs'];

/** `git <args>` in `cwd`; a failing exit becomes a GitError('git_failed') with git's own message. */
export async function git(cwd: string, args: string[], opts: Omit<RunOptions, 'cwd'> = {}): Promise<RunResult> {
  const r = await run('git', [...SAFE, ...args], { ...opts, cwd });
  if (!(opts.ok ?? [0]).includes(r.code)) throw failed(args, r);
  return r;
}

/** git's stdout as text, trailing newline removed. */
export async function gitText(cwd: string, args: string[], opts: Omit<RunOptions, 'cwd'> = {}): Promise<string> {
  return (await git(cwd, args, opts)).stdout.toString('utf8').replace(/\n$/, '');
}

export function failed(args: string[], r: RunResult): GitError {
  const msg = r.stderr.trim().split('\n').filter((l) => !/^(hint|warning):/.test(l)).slice(-6).join('\n') || `exit code ${r.code}`;
  return new GitError('git_failed', `git ${args[0]} failed: ${msg}`, { exitCode: r.code });
}

/** Splits NUL-separated output; the trailing empty field is dropped. */
export function zsplit(b: Buffer | string): string[] {
  const s = typeof b === 'string' ? b : b.toString('utf8');
  const parts = s.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** One operation at a time per repository for everything that writes (refs, index, worktrees). */
const locks = new Map<string, Promise<unknown>>();
export function withRepoLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const tail = next.catch(() => undefined);
  locks.set(key, tail);
  void tail.then(() => { if (locks.get(key) === tail) locks.delete(key); });
  return next;
}
