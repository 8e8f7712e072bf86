// "Open pull request": push the branch and run `gh pr create`, when the GitHub CLI is installed and signed in.
// Otherwise a clear reason, before anything is pushed.
import { git, GitError, run } from './exec.js';

export interface PullRequest {
  dir: string;
  branch: string;
  base: string;
  title: string;
  body: string;
  draft?: boolean;
  /** The gh program (default `gh` on PATH). */
  gh?: string;
}

const GH_ENV = { GH_PROMPT_DISABLED: '1', GH_NO_UPDATE_NOTIFIER: '1', NO_COLOR: '1', GH_SPINNER_DISABLED: '1' };
const lastLines = (s: string, n = 4) => s.trim().split('\n').slice(-n).join(' ');

/** Why a pull request cannot be opened from `dir`, or null when it can (gh installed, signed in, a remote). */
export async function pullRequestBlocker(dir: string, gh = 'gh'): Promise<{ code: 'gh_unavailable' | 'no_remote'; message: string } | null> {
  let version;
  try { version = await run(gh, ['--version'], { cwd: dir, env: GH_ENV, timeoutMs: 15_000 }); } catch (e) {
    if (e instanceof GitError) return { code: 'gh_unavailable', message: 'the GitHub CLI (gh) is not installed; install it and run `gh auth login` to open pull requests from here' };
    throw e;
  }
  if (version.code !== 0) return { code: 'gh_unavailable', message: `gh does not run: ${lastLines(version.stderr)}` };
  const auth = await run(gh, ['auth', 'status'], { cwd: dir, env: GH_ENV, timeoutMs: 30_000 });
  if (auth.code !== 0) return { code: 'gh_unavailable', message: 'gh is not signed in to GitHub: run `gh auth login` in a terminal, then try again' };
  const remotes = (await git(dir, ['remote'], { readOnly: true })).stdout.toString('utf8').split('\n').filter(Boolean);
  if (!remotes.length) return { code: 'no_remote', message: 'the repository has no remote to push the branch to (git remote add origin <url>)' };
  return null;
}

/** Pushes the branch to `origin` (or the only remote) and opens a pull request into `base`; returns its URL. */
export async function openPullRequest(p: PullRequest): Promise<{ url: string; remote: string }> {
  const gh = p.gh ?? 'gh';
  const blocker = await pullRequestBlocker(p.dir, gh);
  if (blocker) throw new GitError(blocker.code, blocker.message);
  const remotes = (await git(p.dir, ['remote'], { readOnly: true })).stdout.toString('utf8').split('\n').filter(Boolean);
  const remote = remotes.includes('origin') ? 'origin' : remotes[0];
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(remote)) throw new GitError('no_remote', `the remote name ${JSON.stringify(remote)} is not one AreYouJ pushes to`);
  const push = await run('git', ['push', '--quiet', '--set-upstream', remote, `refs/heads/${p.branch}:refs/heads/${p.branch}`], { cwd: p.dir, timeoutMs: 180_000 });
  if (push.code !== 0) throw new GitError('push_failed', `git push to ${remote} failed: ${lastLines(push.stderr)}`);
  // --flag=value: a title or body starting with '-' stays a value.
  const args = ['pr', 'create', `--base=${p.base}`, `--head=${p.branch}`, `--title=${p.title}`, `--body=${p.body}`];
  if (p.draft) args.push('--draft');
  const r = await run(gh, args, { cwd: p.dir, env: GH_ENV, timeoutMs: 120_000 });
  if (r.code !== 0) throw new GitError('pr_failed', `gh pr create failed (the branch was pushed to ${remote}): ${lastLines(r.stderr)}`);
  const url = r.stdout.toString('utf8').trim().split('\n').reverse().find((l) => /^https?:\/\//.test(l)) ?? r.stdout.toString('utf8').trim();
  return { url, remote };
}
