// The pty host process: `node <pkg>/dist/ptyhost/main.js --home DIR` (the server starts it detached, in a session of
// its own, with its output going to <home>/docs/run/ptyhost.log). One per home: a second one finds the lock taken
// and exits with code 3. It exits by itself once it has had no running session and no server for --idle-exit seconds
// (default 30); with --watch-pid (tests), also when that process is gone, ending its sessions.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { PtyHost } from './host.js';
import { lockHolder, tryLock } from './lock.js';
import { hostPaths, prepareDirs } from './paths.js';

export const EXIT_BUSY = 3;

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: {
      home: { type: 'string' }, scrollback: { type: 'string' }, 'memory-mb': { type: 'string' }, 'ready-fd': { type: 'string' }, 'idle-exit': { type: 'string' },
      'watch-pid': { type: 'string' },
    },
  });
  if (!values.home) { process.stderr.write('usage: ptyhost --home DIR [--scrollback N] [--memory-mb N] [--idle-exit S]\n'); process.exit(2); }
  const log = (m: string) => process.stderr.write(`[ptyhost ${new Date().toISOString()}] ${m}\n`);
  const readyFd = values['ready-fd'] ? Number(values['ready-fd']) : null;
  const tell = (line: string) => { if (readyFd !== null) { try { fs.writeSync(readyFd, `${line}\n`); fs.closeSync(readyFd); } catch { /* gone */ } } };

  const paths = hostPaths(values.home);
  prepareDirs(paths);
  const lock = tryLock(paths.lock, { home: paths.home });
  if (!lock) {
    const h = lockHolder(paths.lock);
    log(`a pty host already runs for ${paths.home}${h?.pid ? ` (pid ${h.pid})` : ''}`);
    tell('busy');
    process.exit(EXIT_BUSY);
  }
  const host = new PtyHost({
    paths, log,
    scrollback: values.scrollback ? Number(values.scrollback) : undefined,
    memoryBytes: values['memory-mb'] ? Number(values['memory-mb']) * 1048576 : 256 << 20,
  });
  // A bug in one session's handling must not end every agent: log it and go on.
  process.on('uncaughtException', (e) => log(`uncaught: ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => log(`unhandled rejection: ${(e as Error)?.stack ?? e}`));
  process.on('SIGHUP', () => { /* detached: a hangup of the starting terminal means nothing here */ });
  let exiting = false;
  const exit = (code: number) => { if (exiting) return; exiting = true; lock.release(); process.exit(code); };
  host.onShutdown = () => exit(0);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => { log(`${sig}: ending every session`); void host.shutdown(undefined, `host_${sig.toLowerCase()}`); });
  }
  await host.start();
  tell(`ready ${process.pid}`);

  const idleMs = Number(values['idle-exit'] ?? 30) * 1000;
  // Tests: the host ends with the test process that started it (AREYOUJ_HOST_WATCH_PID), whatever happens to it.
  const watch = values['watch-pid'] ? Number(values['watch-pid']) : null;
  let idleSince = Date.now();
  setInterval(() => {
    if (watch !== null) {
      try { process.kill(watch, 0); } catch { log(`pid ${watch} is gone: exiting`); void host.shutdown(1000, 'host_owner_gone'); return; }
    }
    if (host.running || host.connected) { idleSince = Date.now(); return; }
    if (Date.now() - idleSince >= idleMs) { log('no session and no server: exiting'); void host.shutdown(); }
  }, 1000).unref();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
