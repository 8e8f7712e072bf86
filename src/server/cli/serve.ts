// `areyouj [serve]`: parse the options, start the server. SIGINT/SIGTERM stop the server only: the agents go on in the
// pty host and the next server re-adopts them (`areyouj stop --all` stops them).
import { parseArgs } from 'node:util';
import { DEFAULT_SCROLLBACK, MAX_SCROLLBACK } from '../../common/limits.js';
import { SCHEMA_VERSION, SchemaTooNewError } from '../agents/db.js';
import { makeConfig, readVersion } from '../config.js';
import { DEFAULT_MAX_INSTANCES } from '../limits.js';
import { validToken } from '../auth/token.js';
import { fail } from './fail.js';
import { openInBrowser } from './open.js';

export const SERVE_HELP = `areyouj: mission control for AI coding agents

Usage: areyouj [serve] [options]     start the server (the default command)
       areyouj <command> [options]   see "Commands" below; areyouj <command> --help for its options

  --home DIR           where docs/tasks.db, docs/agents.db and docs/logs live (default: the working directory)
  --port N             port to listen on (default 3001; 0 picks a free one)
  --host H             address to bind (default 127.0.0.1)
  --token T            the token for this run (default: $AREYOUJ_TOKEN, else the home's docs/run/token, made at first
                       start; \`areyouj token\` shows it). Every client needs it: the login URL printed at start, or
                       Authorization: Bearer <token>
  --max-instances N    live instances at most, across all agents (default ${DEFAULT_MAX_INSTANCES})
  --scrollback N       lines of scrollback kept per instance for snapshots (default ${DEFAULT_SCROLLBACK}; about 2 KB
                       of memory per line at 120 columns; the full output is always in docs/logs)
  --open               open the dashboard in the browser once the server listens (xdg-open, open or start)
  --help               this text
  --version            the version, and the agents.db schema version it reads and writes
`;

export async function serve(argv: string[], help: string): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        home: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, token: { type: 'string' },
        'max-instances': { type: 'string' }, scrollback: { type: 'string' }, open: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (e) { fail((e as Error).message); }
  if (values.help) { process.stdout.write(help); return; }
  if (values.version) { process.stdout.write(`areyouj ${readVersion()} (agents.db schema ${SCHEMA_VERSION})\n`); return; }

  const port = Number(values.port ?? 3001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a number from 0 to 65535, not ${JSON.stringify(values.port)}`);
  const maxInstances = Number(values['max-instances'] ?? DEFAULT_MAX_INSTANCES);
  if (!Number.isInteger(maxInstances) || maxInstances < 1) fail('--max-instances must be a positive integer');
  const scrollback = Number(values.scrollback ?? DEFAULT_SCROLLBACK);
  if (!Number.isInteger(scrollback) || scrollback < 0 || scrollback > MAX_SCROLLBACK) fail(`--scrollback must be an integer from 0 to ${MAX_SCROLLBACK}`);
  const host = values.host ?? '127.0.0.1';
  const token = values.token || process.env.AREYOUJ_TOKEN || null;
  if (token !== null && !validToken(token)) fail('the token must be 8 to 512 printable characters without spaces');

  const config = makeConfig({ home: values.home ?? process.cwd(), host, port, token, maxInstances, scrollback });
  // Loaded only now: --help, --version and the other commands (doctor above all) work when a native module does not load.
  let startServer, ServerBusyError, HostError;
  try { ({ startServer, ServerBusyError } = await import('../server.js')); ({ HostError } = await import('../sessions/host-client.js')); } catch (e) {
    process.stderr.write(`areyouj: cannot load the server: ${String((e as Error).message).split('\n')[0]}\n  run \`areyouj doctor\` to see what is missing\n`);
    process.exit(1);
  }
  let server;
  try { server = await startServer(config); } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err instanceof SchemaTooNewError || e instanceof ServerBusyError || (e instanceof HostError && e.code === 'busy')) {
      process.stderr.write(`areyouj: ${err.message}\n`);
      process.exit(1);
    }
    fail(err.code === 'EADDRINUSE' ? `port ${port} is in use (try --port 0 or another port)` : err.message);
  }
  process.stdout.write(`AreYouJ ${config.version} listening on ${server.url}\n  home: ${config.home}\n`);
  if (!config.webRoot) process.stdout.write('  (the web app is not built: run `npm run build` or `npm start`; the API works)\n');
  // The login URL, as Jupyter prints it: open it once, the browser keeps a session; `areyouj token` shows it again.
  process.stdout.write(`\n  Open the dashboard: ${server.loginUrl()}\n\n`);

  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) { process.stderr.write('areyouj: forced exit\n'); process.exit(1); }
    stopping = true;
    const running = server.manager.live.size;
    process.stdout.write(`areyouj: ${sig}: the server stops; ${running} agent${running === 1 ? '' : 's'} keep${running === 1 ? 's' : ''} running in the pty host`
      + `${running ? ' (the next `areyouj` re-adopts them; `areyouj stop --all` stops them)' : ''}\n`);
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // After the signal handlers: a SIGTERM while the opener starts still stops the server gracefully.
  if (values.open) {
    const why = await openInBrowser(server.loginUrl(), config.runDir); // the token goes through an owner-only page
    if (why) process.stderr.write(`areyouj: ${why}\n`);
  }
}
