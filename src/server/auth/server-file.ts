// <home>/docs/run/server.json: where the server of this home listens (0600), so that `areyouj token` can print the
// login URL. Written once listening, removed on a clean stop; a stale one (its pid gone) is ignored.
import fs from 'node:fs';
import path from 'node:path';
import { FILE_MODE } from './files.js';

export interface ServerFile { url: string; pid: number; startedAt: string }

const fileOf = (runDir: string) => path.join(runDir, 'server.json');

export function writeServerFile(runDir: string, url: string): void {
  const file = fileOf(runDir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ url, pid: process.pid, startedAt: new Date().toISOString() } satisfies ServerFile), { mode: FILE_MODE });
  fs.renameSync(tmp, file);
}

/** Removes the file if it is this process's. */
export function removeServerFile(runDir: string): void {
  if (readServerFile(runDir)?.pid === process.pid) fs.rmSync(fileOf(runDir), { force: true });
}

/** The running server of this home, or null (no file, a broken one, or its process is gone). */
export function readServerFile(runDir: string): ServerFile | null {
  try {
    const f = JSON.parse(fs.readFileSync(fileOf(runDir), 'utf8')) as ServerFile;
    if (typeof f.url !== 'string' || !Number.isInteger(f.pid)) return null;
    try { process.kill(f.pid, 0); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EPERM') return null; }
    return f;
  } catch { return null; }
}
