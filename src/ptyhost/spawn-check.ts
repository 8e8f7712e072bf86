// Checks made before spawning, so that a bad command or directory is a clear error and never a crash.
import fs from 'node:fs';
import path from 'node:path';

export type SpawnErrorCode = 'command_not_found' | 'cwd_not_found' | 'spawn_failed' | 'log_failed';

export class SpawnError extends Error {
  constructor(readonly code: SpawnErrorCode, message: string) {
    super(message);
    this.name = 'SpawnError';
  }
}

/** execvp's default search path, used when the environment has no PATH. */
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

export function checkCwd(cwd: string): void {
  let st: fs.Stats;
  try { st = fs.statSync(cwd); } catch { throw new SpawnError('cwd_not_found', `directory does not exist: ${cwd}`); }
  if (!st.isDirectory()) throw new SpawnError('cwd_not_found', `not a directory: ${cwd}`);
}

function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves `command` the way the child will (chdir(cwd), then execvp with the child's environment):
 * a name with a slash is a path relative to cwd, a bare name is looked up on env.PATH.
 * Returns the absolute path; throws SpawnError('command_not_found').
 */
export function resolveCommand(command: string, cwd: string, env: Record<string, string | undefined>): string {
  if (!command) throw new SpawnError('command_not_found', 'command not found: (empty)');
  if (command.includes('/')) {
    const p = path.resolve(cwd, command);
    if (isExecutableFile(p)) return p;
    const why = fs.existsSync(p) ? 'not an executable file' : 'command not found';
    throw new SpawnError('command_not_found', `${why}: ${command}`);
  }
  for (const dir of (env.PATH ?? DEFAULT_PATH).split(':')) {
    const p = path.resolve(cwd, dir || '.', command);
    if (isExecutableFile(p)) return p;
  }
  throw new SpawnError('command_not_found', `command not found: ${command}`);
}

/**
 * Pids of the processes whose session id is `sid` (Linux /proc; empty elsewhere). node-pty makes the
 * child a session leader, so this finds its descendants even when they moved to other process groups
 * (an interactive shell's background jobs), unless they called setsid() themselves.
 */
export function sessionMembers(sid: number, includeZombies = true): number[] {
  if (process.platform !== 'linux') return [];
  const out: number[] = [];
  let names: string[];
  try { names = fs.readdirSync('/proc'); } catch { return out; }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      // pid (comm) state ppid pgrp session ...; comm may contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[3]) === sid && (includeZombies || fields[0] !== 'Z')) out.push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/**
 * Waits until no live process (zombies aside) is left in session `sid`: a signal is delivered
 * asynchronously, so right after kill() the target may still run. Bounded by timeoutMs.
 */
/** Whether a process is running (a zombie has exited: it only waits for its parent). */
function running(pid: number): boolean {
  try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1')); } catch { return false; }
}

/** Waits until the session and the given processes are gone; false if they are still there after timeoutMs. */
export async function waitSessionGone(sid: number, timeoutMs = 2000, pids: Iterable<number> = []): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    if (sessionMembers(sid, false).length === 0 && ![...pids].some(running)) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, delay));
  }
}

/**
 * Every descendant of `root` (children, grandchildren…), found by parent pid. This catches the processes a
 * program starts in a session of their own (setsid), which are not in its process group or pty session:
 * Claude Code runs its tools that way.
 */
export function descendants(root: number): number[] {
  if (process.platform !== 'linux') return [];
  const children = new Map<number, number[]>();
  let names: string[];
  try { names = fs.readdirSync('/proc'); } catch { return []; }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid);
      if (list) list.push(Number(name)); else children.set(ppid, [Number(name)]);
    } catch { /* gone meanwhile */ }
  }
  const out: number[] = [];
  for (let queue = [root]; queue.length;) {
    for (const kid of children.get(queue.pop()!) ?? []) { out.push(kid); queue.push(kid); }
  }
  return out;
}

/** Whether process `pid` ignores signal number `signo` (Linux /proc SigIgn; false when unknown). */
export function ignoresSignal(pid: number, signo: number): boolean {
  try {
    const m = /^SigIgn:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? ((BigInt(`0x${m[1]}`) >> BigInt(signo - 1)) & 1n) === 1n : false;
  } catch {
    return false;
  }
}

/** Sends `sig` to the process group `pgid` and every process of the session `pgid`; never throws. */
export function signalTree(pgid: number, sig: NodeJS.Signals, extra: Iterable<number> = []): void {
  try { process.kill(-pgid, sig); } catch { /* ESRCH: the group is gone */ }
  for (const pid of new Set([...sessionMembers(pgid), ...extra])) {
    try { process.kill(pid, sig); } catch { /* gone */ }
  }
}

// ---------- descriptor isolation ----------
// No program may inherit a descriptor of another: node-pty (1.1.0, the latest stable release) leaves every pty master
// it opens without FD_CLOEXEC, so each program it starts inherits the masters of all the terminals opened before it
// (node-pty #657) and could read or type into them. Node cannot call fcntl(2) to mark them close-on-exec, and the
// upstream fix (1.2.0 pre-releases, PR #867: close_range in the child) is, in the published Linux prebuild, the
// fallback loop that stops at the first closed descriptor above 15 (measured: a child still saw 16 of 19 masters).
// So on Linux every program starts through this bash trampoline: it closes every descriptor above 2 listed in
// /proc/self/fd, then execs the program (same pid, argv[0] as given; ~2 ms). --posix: bash reads no startup
// file (not even $BASH_ENV) and leaves the environment as it is. macOS: node-pty spawns with
// POSIX_SPAWN_CLOEXEC_DEFAULT, nothing to do.
// bash unsets PS1 and PS2 (non-interactive) and adds PWD: the trampoline gets them through AREYOUJ_X_* and puts the
// environment back as it was given (SHLVL=0 is added when the environment had none: equivalent for every shell).
const TRAMPOLINE = 'for f in /proc/self/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; '
  + '[ -n "${AREYOUJ_X_PS1+x}" ] && export PS1="$AREYOUJ_X_PS1"; [ -n "${AREYOUJ_X_PS2+x}" ] && export PS2="$AREYOUJ_X_PS2"; '
  + 'for v in $AREYOUJ_X_UNSET; do unset "$v"; done; unset AREYOUJ_X_PS1 AREYOUJ_X_PS2 AREYOUJ_X_UNSET; '
  + 'a0=$1; shift; exec -a "$a0" "$@"';
export const TRAMPOLINE_NAME = 'areyouj-exec';
let bashPath: string | null | undefined;

/**
 * The file, arguments and environment that start `file` (resolved) with `args` and `env`, with nothing inherited
 * above fd 2.
 */
export function isolatedSpawn(file: string, argv0: string, args: string[], env: Record<string, string>):
  { file: string; args: string[]; env: Record<string, string>; isolated: boolean } {
  if (process.platform !== 'linux') return { file, args, env, isolated: true };
  if (bashPath === undefined) {
    bashPath = ['/bin/bash', '/usr/bin/bash', '/usr/local/bin/bash'].find(isExecutableFile) ?? null;
    if (!bashPath) console.error('[ptyhost] bash not found: programs may inherit other terminals\' descriptors (node-pty #657)');
  }
  if (!bashPath) return { file, args, env, isolated: false };
  const e = { ...env };
  for (const k of ['PS1', 'PS2']) if (k in e) { e[`AREYOUJ_X_${k}`] = e[k]; delete e[k]; }
  if (!('PWD' in e)) e.AREYOUJ_X_UNSET = 'PWD';
  return { file: bashPath, args: ['--posix', '-c', TRAMPOLINE, TRAMPOLINE_NAME, argv0, file, ...args], env: e, isolated: true };
}
