// The real agent CLIs the tests drive offline live in their own package, test/clis/ (exact versions pinned in its
// package.json and lock), so that `npm install` of AreYouJ does not download them for every user. They are installed
// on demand: the first test that needs one runs `npm ci --prefix test/clis` (once, under a lock directory, so test
// files running in parallel processes wait for one install instead of racing two).
// To add a CLI: add it to test/clis/package.json, run `npm install --prefix test/clis --package-lock-only`, and add its
// binary to CLIS below (and to allowScripts there if it needs its install script, as Claude Code does).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';

export const CLIS_DIR = path.resolve(import.meta.dirname, '../clis');

/** CLI name → the npm package that provides it (its bin of the same name). */
export const CLIS = {
  claude: '@anthropic-ai/claude-code',
  codex: '@openai/codex',
  gemini: '@google/gemini-cli',
} as const;
export type CliName = keyof typeof CLIS;

/** An install taking longer than this is considered dead (its lock is taken over). */
const INSTALL_TIMEOUT_MS = 10 * 60_000;

export const cliBin = (name: string, dir = CLIS_DIR) => path.join(dir, 'node_modules', '.bin', name);
const lockOf = (dir: string) => path.join(dir, 'node_modules.lock');

function pinned(dir: string): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  return pkg.dependencies ?? {};
}

/** Every pinned package is installed at its pinned version and every binary is there. */
export function clisInstalled(dir = CLIS_DIR, bins: readonly string[] = Object.keys(CLIS)): boolean {
  for (const [name, version] of Object.entries(pinned(dir))) {
    try {
      const got = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
      // A pinned version must match; a file: or tarball spec only has to be installed.
      if (/^\d/.test(version) && got !== version) return false;
    } catch { return false; }
  }
  return bins.every((n) => fs.existsSync(cliBin(n, dir)));
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Takes the lock directory; false when another live process holds it. A lock left by a dead process is taken over. */
function tryLock(LOCK: string): boolean {
  try {
    fs.mkdirSync(LOCK);
    fs.writeFileSync(path.join(LOCK, 'owner'), `${process.pid} ${Date.now()}`);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let owner = '';
  try { owner = fs.readFileSync(path.join(LOCK, 'owner'), 'utf8'); } catch { /* being written or removed */ }
  const [pid, since] = owner.split(' ').map(Number);
  const stale = owner && (!alive(pid) || Date.now() - since > INSTALL_TIMEOUT_MS);
  if (!stale) {
    // An owner file that never appears (the holder died between mkdir and write) is stale after a while.
    try { if (!owner && Date.now() - fs.statSync(LOCK).mtimeMs > 30_000) fs.rmSync(LOCK, { recursive: true, force: true }); } catch { /* gone */ }
    return false;
  }
  fs.rmSync(LOCK, { recursive: true, force: true });
  return tryLock(LOCK);
}

function npmCi(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['ci', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error'], {
      stdio: ['ignore', 'ignore', 'pipe'], env: process.env,
    });
    let err = '';
    child.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve()
      : reject(new Error(`npm ci --prefix ${dir} failed (exit ${code}); the real CLIs are needed by this test:\n${err}`))));
  });
}

const installing = new Map<string, Promise<void>>();

/**
 * Installs the package in `dir` (default test/clis) once if anything is missing. Safe when several test processes
 * call it at once: one runs `npm ci` under a lock directory, the others wait for it.
 */
export function ensureClis(dir = CLIS_DIR, bins: readonly string[] = Object.keys(CLIS)): Promise<void> {
  if (clisInstalled(dir, bins)) return Promise.resolve();
  const LOCK = lockOf(dir);
  let p = installing.get(dir);
  if (!p) {
    p = (async () => {
      const deadline = Date.now() + INSTALL_TIMEOUT_MS;
      for (;;) {
        if (tryLock(LOCK)) {
          try {
            if (!clisInstalled(dir, bins)) await npmCi(dir);
          } finally {
            fs.rmSync(LOCK, { recursive: true, force: true });
          }
          if (!clisInstalled(dir, bins)) throw new Error(`npm ci --prefix ${dir} finished but its packages are not all installed at their pinned versions`);
          return;
        }
        // Another process is installing: wait for its lock to go (another process: there is no event to await here).
        if (Date.now() > deadline) throw new Error(`timed out waiting for another process installing ${dir} (lock ${LOCK})`);
        await new Promise((r) => setTimeout(r, 200));
        if (!fs.existsSync(LOCK) && clisInstalled(dir, bins)) return;
      }
    })().finally(() => installing.delete(dir));
    installing.set(dir, p);
  }
  return p;
}

/** The path of a CLI's binary in test/clis, installing the package first when needed. */
export async function cliPath(name: CliName): Promise<string> {
  await ensureClis();
  return cliBin(name);
}
