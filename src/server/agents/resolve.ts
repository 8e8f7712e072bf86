// Which executable an agent's command runs, and its version (issue 11): the agent form shows it before the agent
// is started. The command is resolved exactly as an instance will resolve it (the agents' PATH, without AreYouJ's
// own node_modules/.bin; a name with a slash relative to the project folder), then asked `--version` in a process
// group of its own, killed at a deadline, with bounded output.
import { spawn } from 'node:child_process';
import type { CommandResolution } from '../../common/schema.js';
import { conflict } from '../errors.js';
import { agentBaseEnv } from '../instances/agent-env.js';
import { resolveCommand, SpawnError } from '../../ptyhost/spawn-check.js';

export const VERSION_DEADLINE_MS = 5000;
const MAX_OUTPUT = 4096;
/** At most this many `--version` runs at once (a form typing fast, a script): the next gets 409 `busy`. */
const MAX_RUNNING = 4;
let running = 0;

/** Resolves `command` for an agent working in `cwd`; when nothing fits, `path` is null and `error` says why. */
export async function resolveAgentCommand(command: string, cwd: string, env: Record<string, string> = agentBaseEnv()): Promise<CommandResolution> {
  let file: string;
  try {
    file = resolveCommand(command, cwd, env);
  } catch (e) {
    if (!(e instanceof SpawnError)) throw e;
    const where = command.includes('/') ? `in ${cwd}` : `on the agents' PATH (${env.PATH ?? '(none)'})`;
    return { command, path: null, error: `${e.message} ${where}`, version: null, versionError: null };
  }
  if (running >= MAX_RUNNING) throw conflict('busy', `already asking ${MAX_RUNNING} commands for their version; try again`);
  running++;
  try {
    return { command, path: file, error: null, ...(await askVersion(file, cwd, env)) };
  } finally {
    running--;
  }
}

function askVersion(file: string, cwd: string, env: Record<string, string>): Promise<{ version: string | null; versionError: string | null }> {
  return new Promise((resolve) => {
    let out = '';
    let settled = false;
    const child = spawn(file, ['--version'], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    };
    const done = (r: { version: string | null; versionError: string | null }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup(); // whatever it started goes with it
      resolve(r);
    };
    const take = (b: Buffer) => {
      if (out.length < MAX_OUTPUT) out += b.toString('utf8', 0, Math.min(b.length, MAX_OUTPUT - out.length));
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => done({ version: null, versionError: `no answer to --version within ${VERSION_DEADLINE_MS / 1000} s` }), VERSION_DEADLINE_MS);
    child.on('error', (e) => done({ version: null, versionError: `cannot run it: ${e.message}` }));
    child.on('close', (code, signal) => {
      const first = out.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
      if (code === 0 && first) done({ version: first.slice(0, 200), versionError: null });
      else done({ version: null, versionError: `--version ${signal ? `ended by ${signal}` : `exited with code ${code}`}${first ? `: ${first.slice(0, 200)}` : ''}` });
    });
  });
}
