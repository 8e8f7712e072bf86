// Owner-only files: AreYouJ's own data under <home>/docs (agents.db and its WAL files, docs/run, docs/logs) can hold
// agent environments, hook secrets, the token and every byte an agent printed. Other local users must not read them.
// Modes are given explicitly where files are created; the process umask is never changed, because agents inherit it
// and create the user's project files with it.
import fs from 'node:fs';
import path from 'node:path';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** <home>/docs/run and <home>/docs/logs. */
export const runDirOf = (home: string) => path.join(home, 'docs', 'run');
export const logsDirOf = (home: string) => path.join(home, 'docs', 'logs');
export const agentsDbOf = (home: string) => path.join(home, 'docs', 'agents.db');

/** Creates `dir` (and its parents, with the default mode) and makes `dir` itself owner-only. */
export function ownerOnlyDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  fs.chmodSync(dir, DIR_MODE);
}

/** Makes everything under `dir` owner-only (directories 0700, files 0600); symbolic links are left alone, not followed. */
function tighten(dir: string): void {
  let entries: fs.Dirent[];
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    try {
      if (e.isDirectory()) { fs.chmodSync(p, DIR_MODE); tighten(p); }
      else if (e.isFile() || e.isSocket()) {
        const mode = fs.lstatSync(p).mode & 0o777;
        // Owner bits kept (a hook script stays executable for its owner); group and others lose everything.
        if (mode & 0o077) fs.chmodSync(p, mode & 0o700);
      }
    } catch { /* vanished meanwhile */ }
  }
}

/**
 * At start: docs/run and docs/logs exist and are owner-only, with everything in them (homes made by earlier versions
 * had 0755 directories and 0644 files); agents.db and its -wal/-shm are 0600, created so when missing (SQLite gives
 * the -wal and -shm files the database file's mode).
 */
export function secureHome(home: string, dirs: { runDir?: string; logsDir?: string } = {}): void {
  fs.mkdirSync(path.join(home, 'docs'), { recursive: true });
  for (const dir of new Set([dirs.runDir ?? runDirOf(home), dirs.logsDir ?? logsDirOf(home)])) {
    ownerOnlyDir(dir);
    tighten(dir);
  }
  const db = agentsDbOf(home);
  fs.closeSync(fs.openSync(db, fs.constants.O_RDWR | fs.constants.O_CREAT, FILE_MODE));
  for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}-journal`]) {
    try { if (fs.lstatSync(f).isFile()) fs.chmodSync(f, FILE_MODE); } catch { /* not there */ }
  }
}
