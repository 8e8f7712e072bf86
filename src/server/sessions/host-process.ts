// Finding the home's pty host, or starting it: `node <pkg>/dist/ptyhost/main.js` (src/ptyhost/main.ts through tsx
// when the server itself runs from the sources), detached (setsid: a Ctrl-C of the server's terminal does not reach
// it), its output appended to <home>/docs/run/ptyhost.log. It says "ready" (or "busy": another one won the lock)
// on an inherited pipe, so no polling is needed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostPaths, prepareDirs, type HostPaths } from '../../ptyhost/paths.js';
import { HostClient, HostError, type ConnectOptions } from './host-client.js';

export interface HostStartOptions {
  /** Default scrollback lines per session. */
  scrollback?: number;
  /** Output all sessions may hold in memory together, MB. */
  memoryMb?: number;
  /** Seconds with no session and no server before the host exits by itself. */
  idleExitS?: number;
}

const READY_TIMEOUT_MS = 30_000;

/** The command line that runs the pty host from this installation. */
export function hostCommand(): { file: string; args: string[] } {
  const self = fileURLToPath(import.meta.url);
  const ext = path.extname(self);
  const main = path.resolve(path.dirname(self), '..', '..', 'ptyhost', `main${ext === '.ts' ? '.ts' : '.js'}`);
  const args = ext === '.ts' ? ['--import', import.meta.resolve('tsx'), main] : [main];
  return { file: process.execPath, args };
}

/** Starts a pty host for the home; resolves once it listens (or once another one turned out to hold the lock). */
export async function startHostProcess(paths: HostPaths, opts: HostStartOptions = {}): Promise<{ pid: number; busy: boolean }> {
  prepareDirs(paths);
  const cmd = hostCommand();
  const args = [...cmd.args, '--home', paths.home, '--ready-fd', '3'];
  if (opts.scrollback !== undefined) args.push('--scrollback', String(opts.scrollback));
  if (opts.memoryMb !== undefined) args.push('--memory-mb', String(opts.memoryMb));
  if (opts.idleExitS !== undefined) args.push('--idle-exit', String(opts.idleExitS));
  // Tests set this: their hosts end with the test process, whatever happens to it.
  if (process.env.AREYOUJ_HOST_WATCH_PID) args.push('--watch-pid', process.env.AREYOUJ_HOST_WATCH_PID);
  const logFd = fs.openSync(paths.log, 'a', 0o600);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'AREYOUJ_TOKEN' && !k.startsWith('npm_')) env[k] = v;
  const child = spawn(cmd.file, args, { detached: true, stdio: ['ignore', logFd, logFd, 'pipe'], cwd: '/', env });
  fs.closeSync(logFd);
  const pipe = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let got = '';
      const timer = setTimeout(() => reject(new HostError('host_timeout', `the pty host did not start within ${READY_TIMEOUT_MS / 1000} s (see ${paths.log})`)), READY_TIMEOUT_MS);
      pipe.on('data', (d: Buffer) => { got += d.toString(); if (got.includes('\n')) { clearTimeout(timer); resolve(got.trim()); } });
      pipe.on('error', () => { /* end follows */ });
      child.once('exit', (code) => { clearTimeout(timer); if (!got.includes('\n')) reject(new HostError('host_failed', `the pty host exited with code ${code} at start (see ${paths.log})`)); });
    });
    return { pid: child.pid!, busy: line.startsWith('busy') };
  } finally {
    pipe.destroy();
    child.unref();
  }
}

/** Connects to the home's pty host, starting it when none runs. */
export async function ensureHost(home: string, opts: HostStartOptions = {}, connect: ConnectOptions = {}): Promise<HostClient> {
  const paths = hostPaths(home);
  try { return await HostClient.connect(paths, connect); } catch (e) {
    if (!(e instanceof HostError) || e.code !== 'no_host') throw e;
  }
  await startHostProcess(paths, opts);
  return HostClient.connect(paths, connect);
}
