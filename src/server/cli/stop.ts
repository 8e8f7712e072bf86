// `areyouj stop [--all] [--home DIR]`: stops the home's server; with --all, every agent and the pty host too.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { lockHolder, tryLock } from '../../ptyhost/lock.js';
import { hostPaths } from '../../ptyhost/paths.js';
import { makeConfig } from '../config.js';
import { HostClient, HostError } from '../sessions/host-client.js';
import { fail } from './fail.js';

export const STOP_HELP = `Usage: areyouj stop [--all] [--home DIR]

Stops the AreYouJ server of the home (default: the working directory). Its agents keep running in the
pty host; the next \`areyouj\` re-adopts them, as Ctrl-C on the server does.

  --all        also end every agent (SIGTERM, SIGKILL after a grace period) and the pty host; the
               instances show as terminated (stopped_all)
  --home DIR   the home to stop
`;

const WAIT_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export async function stop(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { all: { type: 'boolean' }, home: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) { fail((e as Error).message); }
  if (values.help) { process.stdout.write(STOP_HELP); return 0; }
  const config = makeConfig({ home: values.home ?? process.cwd() });
  const out = (m: string) => process.stdout.write(`areyouj: ${m}\n`);

  // The server: it holds the home's server lock while it runs.
  const lockFile = path.join(config.runDir, 'server.lock');
  const probe = tryLock(lockFile, {});
  if (probe) probe.release();
  else {
    const pid = Number(lockHolder(lockFile)?.pid);
    if (!pid || !alive(pid)) { process.stderr.write(`areyouj: a server holds ${lockFile} but its pid is unknown\n`); return 1; }
    process.kill(pid, 'SIGTERM');
    const until = Date.now() + WAIT_MS;
    while (alive(pid) && Date.now() < until) await sleep(100);
    if (alive(pid)) { process.stderr.write(`areyouj: the server (pid ${pid}) did not stop within ${WAIT_MS / 1000} s\n`); return 1; }
    out(`stopped the server (pid ${pid})`);
  }
  if (!values.all) {
    out('agents keep running in the pty host (areyouj stop --all ends them)');
    return 0;
  }

  // Every agent and the pty host: its shutdown ends every session (their exits are kept for the next server).
  let c: HostClient;
  try { c = await HostClient.connect(hostPaths(config.home)); } catch (e) {
    if (e instanceof HostError && e.code === 'no_host') { out('no pty host runs for this home: no agent to stop'); return 0; }
    process.stderr.write(`areyouj: cannot reach the pty host: ${(e as Error).message}\n`);
    return 1;
  }
  const pid = c.hello.hostPid;
  const running = c.hello.sessions.filter((s) => !s.exit && !(s as { lost?: boolean }).lost).length;
  const closed = new Promise<void>((r) => c.once('closed', () => r()));
  await c.request('shutdown', { reason: 'stopped_all' });
  await closed;
  const until = Date.now() + WAIT_MS;
  while (alive(pid) && Date.now() < until) await sleep(100);
  if (alive(pid)) { process.stderr.write(`areyouj: the pty host (pid ${pid}) did not stop within ${WAIT_MS / 1000} s\n`); return 1; }
  out(`stopped ${running} agent${running === 1 ? '' : 's'} and the pty host (pid ${pid})`);
  return 0;
}
