// Launching Codex CLI as a codex-kind instance: a per-instance CODEX_HOME made by AreYouJ under
// <home>/docs/run/codex/<instanceId>/home (owner-only), never the user's own ~/.codex. It holds config.toml (seeded
// once: Codex writes back into it, so it stays writable and is kept across Resume), hooks.json (command hooks that
// POST to the pty host's hooks socket with the instance's secret) and Codex's own state: sessions/…/rollout-*.jsonl, the transcript
// that `codex resume <id>` continues. Observed with Codex CLI 0.171.0: see docs/codex.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareHookTransport, writePrivate, type HookTransport } from '../hook-transport.js';

/** The hook events AreYouJ listens to (Codex 0.171). Interrupt is how a denied approval ends the turn (no Stop). */
export const CODEX_HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PermissionRequest',
  'PostToolUse',
  'Stop',
  'Interrupt',
  'SessionEnd',
] as const;
/** Seconds; Codex clamps Interrupt and SessionEnd hooks to 3 s (with a startup warning above that). The hook itself gives up after 2 s. */
const HOOK_TIMEOUT_S = 3;

export interface CodexLaunchOptions {
  instanceId: string;
  /** AreYouJ's run dir (config.runDir); the instance's files go to <runDir>/codex/<instanceId>/. */
  runDir: string;
  /** The pty host's hooks socket. */
  hookSocket: string;
  secret: string;
  userArgs?: readonly string[];
  /** Continue this Codex session: `codex resume <id>` (same rollout file). */
  resumeSessionId?: string | null;
  /**
   * The text of config.toml, written only when the instance's home has none yet (Codex adds to it while it runs).
   * Default: a copy of the user's own config.toml (from userHome), so their model, provider and trusted projects apply.
   */
  config?: string;
  /** The user's Codex home (default $CODEX_HOME or ~/.codex): its auth.json is linked in so their login works. null: none. */
  userHome?: string | null;
  transport?: HookTransport;
  /** Environment used to look curl and the user's home up; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface CodexLaunch {
  /** Arguments for `codex`: hook flags, then `resume <id>` when resuming, then the user's args. */
  args: string[];
  /** Extra environment for the child (merge over the agent's env). */
  env: Record<string, string>;
  /** CODEX_HOME of the instance. */
  home: string;
  /** <runDir>/codex/<instanceId>: remove it when the instance is deleted (it holds the transcript Resume needs). */
  dir: string;
  /** The hook's HTTP path on the pty host's hooks socket. */
  hookPath: string;
  transport: 'curl' | 'node';
}

export function buildCodexHooks(command: string): { hooks: Record<string, unknown[]> } {
  const hooks: Record<string, unknown[]> = {};
  for (const e of CODEX_HOOK_EVENTS) hooks[e] = [{ hooks: [{ type: 'command', command, timeout: HOOK_TIMEOUT_S }] }];
  return { hooks };
}

export function defaultCodexUserHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CODEX_HOME || path.join(env.HOME || os.homedir(), '.codex');
}

function readIfFile(file: string): string | null {
  try {
    return fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : null;
  } catch {
    return null;
  }
}

export function prepareCodexLaunch(o: CodexLaunchOptions): CodexLaunch {
  const env = o.env ?? process.env;
  const root = path.join(o.runDir, 'codex');
  const dir = path.join(root, o.instanceId);
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  fs.chmodSync(home, 0o700);
  const hook = prepareHookTransport({
    kind: 'codex',
    instanceId: o.instanceId,
    root,
    dir,
    hookSocket: o.hookSocket,
    secret: o.secret,
    transport: o.transport,
    env,
  });
  writePrivate(path.join(home, 'hooks.json'), `${JSON.stringify(buildCodexHooks(hook.command), null, 2)}\n`);

  const userHome = o.userHome === undefined ? defaultCodexUserHome(env) : o.userHome;
  const configPath = path.join(home, 'config.toml');
  if (!fs.existsSync(configPath)) {
    const base = o.config ?? (userHome ? readIfFile(path.join(userHome, 'config.toml')) : null) ?? '';
    writePrivate(configPath, base);
  }
  if (userHome && path.resolve(userHome) !== path.resolve(home)) {
    const auth = path.join(userHome, 'auth.json');
    const link = path.join(home, 'auth.json');
    if (fs.existsSync(auth) && !fs.existsSync(link)) fs.symlinkSync(auth, link);
  }

  // Hooks run only with hook trust bypassed (a per-invocation flag; without it Codex skips untrusted hooks silently).
  const args = ['--dangerously-bypass-hook-trust', '--enable', 'hooks'];
  if (o.resumeSessionId) args.push('resume', o.resumeSessionId);
  args.push(...(o.userArgs ?? []));
  return { args, env: { CODEX_HOME: home, AREYOUJ_INSTANCE_ID: o.instanceId }, home, dir, hookPath: hook.hookPath, transport: hook.transport };
}

/** The rollout file of a session in a Codex home: sessions/YYYY/MM/DD/rollout-<time>-<session id>.jsonl, or null. */
export function findCodexRollout(home: string, sessionId: string): string | null {
  const sessions = path.join(home, 'sessions');
  const suffix = `-${sessionId}.jsonl`;
  const walk = (d: string, depth: number): string | null => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return null;
    }
    for (const n of names.sort((a, b) => b.name.localeCompare(a.name))) {
      const p = path.join(d, n.name);
      if (n.isFile() && n.name.startsWith('rollout-') && n.name.endsWith(suffix)) return p;
      if (n.isDirectory() && depth < 3) {
        const f = walk(p, depth + 1);
        if (f) return f;
      }
    }
    return null;
  };
  return walk(sessions, 0);
}
