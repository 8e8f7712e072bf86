// A process-lifetime lock on a file: SQLite's exclusive lock (a POSIX fcntl lock) taken in a transaction that is
// never committed. The kernel drops it when the process ends, however it ends (kill -9 included), so a lock is
// never stale; a second process gets SQLITE_BUSY at once. Beside it, <file>.json says who holds it (for messages).
// Note: fcntl locks belong to a process, so two holders inside one process do not exclude each other.
import fs from 'node:fs';
import Database from 'better-sqlite3';

export interface Lock { release(): void }

export function tryLock(file: string, info: Record<string, unknown>): Lock | null {
  const db = new Database(file, { timeout: 0 });
  try { fs.chmodSync(file, 0o600); } catch { /* best effort */ }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') return null;
    throw e;
  }
  fs.writeFileSync(`${file}.json`, JSON.stringify({ ...info, pid: process.pid, since: new Date().toISOString() }), { mode: 0o600 });
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      try { fs.rmSync(`${file}.json`, { force: true }); } catch { /* gone */ }
      try { db.exec('ROLLBACK'); } catch { /* closed */ }
      db.close();
    },
  };
}

/** Who holds the lock, as written by the holder (may be stale if it was killed: the lock itself never is). */
export function lockHolder(file: string): Record<string, unknown> | null {
  try { return JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')); } catch { return null; }
}
