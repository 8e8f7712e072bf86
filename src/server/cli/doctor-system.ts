// `areyouj doctor`, the machine: Node.js against package.json's engines, the native modules (better-sqlite3 opens a
// database, node-pty runs a shell in a real pseudo-terminal), and the agent CLIs on PATH with their versions. Every
// probe has a deadline: a CLI that hangs is killed (its whole process group) and reported, never waited for.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DoctorCheck } from '../../common/doctor.js';
import { PACKAGE_ROOT } from '../config.js';

const REBUILD = `reinstall AreYouJ (npm install -g areyouj), or in ${PACKAGE_ROOT} run \`npm rebuild\`; building a native module needs python3, make and a C++ compiler when no prebuilt binary fits this platform`;

/** Compares dotted versions: negative, 0 or positive. */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d) return d;
  }
  return 0;
}

export function checkNode(version = process.versions.node): DoctorCheck {
  let range = '';
  try { range = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).engines?.node ?? ''; } catch { /* no package.json */ }
  const base = { id: 'node', title: 'Node.js', required: true, version, path: process.execPath };
  const m = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim());
  if (!m) return { ...base, status: 'ok', detail: `${version} (package.json states no minimum this check understands: ${JSON.stringify(range)})` };
  if (compareVersions(version, m[1]) >= 0) return { ...base, status: 'ok', detail: `${version} (needs ${range})` };
  return { ...base, status: 'fail', detail: `${version} is older than this AreYouJ needs (${range})`, fix: `install Node.js ${m[1]} or newer (https://nodejs.org, or your version manager: nvm install 22)` };
}

export async function checkSqlite(): Promise<DoctorCheck> {
  const base = { id: 'better-sqlite3', title: 'better-sqlite3', required: true };
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    try {
      const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      return { ...base, status: 'ok', detail: `loads; SQLite ${version}`, version };
    } finally { db.close(); }
  } catch (e) {
    return { ...base, status: 'fail', detail: `does not load: ${firstLine(e)}`, fix: REBUILD };
  }
}

const PTY_TIMEOUT_MS = 10_000;

/** node-pty loads and a pseudo-terminal really runs a shell: its output is read back through the terminal. */
export async function checkPty(): Promise<DoctorCheck> {
  const base = { id: 'node-pty', title: 'node-pty', required: true };
  if (process.platform === 'win32') return { ...base, status: 'warn', detail: 'not checked on Windows', fix: 'AreYouJ is made for Linux and macOS' };
  let pty: typeof import('node-pty');
  try { pty = await import('node-pty'); } catch (e) {
    return { ...base, status: 'fail', detail: `does not load: ${firstLine(e)}`, fix: REBUILD };
  }
  return new Promise<DoctorCheck>((resolve) => {
    let out = '';
    let term: import('node-pty').IPty;
    const failed = (why: string, fix = REBUILD) => resolve({ ...base, status: 'fail', detail: why, fix });
    try {
      term = pty.spawn('/bin/sh', ['-c', 'echo areyouj-doctor-$((6*7))'], { name: 'xterm-256color', cols: 80, rows: 24, cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    } catch (e) {
      failed(`loads, but cannot start a program in a pseudo-terminal: ${firstLine(e)}`,
        `check that node-pty's spawn-helper is executable (chmod +x ${path.join(PACKAGE_ROOT, 'node_modules/node-pty/build/Release/spawn-helper')}), then ${REBUILD}`);
      return;
    }
    const timer = setTimeout(() => { term.kill('SIGKILL'); failed(`a shell in a pseudo-terminal gave no output within ${PTY_TIMEOUT_MS / 1000} s`, 'check that /dev/ptmx and /dev/pts are available (in a container: mount devpts)'); }, PTY_TIMEOUT_MS);
    term.onData((d) => { out += d; });
    term.onExit(({ exitCode }) => {
      clearTimeout(timer);
      if (/areyouj-doctor-42/.test(out)) resolve({ ...base, status: 'ok', detail: 'loads; /bin/sh ran in a pseudo-terminal' });
      else failed(`a shell in a pseudo-terminal exited (code ${exitCode}) without its output: ${JSON.stringify(out.slice(0, 200))}`);
    });
  });
}

/** The CLIs AreYouJ drives or uses, what each is for, and how to install it. All optional: any terminal program can be an agent. */
export const CLIS: { name: string; purpose: string; install: string }[] = [
  { name: 'claude', purpose: 'Claude Code agents', install: 'npm install -g @anthropic-ai/claude-code' },
  { name: 'codex', purpose: 'Codex agents', install: 'npm install -g @openai/codex' },
  { name: 'gemini', purpose: 'Gemini CLI agents', install: 'npm install -g @google/gemini-cli' },
  { name: 'aider', purpose: 'Aider agents', install: 'python -m pip install aider-install && aider-install (https://aider.chat)' },
  { name: 'git', purpose: 'worktrees per instance and the changes panel', install: 'install git (Debian/Ubuntu: apt-get install git; macOS: xcode-select --install)' },
  { name: 'gh', purpose: 'opening pull requests', install: 'install the GitHub CLI (https://cli.github.com), then gh auth login' },
];

/** The first executable called `name` on PATH (as a shell would find it), or null. */
export function which(name: string, pathVar = process.env.PATH ?? ''): string | null {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      if (fs.statSync(p).isFile()) { fs.accessSync(p, fs.constants.X_OK); return p; }
    } catch { /* not here */ }
  }
  return null;
}

/** Runs `file --version` with a deadline; resolves with its first line of output, or why there is none. */
export function versionOf(file: string, timeoutMs: number): Promise<{ line: string } | { error: string }> {
  return new Promise((resolve) => {
    let out = '';
    let done = false;
    const finish = (r: { line: string } | { error: string }) => { if (!done) { done = true; clearTimeout(timer); resolve(r); } };
    // Its own process group, so that a hung CLI is killed with whatever it started; stdin closed (nothing to answer).
    const child = spawn(file, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, NO_COLOR: '1' } });
    const timer = setTimeout(() => {
      const r = { error: `did not answer --version within ${timeoutMs / 1000} s` };
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { finish(r); return; }
      // Reported once it is gone (SIGKILL cannot be ignored; the second timer covers a process stuck in the kernel).
      child.once('exit', () => finish(r));
      setTimeout(() => finish(r), 2000).unref();
    }, timeoutMs);
    let err = '';
    child.stdout.on('data', (d: Buffer) => { if (out.length < 4096) out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { if (err.length < 4096) err += d.toString(); });
    child.on('error', (e) => finish({ error: `cannot run: ${e.message}` }));
    child.on('close', (code) => { // after the output is read to its end
      const first = (t: string) => t.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
      const line = first(out) || first(err); // the version on stdout; some CLIs print it on stderr
      if (code === 0 && line) finish({ line });
      else finish({ error: `--version exited with code ${code}${line ? `: ${line.slice(0, 200)}` : ''}` });
    });
  });
}

export async function checkCli(cli: (typeof CLIS)[number], timeoutMs: number, pathVar = process.env.PATH ?? ''): Promise<DoctorCheck> {
  const base = { id: `cli:${cli.name}`, title: cli.name, required: false };
  const file = which(cli.name, pathVar);
  if (!file) return { ...base, status: 'warn', detail: `not on PATH (used for ${cli.purpose})`, fix: cli.install };
  const r = await versionOf(file, timeoutMs);
  if ('error' in r) return { ...base, status: 'warn', detail: `found, but it ${r.error}`, path: file, fix: `check that \`${file} --version\` works in a terminal` };
  const version = /\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?/.exec(r.line)?.[0];
  return { ...base, status: 'ok', detail: r.line.slice(0, 200), path: file, ...(version ? { version } : {}) };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0].slice(0, 300);
}
