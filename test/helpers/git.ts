// Real git repositories in temp folders for the worktree, changes and merge tests.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './server.js';

const ENV = {
  ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C',
};

/** Runs git synchronously in `cwd` (test setup and assertions only); returns trimmed stdout. */
export function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function write(dir: string, rel: string, content: string | Buffer) {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), content);
}

export const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel), 'utf8');

/** A repository on `main` with a few committed files and a local identity (so commits work on any machine). */
export function makeRepo(files: Record<string, string> = { 'README.md': '# demo\n', 'src/app.ts': lines(20, 'app') }): string {
  const dir = tempDir('areyouj-repo-');
  sh(dir, 'init', '--quiet', '--initial-branch=main');
  sh(dir, 'config', 'user.name', 'Test');
  sh(dir, 'config', 'user.email', 'test@example.com');
  for (const [f, c] of Object.entries(files)) write(dir, f, c);
  sh(dir, 'add', '-A');
  sh(dir, 'commit', '--quiet', '-m', 'initial');
  return dir;
}

export function lines(n: number, word = 'line'): string {
  return Array.from({ length: n }, (_, i) => `${word} ${i + 1}`).join('\n') + '\n';
}

export const branches = (dir: string) => sh(dir, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/').split('\n').filter(Boolean);
export const statusOf = (dir: string) => sh(dir, 'status', '--porcelain=v1', '--untracked-files=all');
