// What a working tree changed against its base: every file with its status and +/- counts, and the commits ahead.
// Two git processes (status and diff) per read, run side by side; untracked files are counted here, bounded.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Changes, ChangedFile, CommitInfo, FileStatus } from '../../common/changes.js';
import { git, gitText, zsplit } from './exec.js';
import { branchOid, headOid, mergeBase } from './repo.js';

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
/** Files listed at most (the totals count them all). */
export const MAX_FILES = 5000;
/** Commits listed at most. */
export const MAX_COMMITS = 200;
const UNTRACKED_FILE_CAP = 1 << 20; // untracked files larger than this are not read to count lines
const UNTRACKED_TOTAL_CAP = 64 << 20; // bytes read per summary to count the lines of untracked files

export interface StatusEntry { path: string; kind: 'changed' | 'renamed' | 'unmerged' | 'untracked'; origPath?: string }
export interface WorkingStatus { head: string | null; branch: string | null; entries: StatusEntry[]; raw: Buffer }

/** `git status --porcelain=v2 -z --branch`: HEAD, the branch, and every path with uncommitted changes or untracked. */
export async function workingStatus(dir: string): Promise<WorkingStatus> {
  const r = await git(dir, ['status', '--porcelain=v2', '-z', '--branch', '--untracked-files=all'], { readOnly: true });
  const parts = zsplit(r.stdout);
  const out: WorkingStatus = { head: null, branch: null, entries: [], raw: r.stdout };
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.startsWith('# branch.oid ')) { const v = p.slice(13); out.head = v === '(initial)' ? null : v; }
    else if (p.startsWith('# branch.head ')) { const v = p.slice(14); out.branch = v === '(detached)' ? null : v; }
    else if (p.startsWith('1 ')) out.entries.push({ path: field(p, 8), kind: 'changed' });
    else if (p.startsWith('2 ')) out.entries.push({ path: field(p, 9), kind: 'renamed', origPath: parts[++i] });
    else if (p.startsWith('u ')) out.entries.push({ path: field(p, 10), kind: 'unmerged' });
    else if (p.startsWith('? ')) out.entries.push({ path: p.slice(2), kind: 'untracked' });
  }
  return out;
}

/** The rest of the line after `n` space-separated fields (paths may contain spaces). */
function field(line: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n; k++) i = line.indexOf(' ', i) + 1;
  return line.slice(i);
}

const LETTER: Record<string, FileStatus> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'added', T: 'typechange', U: 'unmerged' };

/** Tracked changes between a commit and the working tree: `git diff --raw --numstat -z -M <commit>`, one process. */
export async function trackedChanges(dir: string, from: string): Promise<ChangedFile[]> {
  const r = await git(dir, ['diff', '--raw', '--numstat', '-z', '-M', '--no-ext-diff', '--no-textconv', '--ignore-submodules=dirty', from], { readOnly: true });
  const parts = zsplit(r.stdout);
  const byPath = new Map<string, ChangedFile>();
  const order: ChangedFile[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.startsWith(':')) {
      const letter = p.split(' ')[4]?.[0] ?? 'M';
      const two = letter === 'R' || letter === 'C';
      const oldPath = two ? parts[++i] : null;
      const newPath = parts[++i];
      const f: ChangedFile = { path: newPath, oldPath: letter === 'R' ? oldPath : null, status: LETTER[letter] ?? 'modified', added: 0, deleted: 0, binary: false, uncommitted: false };
      byPath.set(newPath, f);
      order.push(f);
    } else {
      // numstat: "added\tdeleted\tpath", or "added\tdeleted\t" followed by the old and new paths of a rename
      const [a, d, rest] = p.split('\t');
      const target = rest === '' ? (i += 2, parts[i]) : rest;
      const f = byPath.get(target);
      if (!f) continue;
      if (a === '-') { f.binary = true; f.added = null; f.deleted = null; } else { f.added = Number(a); f.deleted = Number(d); }
    }
  }
  return order;
}

/** Lines of an untracked file, read here (git has no numstat for them); null when binary or past the caps. */
async function countUntracked(dir: string, rel: string, budget: { left: number }): Promise<{ lines: number | null; binary: boolean }> {
  const file = path.join(dir, rel);
  let st: fs.Stats;
  try { st = await fs.promises.lstat(file); } catch { return { lines: null, binary: false }; }
  if (st.isSymbolicLink()) return { lines: 1, binary: false }; // git shows a link as one line: its target
  if (!st.isFile() || st.size > UNTRACKED_FILE_CAP || st.size > budget.left) return { lines: null, binary: false };
  budget.left -= st.size;
  let buf: Buffer;
  try { buf = await fs.promises.readFile(file); } catch { return { lines: null, binary: false }; }
  if (buf.subarray(0, 8000).includes(0)) return { lines: null, binary: true };
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  if (buf.length && buf[buf.length - 1] !== 10) n++;
  return { lines: n, binary: false };
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

async function commitsBetween(dir: string, from: string, to: string): Promise<CommitInfo[]> {
  const r = await git(dir, ['log', '-z', `--max-count=${MAX_COMMITS}`, '--format=%H%x1f%h%x1f%s%x1f%an%x1f%aI', `${from}..${to}`, '--'], { readOnly: true });
  return zsplit(r.stdout).map((l) => {
    const [oid, short, subject, author, date] = l.replace(/^\n/, '').split('\x1f');
    return { oid, short, subject, author, date };
  });
}

export interface ReadChanges {
  dir: string;
  /** The base branch (worktree mode); null in place. */
  base: string | null;
  /** The base's commit when the worktree was made: used when the base branch has been deleted since. */
  baseOid?: string | null;
  /** Also compute the watcher's fingerprint, from the same `git status` (no second one). */
  fingerprint?: boolean;
}

/** The full picture of a working tree against its base. */
export async function readChanges(o: ReadChanges): Promise<Changes & { fingerprint?: string }> {
  // Two rounds of git processes, each run side by side: where things are, then what changed.
  const [status, baseTip, mb] = await Promise.all([
    workingStatus(o.dir),
    o.base ? branchOid(o.dir, o.base) : Promise.resolve(null),
    o.base ? mergeBase(o.dir, `refs/heads/${o.base}`, 'HEAD') : Promise.resolve(null),
  ]);
  const head = status.head;
  const note = o.base && !baseTip ? `the base branch ${o.base} no longer exists; showing changes since the commit the instance started from` : null;
  const from = o.base ? (mb ?? o.baseOid ?? head ?? EMPTY_TREE) : (head ?? EMPTY_TREE);
  const untracked = status.entries.filter((e) => e.kind === 'untracked');
  const listed = untracked.slice(0, MAX_FILES);
  const budget = { left: UNTRACKED_TOTAL_CAP };
  const counted = new Map<string, { lines: number | null; binary: boolean }>();
  const [tracked, commits, counts, fp] = await Promise.all([
    trackedChanges(o.dir, from),
    o.base && head && from !== EMPTY_TREE ? commitsBetween(o.dir, from, head) : Promise.resolve([]),
    o.base && head && baseTip ? gitText(o.dir, ['rev-list', '--left-right', '--count', `${baseTip}...${head}`], { readOnly: true }) : Promise.resolve('0\t0'),
    o.fingerprint ? fingerprintOf(o.dir, status.raw, baseTip) : Promise.resolve(undefined),
    pool(listed, 16, async (e) => { counted.set(e.path, await countUntracked(o.dir, e.path, budget)); }),
  ]);
  const [behind, ahead] = counts.split('\t').map(Number);

  const dirty = new Set<string>();
  for (const e of status.entries) { dirty.add(e.path); if (e.origPath) dirty.add(e.origPath); }
  for (const f of tracked) f.uncommitted = dirty.has(f.path) || (!!f.oldPath && dirty.has(f.oldPath));
  const unmerged = new Set(status.entries.filter((e) => e.kind === 'unmerged').map((e) => e.path));
  for (const f of tracked) if (unmerged.has(f.path)) f.status = 'unmerged';

  const files: ChangedFile[] = [...tracked];
  for (const e of listed) {
    const c = counted.get(e.path)!;
    files.push({ path: e.path, oldPath: null, status: 'untracked', added: c.lines, deleted: c.binary ? null : 0, binary: c.binary, uncommitted: true });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const total = tracked.length + untracked.length;
  const shown = files.slice(0, MAX_FILES);
  return {
    mode: o.base ? 'worktree' : 'in_place', dir: o.dir, branch: status.branch, base: o.base, baseOid: from === EMPTY_TREE ? null : from, head,
    files: shown, truncated: total > shown.length,
    totals: {
      files: total,
      added: files.reduce((n, f) => n + (f.added ?? 0), 0),
      deleted: files.reduce((n, f) => n + (f.deleted ?? 0), 0),
      uncommitted: tracked.filter((f) => f.uncommitted).length + untracked.length,
    },
    commits, ahead: ahead || 0, behind: behind || 0, canFastForward: !!o.base && (behind || 0) === 0 && (ahead || 0) > 0,
    note, state: null, ...(fp ? { fingerprint: fp } : {}),
  };
}

/**
 * A cheap fingerprint of a working tree for the watcher: git's status (HEAD and the changed paths) plus the size and
 * modification time of each changed path, so that a file edited again (still "modified") is noticed too.
 */
export async function fingerprint(dir: string, base: string | null): Promise<string> {
  const [st, baseTip] = await Promise.all([
    git(dir, ['status', '--porcelain=v2', '-z', '--branch', '--untracked-files=all'], { readOnly: true, ok: [0, 128] }),
    base ? branchOid(dir, base) : Promise.resolve(null),
  ]);
  if (st.code !== 0) return `error:${st.stderr}`;
  return fingerprintOf(dir, st.stdout, baseTip);
}

async function fingerprintOf(dir: string, status: Buffer, baseTip: string | null): Promise<string> {
  const parts = [status.toString('utf8'), baseTip ?? ''];
  const paths = zsplit(status).filter((p) => /^[12u?] /.test(p)).slice(0, MAX_FILES);
  await pool(paths, 16, async (p) => {
    const rel = p.startsWith('? ') ? p.slice(2) : p.startsWith('2 ') ? field(p, 9) : p.startsWith('u ') ? field(p, 10) : field(p, 8);
    try { const s = await fs.promises.lstat(path.join(dir, rel)); parts.push(`${rel}:${s.size}:${s.mtimeMs}`); } catch { parts.push(`${rel}:gone`); }
  });
  return createHash('sha1').update(parts.sort().join('\n')).digest('hex');
}

export { headOid };
