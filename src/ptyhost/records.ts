// Session records: one owner-only JSON file per session (<home>/docs/run/ptyhost/sessions/<id>.json), written when
// the program starts and when it ends, removed when the server releases the session. They outlive the pty host:
// a host that starts finds the records a lost host left, reaps what still runs of those sessions (so nothing keeps
// running unseen) and reports them as lost; a session that ended before its host was lost is reported with its exit.
//
// Which processes belong to a session: every program starts with AREYOUJ_PTY_SESSION=<id> in its environment, which
// its descendants inherit, even those that left its process group and session (setsid, as Claude Code's tools do);
// plus the leader's process group and session, when the leader is still the process recorded (same start time).
// After a reboot (another boot id) nothing of it can be running.
import fs from 'node:fs';
import path from 'node:path';
import type { WireExit } from './protocol.js';
import { descendants, sessionMembers } from './spawn-check.js';

export const MARKER_ENV = 'AREYOUJ_PTY_SESSION';

export interface SessionRecord {
  sid: string;
  pid: number;
  /** The leader's start time (clock ticks since boot, /proc/<pid>/stat field 22): tells it from a reused pid. */
  startTime: number | null;
  bootId: string | null;
  hostPid: number;
  command: string;
  cwd: string;
  meta: Record<string, unknown>;
  createdAt: string;
  exit: WireExit | null;
  /** The host that ran it was lost before it ended. */
  lost?: boolean;
}

export function bootId(): string | null {
  try { return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { return null; }
}

export function procStartTime(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch { return null; }
}

export class Records {
  constructor(readonly dir: string) {}

  private file(sid: string) { return path.join(this.dir, `${sid}.json`); }

  write(rec: SessionRecord): void {
    const tmp = `${this.file(rec.sid)}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(rec), { mode: 0o600 });
      fs.renameSync(tmp, this.file(rec.sid));
    } catch (e) {
      console.error(`[ptyhost] cannot write the record of ${rec.sid}: ${(e as Error).message}`);
      fs.rmSync(tmp, { force: true });
    }
  }

  remove(sid: string): void { fs.rmSync(this.file(sid), { force: true }); }

  list(): SessionRecord[] {
    let names: string[];
    try { names = fs.readdirSync(this.dir); } catch { return []; }
    const out: SessionRecord[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      try { out.push(JSON.parse(fs.readFileSync(path.join(this.dir, n), 'utf8'))); } catch { /* half-written by a crash: ignore */ }
    }
    return out;
  }
}

/** Pids of this user's processes whose environment carries the session's marker (Linux /proc). */
export function markedProcesses(sid: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`\0${MARKER_ENV}=${sid}\0`);
  const first = Buffer.from(`${MARKER_ENV}=${sid}\0`);
  const out: number[] = [];
  let names: string[];
  try { names = fs.readdirSync('/proc'); } catch { return out; }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57 || Number(name) === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${name}/environ`);
      if (env.includes(needle) || env.subarray(0, first.length).equals(first)) out.push(Number(name));
    } catch { /* another user's, or gone */ }
  }
  return out;
}

function alive(pid: number): boolean {
  try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1')); } catch { return false; }
}

/** The processes still running for a recorded session (empty after a reboot). */
export function recordProcesses(rec: SessionRecord): number[] {
  if (rec.bootId && rec.bootId !== bootId()) return [];
  const pids = new Set(markedProcesses(rec.sid));
  if (rec.startTime !== null && procStartTime(rec.pid) === rec.startTime) {
    pids.add(rec.pid);
    for (const p of sessionMembers(rec.pid, false)) pids.add(p);
    for (const p of descendants(rec.pid)) pids.add(p);
  }
  return [...pids].filter(alive);
}

/** Ends what still runs of a recorded session: SIGTERM, SIGKILL after graceMs. Resolves with the pids it signalled. */
export async function reap(rec: SessionRecord, graceMs = 2000): Promise<number[]> {
  const pids = recordProcesses(rec);
  if (!pids.length) return [];
  const leaderOurs = rec.startTime !== null && procStartTime(rec.pid) === rec.startTime;
  const signal = (sig: NodeJS.Signals) => {
    if (leaderOurs) { try { process.kill(-rec.pid, sig); } catch { /* no group */ } }
    for (const p of pids) { try { process.kill(p, sig); } catch { /* gone */ } }
  };
  signal('SIGTERM');
  for (const p of pids) { try { process.kill(p, 'SIGHUP'); } catch { /* gone */ } }
  const until = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  if (pids.some(alive)) signal('SIGKILL');
  return pids;
}
