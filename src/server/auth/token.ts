// The server's token (Jupyter's model): made at first start, kept in <home>/docs/run/token (0600 in a 0700 dir), shown
// in the start-up URL and by `areyouj token`. A browser exchanges it once for a session (sessions.ts); scripts send it as
// `Authorization: Bearer`. `--token` / $AREYOUJ_TOKEN override the file for one run.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FILE_MODE, ownerOnlyDir } from './files.js';

export const tokenFileOf = (runDir: string) => path.join(runDir, 'token');

/** 256 random bits, URL-safe. */
export const newToken = () => randomBytes(32).toString('base64url');

/** A usable token: printable ASCII without spaces, not too short (a user's own --token included). */
export function validToken(t: string): boolean {
  return t.length >= 8 && t.length <= 512 && /^[\x21-\x7e]+$/.test(t);
}

function read(file: string): string | null {
  try {
    const t = fs.readFileSync(file, 'utf8').trim();
    return validToken(t) ? t : null;
  } catch { return null; }
}

/** Writes the token file atomically (a temp file, 0600 from its creation, renamed over the old one). */
function write(file: string, token: string): void {
  ownerOnlyDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${token}\n`, { mode: FILE_MODE, flag: 'wx' });
  fs.renameSync(tmp, file);
}

/** The home's token as its file holds it, or null (none yet, unreadable or unusable); never makes one. */
export function readToken(runDir: string): string | null {
  return read(tokenFileOf(runDir));
}

/** The home's token, made now when there is none (or it is unusable). */
export function ensureToken(runDir: string): string {
  const file = tokenFileOf(runDir);
  const cur = read(file);
  if (cur) return cur;
  const t = newToken();
  write(file, t);
  return read(file) ?? t;
}

/** A new token for the home; the caller revokes the sessions (SessionStore.revokeAll). */
export function rotateToken(runDir: string): string {
  const t = newToken();
  write(tokenFileOf(runDir), t);
  return t;
}

/**
 * The token the server checks against: the override, or the file, re-read when the file changes (`areyouj token
 * --rotate` from another process takes effect at once, with no restart).
 */
export class TokenSource {
  private cached: { key: string; token: string } | null = null;

  constructor(private readonly runDir: string, readonly override: string | null) {
    if (override === null) ensureToken(runDir);
  }

  get file(): string { return tokenFileOf(this.runDir); }

  /** A key that changes whenever the token may have changed (for revoking connections opened with the old one). */
  version(): string {
    if (this.override !== null) return 'override';
    try {
      const st = fs.statSync(this.file);
      return `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch { return 'missing'; }
  }

  get(): string {
    if (this.override !== null) return this.override;
    const key = this.version();
    if (this.cached?.key === key) return this.cached.token;
    const token = key === 'missing' ? ensureToken(this.runDir) : (read(this.file) ?? ensureToken(this.runDir));
    this.cached = { key: this.version(), token };
    return token;
  }
}
