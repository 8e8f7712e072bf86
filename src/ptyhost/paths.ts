// Where the pty host of a home keeps its files. Everything is owner-only: directories 0700, files and sockets 0600.
//   <home>/docs/run/ptyhost/          key (the hello secret), lock.db (who runs the host), sessions/<id>.json (records)
//   <home>/docs/run/ptyhost/*.sock    control.sock (the server's protocol), hooks.sock (agents' hooks, HTTP)
//   <home>/docs/run/ptyhost.log       the host's own log
//   <home>/docs/logs/<id>.log         each session's raw output
// A Unix socket path is limited to ~107 bytes: for a deep home the sockets go to $TMPDIR/areyouj-<uid>/<hash>/.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface HostPaths {
  home: string;
  run: string;
  dir: string;
  control: string;
  hooks: string;
  lock: string;
  key: string;
  records: string;
  log: string;
  logs: string;
}

const MAX_SOCKET_PATH = 100;

export function hostPaths(home: string): HostPaths {
  home = path.resolve(home);
  const run = path.join(home, 'docs', 'run');
  const dir = path.join(run, 'ptyhost');
  let sockDir = dir;
  if (Buffer.byteLength(path.join(dir, 'control.sock')) > MAX_SOCKET_PATH) {
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    sockDir = path.join(os.tmpdir(), `areyouj-${uid}`, createHash('sha1').update(home).digest('hex').slice(0, 16));
  }
  return {
    home, run, dir, control: path.join(sockDir, 'control.sock'), hooks: path.join(sockDir, 'hooks.sock'),
    lock: path.join(dir, 'lock.db'), key: path.join(dir, 'key'), records: path.join(dir, 'sessions'),
    log: path.join(run, 'ptyhost.log'), logs: path.join(home, 'docs', 'logs'),
  };
}

/** Creates `dir` (and missing parents) owner-only, or makes sure an existing one is ours, a real directory and 0700. */
export function ownerOnlyDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new Error(`${dir} belongs to another user`);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/** Makes every directory the host writes to (owner-only). */
export function prepareDirs(p: HostPaths): void {
  ownerOnlyDir(p.run);
  ownerOnlyDir(p.dir);
  ownerOnlyDir(p.records);
  if (path.dirname(p.control) !== p.dir) ownerOnlyDir(path.dirname(path.dirname(p.control)));
  ownerOnlyDir(path.dirname(p.control));
  fs.mkdirSync(p.logs, { recursive: true, mode: 0o700 });
}

/** The hello secret: made once, owner-only. Readable by this user's processes only (see README, "Trust"). */
export function readOrCreateKey(p: HostPaths): string {
  try { return fs.readFileSync(p.key, 'utf8').trim(); } catch { /* first start */ }
  const key = randomBytes(32).toString('base64url');
  try { fs.writeFileSync(p.key, `${key}\n`, { mode: 0o600, flag: 'wx' }); } catch { return fs.readFileSync(p.key, 'utf8').trim(); }
  return key;
}
