// `areyouj doctor`: what this machine and this home need, checked, with what to do about each miss. Required checks
// (Node.js, the native modules, the home's files, the port) fail the command (exit code 1); optional ones (the agent
// CLIs, git, gh, permissions that are too open) only warn. `--json` prints the report (src/common/doctor.ts,
// documented in docs/cli.md) for scripts.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DoctorCheck, DoctorReport } from '../../common/doctor.js';
import { SCHEMA_VERSION } from '../agents/db.js';
import { readToken } from '../auth/token.js';
import { readVersion } from '../config.js';
import { checkAgentsDb, checkHome, checkOwnerOnlyDir, checkPort } from './doctor-home.js';
import { checkCli, checkNode, checkPty, checkSqlite, CLIS } from './doctor-system.js';
import { fail } from './fail.js';

export const DOCTOR_HELP = `Usage: areyouj doctor [options]

Checks what AreYouJ needs on this machine and in this home, and says what to do about each miss:
Node.js, better-sqlite3 and node-pty (a shell really runs in a pseudo-terminal), the agent CLIs on PATH
(claude, codex, gemini, aider, git, gh) with their versions, the home's files and their permissions, and the port
(free, or held by this home's AreYouJ server, which must answer).
Exit code: 0 when every required check passes (optional ones may warn), 1 when one fails, 2 for a usage error.

  --home DIR     the home to check (default: the working directory)
  --port N       the port the server is to use (default 3001)
  --host H       the address it is to bind (default 127.0.0.1)
  --timeout S    seconds each CLI gets to answer --version (default 5)
  --json         print the report as JSON (its shape: docs/cli.md)
  --help         this text
`;

export async function runDoctor(o: { home: string; host: string; port: number; timeoutMs: number; token: string | null }): Promise<DoctorReport> {
  const home = path.resolve(o.home);
  const checks: DoctorCheck[] = await Promise.all([
    checkNode(),
    checkSqlite(),
    checkPty(),
    ...CLIS.map((c) => checkCli(c, o.timeoutMs)),
    checkHome(home),
    checkAgentsDb(home),
    checkOwnerOnlyDir(home, 'logs', true),
    checkOwnerOnlyDir(home, 'run', true),
    checkOwnerOnlyDir(home, 'worktrees', false),
    checkPort({ home, host: o.host, port: o.port, token: o.token }),
  ]);
  return { ok: !checks.some((c) => c.status === 'fail'), version: readVersion(), schemaVersion: SCHEMA_VERSION, home, platform: `${process.platform}-${process.arch}`, checks };
}

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;

export function formatReport(r: DoctorReport): string {
  const title = (c: DoctorCheck) => `${c.title}${c.required ? '' : ' (optional)'}`;
  const width = Math.max(...r.checks.map((c) => title(c).length));
  const lines = [`AreYouJ ${r.version} (agents.db schema ${r.schemaVersion}) on ${r.platform}, home ${r.home}`, ''];
  for (const c of r.checks) {
    lines.push(`${MARK[c.status]} ${title(c).padEnd(width)}  ${c.detail}${c.path && c.id.startsWith('cli:') ? ` [${c.path}]` : ''}`);
    if (c.fix) lines.push(`    → ${c.fix}`);
  }
  const failed = r.checks.filter((c) => c.status === 'fail');
  const warned = r.checks.filter((c) => c.status === 'warn').length;
  lines.push('', failed.length
    ? `${failed.length} required check${failed.length > 1 ? 's' : ''} failed: ${failed.map((c) => c.id).join(', ')}. AreYouJ will not run as asked until ${failed.length > 1 ? 'they are' : 'it is'} fixed.`
    : `Every required check passed${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}.`);
  return `${lines.join('\n')}\n`;
}

export async function doctor(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: { home: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (e) { fail((e as Error).message); }
  if (values.help) { process.stdout.write(DOCTOR_HELP); return 0; }
  const port = Number(values.port ?? 3001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a number from 0 to 65535, not ${JSON.stringify(values.port)}`);
  const timeout = Number(values.timeout ?? 5);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600) fail(`--timeout must be a number of seconds from 0 to 600, not ${JSON.stringify(values.timeout)}`);
  const home = path.resolve(values.home ?? process.cwd());
  // The server on this home is asked with its token: $AREYOUJ_TOKEN, else the home's docs/run/token (never made here).
  const token = process.env.AREYOUJ_TOKEN || readToken(path.join(home, 'docs', 'run'));
  const report = await runDoctor({ home, host: values.host ?? '127.0.0.1', port, timeoutMs: Math.round(timeout * 1000), token });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.ok ? 0 : 1;
}
