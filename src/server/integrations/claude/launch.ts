// Launching Claude Code as a claude-kind instance: a per-instance settings file with hooks that report to the pty host
// (which relays them to the server, or keeps them while no server is up). Everything is written under AreYouJ's own
// data dir (never ~/.claude or the project's .claude/).
// The hook command must never slow Claude Code: it POSTs the hook's stdin JSON to the host's hooks socket with a short
// timeout and always exits 0 silently. curl costs ~8-15 ms per hook; a node script ~75-90 ms (node's start-up), so curl
// is preferred when it is on PATH and the node script is the fallback. See docs/claude.md.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { HOOK_SECRET_HEADER } from '../../../ptyhost/hooks.js';

export { HOOK_SECRET_HEADER };

/** The hook events AreYouJ listens to. All are `"type":"command"` hooks: `"type":"http"` never delivers SessionStart. */
export const CLAUDE_HOOK_EVENTS = [
  'SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'PermissionRequest',
  'Notification', 'Stop', 'SessionEnd',
] as const;
/**
 * The dialogs AreYouJ answers through a second PermissionRequest hook that waits for the user's answer (a long poll to
 * <hook path>/decision on the pty host's hooks socket; its output is the answer). Claude draws the dialog while it waits, and an answer typed in the
 * terminal first wins. See decisions.ts and docs/claude.md.
 */
export const DECISION_TOOLS_MATCHER = 'AskUserQuestion|ExitPlanMode';
/** How long the decision hook may wait for the user (Claude's hook timeout; after it, answer in the terminal). */
export const DECISION_HOOK_TIMEOUT_S = 86_400;

export type HookTransport = 'auto' | 'curl' | 'node';

export interface ClaudeLaunchOptions {
  instanceId: string;
  /** AreYouJ's data dir; files go to <dataDir>/claude/<instanceId>/ and <dataDir>/claude/hook.mjs. */
  dataDir: string;
  /**
   * The pty host's hooks socket (<home>/docs/run/ptyhost/hooks.sock): hooks go to the host, which relays them to the
   * server, or keeps them until a server is back. The host lives as long as the agent does.
   */
  hookSocket: string;
  secret: string;
  /** The Claude session id to start with; generated when omitted. Ignored when userArgs resume/continue/name a session. */
  sessionId?: string;
  /** Resume this Claude session (claude --resume <id>: the same conversation, messages continue). */
  resume?: string;
  userArgs?: readonly string[];
  /** How hooks reach the server: curl when found on PATH (default 'auto'), or the node script. */
  transport?: HookTransport;
  /** Environment used to look curl up (PATH); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** AreYouJ's task tools (MCP over HTTP): written to <dir>/mcp.json and passed with --mcp-config. */
  mcp?: { url: string; secret: string };
}

export interface ClaudeLaunch {
  /** Arguments for `claude`: --settings <file> [--session-id <uuid>] ...userArgs. */
  args: string[];
  /** Extra environment for the child (merge over the agent's env). */
  env: Record<string, string>;
  /** The session id passed with --session-id (or resumed with --resume), or null when the user's args pick the session. */
  sessionId: string | null;
  settingsPath: string;
  /** The hook's HTTP path on the hooks socket. */
  hookPath: string;
  transport: 'curl' | 'node';
  /** The per-instance directory (remove it when the instance is deleted). */
  dir: string;
}

const SESSION_FLAGS = ['--resume', '-r', '--continue', '-c', '--session-id', '--from-pr'];
/** True when the user's args already choose the Claude session (so we must not add --session-id). */
export function hasSessionArg(args: readonly string[]): boolean {
  return args.some((a) => SESSION_FLAGS.includes(a) || SESSION_FLAGS.some((f) => f.startsWith('--') && a.startsWith(`${f}=`)));
}

/** The user's args without the ones that choose a session (a resume picks the session itself). */
function withoutSessionArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (SESSION_FLAGS.some((f) => f.startsWith('--') && a.startsWith(`${f}=`))) continue;
    if (SESSION_FLAGS.includes(a)) {
      // --continue / -c take no value; the others take one unless the next arg is another option.
      if (!['--continue', '-c'].includes(a) && args[i + 1] !== undefined && !args[i + 1].startsWith('-')) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** POSIX shell quoting (hooks run through sh / Git Bash). */
export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = path.join(dir, name + ext);
      try { fs.accessSync(p, fs.constants.X_OK); if (fs.statSync(p).isFile()) return p; } catch { /* next */ }
    }
  }
  return null;
}

// The fallback hook: reads stdin, POSTs it to the pty host's hooks socket, exits 0 whatever happens (2.5 s hard stop).
// With --print <ms> (the decision hook) it waits up to <ms> and prints a 200 reply's body for Claude.
export const HOOK_SCRIPT = `// AreYouJ Claude Code hook (generated). Usage: node hook.mjs <socket> <path> <headers-file> [--print <timeout ms>]
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
const [socketPath, path, headersFile, mode, limit] = process.argv.slice(2);
const print = mode === '--print';
const done = () => process.exit(0);
setTimeout(done, print ? Number(limit) : 2500).unref();
const headers = { 'content-type': 'application/json' };
try {
  for (const line of readFileSync(headersFile, 'utf8').split('\\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
} catch {}
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('error', done);
process.stdin.on('end', () => {
  try {
    const body = Buffer.concat(chunks);
    const req = request({ socketPath, path, method: 'POST', timeout: print ? 0 : 2000, headers: { ...headers, host: 'localhost', 'content-length': body.length } }, (res) => {
      const out = [];
      res.on('data', (c) => { if (print && res.statusCode === 200) out.push(c); });
      res.on('end', () => (out.length ? process.stdout.write(Buffer.concat(out), done) : done()));
      res.on('error', done);
    });
    req.on('error', done);
    req.on('timeout', () => { req.destroy(); done(); });
    req.end(body);
  } catch { done(); }
});
`;

export function hookCommand(o: { transport: 'curl' | 'node'; hookSocket: string; hookPath: string; headersPath: string; scriptPath: string; curlPath?: string; decision?: boolean }): string {
  if (o.decision) {
    // The decision hook's stdout is its answer: a 200 reply's body, nothing on a 204 or any error (-f).
    const hookPath = `${o.hookPath}/decision`;
    if (o.transport === 'curl') {
      return `${shq(o.curlPath ?? 'curl')} -s -f -m ${DECISION_HOOK_TIMEOUT_S} --connect-timeout 1 --unix-socket ${shq(o.hookSocket)} -H 'content-type: application/json' `
        + `-H @${shq(o.headersPath)} --data-binary @- ${shq(`http://localhost${hookPath}`)} 2>/dev/null; exit 0`;
    }
    return `${shq(process.execPath)} ${shq(o.scriptPath)} ${shq(o.hookSocket)} ${shq(hookPath)} ${shq(o.headersPath)} --print ${DECISION_HOOK_TIMEOUT_S * 1000} 2>/dev/null; exit 0`;
  }
  if (o.transport === 'curl') {
    return `${shq(o.curlPath ?? 'curl')} -s -m 2 --connect-timeout 1 --unix-socket ${shq(o.hookSocket)} -o /dev/null -H 'content-type: application/json' `
      + `-H @${shq(o.headersPath)} --data-binary @- ${shq(`http://localhost${o.hookPath}`)} >/dev/null 2>&1; exit 0`;
  }
  return `${shq(process.execPath)} ${shq(o.scriptPath)} ${shq(o.hookSocket)} ${shq(o.hookPath)} ${shq(o.headersPath)} >/dev/null 2>&1; exit 0`;
}

export function buildClaudeSettings(command: string, decisionCommand?: string): { hooks: Record<string, unknown[]> } {
  const hooks: Record<string, unknown[]> = {};
  for (const e of CLAUDE_HOOK_EVENTS) hooks[e] = [{ matcher: '', hooks: [{ type: 'command', command, timeout: 5 }] }];
  if (decisionCommand) {
    hooks.PermissionRequest.push({ matcher: DECISION_TOOLS_MATCHER, hooks: [{ type: 'command', command: decisionCommand, timeout: DECISION_HOOK_TIMEOUT_S }] });
  }
  return { hooks };
}

export function prepareClaudeLaunch(o: ClaudeLaunchOptions): ClaudeLaunch {
  const userArgs = [...(o.userArgs ?? [])];
  const root = path.join(o.dataDir, 'claude');
  const dir = path.join(root, o.instanceId);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const scriptPath = path.join(root, 'hook.mjs');
  const curlPath = o.transport === 'node' ? null : findOnPath('curl', o.env ?? process.env);
  if (o.transport === 'curl' && !curlPath) throw new Error('curl is not on PATH');
  const transport = curlPath ? 'curl' : 'node';
  if (transport === 'node') {
    let cur = '';
    try { cur = fs.readFileSync(scriptPath, 'utf8'); } catch { /* missing */ }
    if (cur !== HOOK_SCRIPT) fs.writeFileSync(scriptPath, HOOK_SCRIPT, { mode: 0o600 }); // run by node, as its owner
  }
  const headersPath = path.join(dir, 'hook-headers');
  fs.writeFileSync(headersPath, `${HOOK_SECRET_HEADER}: ${o.secret}\n`, { mode: 0o600 });
  const hookPath = `/hooks/${encodeURIComponent(o.instanceId)}`;
  const hooked = { transport, hookSocket: o.hookSocket, hookPath, headersPath, scriptPath, curlPath: curlPath ?? undefined } as const;
  const command = hookCommand(hooked);
  const decisionCommand = hookCommand({ ...hooked, decision: true });
  const settingsPath = path.join(dir, 'settings.json');
  fs.writeFileSync(settingsPath, `${JSON.stringify(buildClaudeSettings(command, decisionCommand), null, 2)}\n`, { mode: 0o600 });
  const sessionId = o.resume ?? (hasSessionArg(userArgs) ? null : (o.sessionId ?? randomUUID()));
  const pick = o.resume ? ['--resume', o.resume] : sessionId ? ['--session-id', sessionId] : [];
  const rest = o.resume ? withoutSessionArgs(userArgs) : userArgs;
  const mcpConfig = o.mcp ? writeMcpConfig(dir, o.mcp) : null;
  const args = ['--settings', settingsPath, ...(mcpConfig ? ['--mcp-config', mcpConfig] : []), ...pick, ...rest];
  return { args, env: { AREYOUJ_INSTANCE_ID: o.instanceId }, sessionId, settingsPath, hookPath, transport, dir };
}

/** The name Claude Code shows the task tools under (tools are mcp__areyouj-tasks__<tool>). */
export const MCP_SERVER_NAME = 'areyouj-tasks';

/** <dir>/mcp.json (0600: it holds the instance's secret): the task tools over HTTP, beside the user's own MCP servers. */
export function writeMcpConfig(dir: string, mcp: { url: string; secret: string }): string {
  const file = path.join(dir, 'mcp.json');
  const config = { mcpServers: { [MCP_SERVER_NAME]: { type: 'http', url: mcp.url, headers: { Authorization: `Bearer ${mcp.secret}` } } } };
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return file;
}

/** Where Claude Code keeps its transcripts: `<config dir>/projects` (config dir = CLAUDE_CONFIG_DIR or ~/.claude). */
export function claudeProjectsDir(o: { env?: NodeJS.ProcessEnv; home?: string } = {}): string {
  const env = o.env ?? process.env;
  const configDir = env.CLAUDE_CONFIG_DIR || path.join(o.home ?? env.HOME ?? env.USERPROFILE ?? '', '.claude');
  return path.resolve(configDir, 'projects');
}

/** `<config dir>/projects/<cwd with non-alphanumerics replaced by '-'>/<session id>.jsonl`. */
export function claudeTranscriptPath(o: { cwd: string; sessionId: string; env?: NodeJS.ProcessEnv; home?: string }): string {
  return path.join(claudeProjectsDir(o), o.cwd.replace(/[^a-zA-Z0-9]/g, '-'), `${o.sessionId}.jsonl`);
}
