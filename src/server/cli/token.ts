// `areyouj token [--home DIR] [--rotate]`: shows the home's token and the URL that logs a browser in; --rotate makes a
// new token and ends every browser session (a running server takes both at once, and closes what they had opened).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readServerFile } from '../auth/server-file.js';
import { SessionStore } from '../auth/sessions.js';
import { ensureToken, rotateToken } from '../auth/token.js';
import { runDirOf } from '../auth/files.js';
import { fail } from './fail.js';

export const TOKEN_HELP = `Usage: areyouj token [--home DIR] [--rotate]

Shows the token of the server that uses DIR as its home (default: the working directory), and the URL to open.
  --rotate   make a new token and end every browser session (each browser logs in again with the new URL;
             scripts need the new token)
A server started with --token or $AREYOUJ_TOKEN uses that token instead of this one.
`;

export async function tokenCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false,
      options: { home: { type: 'string' }, rotate: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) { fail((e as Error).message); }
  if (values.help) { process.stdout.write(TOKEN_HELP); return 0; }
  const home = path.resolve(values.home ?? process.cwd());
  const runDir = runDirOf(home);
  let token: string;
  if (values.rotate) {
    token = rotateToken(runDir);
    const sessions = new SessionStore(runDir);
    const ended = sessions.revokeAll();
    sessions.close();
    process.stdout.write(`A new token is in place; ${ended} browser session${ended === 1 ? '' : 's'} ended.\n`);
  } else {
    token = ensureToken(runDir);
  }
  const running = readServerFile(runDir);
  process.stdout.write(`token: ${token}\n`);
  if (running) process.stdout.write(`open:  ${running.url}/?token=${encodeURIComponent(token)}\n`);
  else process.stdout.write(`No server is running on ${home}; start it with \`areyouj --home ${home}\`: it prints the URL to open.\n`);
  return 0;
}
