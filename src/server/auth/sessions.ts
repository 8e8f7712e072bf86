// Browser sessions: a browser that opened the login URL gets a random session id in a cookie; the server keeps only a
// SHA-256 of it, with an expiry, in <home>/docs/run/auth.db (0600). Kept in a file so that sessions survive a server
// restart (an open dashboard keeps working), revocable one by one (log out) or all at once (`areyouj token --rotate`,
// from another process: every check reads the table, so the running server sees it at once). A separate file rather
// than a table in agents.db: credentials are not user data, and deleting auth.db logs every browser out.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { openSqlite, type DB } from '../db/sqlite.js';
import { MAX_SESSIONS, SESSION_TTL_MS } from '../limits.js';
import { FILE_MODE, ownerOnlyDir } from './files.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS sessions (
  hash TEXT PRIMARY KEY,          -- hex SHA-256 of the session id; the id itself is only in the browser's cookie
  created_at INTEGER NOT NULL,    -- ms since the epoch
  expires_at INTEGER NOT NULL
)`;

const hash = (id: string) => createHash('sha256').update(id).digest('hex');

export const authDbOf = (runDir: string) => path.join(runDir, 'auth.db');

export class SessionStore {
  private db: DB;
  private changes = 0;

  constructor(runDir: string) {
    ownerOnlyDir(runDir);
    const file = authDbOf(runDir);
    fs.closeSync(fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, FILE_MODE)); // -wal/-shm get its mode
    fs.chmodSync(file, FILE_MODE);
    this.db = openSqlite(file);
    this.db.exec(SCHEMA);
    this.purge();
  }

  /** A new session; its id goes in the cookie and nowhere else. */
  create(now = Date.now()): { id: string; expiresAt: number } {
    const id = randomBytes(32).toString('base64url');
    const expiresAt = now + SESSION_TTL_MS;
    this.purge(now);
    this.db.prepare('INSERT INTO sessions (hash, created_at, expires_at) VALUES (?, ?, ?)').run(hash(id), now, expiresAt);
    // Bounded: beyond MAX_SESSIONS the oldest go (a browser that logs in again and again leaves nothing behind).
    this.db.prepare(`DELETE FROM sessions WHERE hash NOT IN (SELECT hash FROM sessions ORDER BY created_at DESC LIMIT ?)`).run(MAX_SESSIONS);
    this.changes++;
    return { id, expiresAt };
  }

  /** True for a live, unexpired session id. */
  valid(id: string | undefined, now = Date.now()): boolean {
    if (!id || id.length > 200) return false;
    return this.db.prepare('SELECT 1 FROM sessions WHERE hash = ? AND expires_at > ?').get(hash(id), now) !== undefined;
  }

  revoke(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE hash = ?').run(hash(id));
    this.changes++;
  }

  /** Every session ends (the token was rotated). */
  revokeAll(): number {
    this.changes++;
    return this.db.prepare('DELETE FROM sessions').run().changes;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM sessions WHERE expires_at > ?').get(Date.now()) as { n: number }).n;
  }

  /** Changes whenever sessions may have been revoked, here or by another process (PRAGMA data_version). */
  version(): string {
    return `${this.db.pragma('data_version', { simple: true })}:${this.changes}`;
  }

  private purge(now = Date.now()) {
    this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now);
  }

  close(): void { this.db.close(); }
}
