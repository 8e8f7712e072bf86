// How an agent CLI's command hooks reach the server, for every kind, exactly as Claude Code's: the hook's stdin JSON
// is POSTed to /hooks/<instanceId> on the pty host's owner-only hooks socket with the instance's secret read from a
// 0600 header file (never on a command line), by curl when it is on PATH (~8-15 ms a hook) or by a small node script
// (~75-90 ms, node's start-up), with a short timeout, and the hook always exits 0 silently: a hook must never slow down
// or break the agent. The host checks the secret and relays the hook to the server (manager.ts onHook -> driver.hook).
// The pieces live in claude/launch.ts and are shared from here.
import fs from 'node:fs';
import path from 'node:path';
import { findOnPath, HOOK_SCRIPT, HOOK_SECRET_HEADER, hookCommand, type HookTransport } from './claude/launch.js';

export { HOOK_SECRET_HEADER, type HookTransport };

export interface HookTransportOptions {
  kind: string;
  instanceId: string;
  /** The kind's run directory (<home>/docs/run/<kind>): the node script is shared there. */
  root: string;
  /** The instance's own directory (0700): the header file goes there. */
  dir: string;
  /** The pty host's hooks socket (<home>/docs/run/ptyhost/hooks.sock). */
  hookSocket: string;
  secret: string;
  transport?: HookTransport;
  /** Environment used to look curl up (PATH); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface PreparedHook {
  /** The shell command to configure as the agent's command hook. */
  command: string;
  /** The hook's HTTP path on the hooks socket. */
  hookPath: string;
  transport: 'curl' | 'node';
  headersPath: string;
}

/** Writes the secret header file (0600, replaced on every launch) and, for the node transport, the script. */
export function prepareHookTransport(o: HookTransportOptions): PreparedHook {
  fs.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(o.dir, 0o700);
  const curlPath = o.transport === 'node' ? null : findOnPath('curl', o.env ?? process.env);
  if (o.transport === 'curl' && !curlPath) throw new Error('curl is not on PATH');
  const transport = curlPath ? 'curl' : 'node';
  const scriptPath = path.join(o.root, 'hook.mjs');
  if (transport === 'node') {
    let cur = '';
    try {
      cur = fs.readFileSync(scriptPath, 'utf8');
    } catch {
      /* missing */
    }
    if (cur !== HOOK_SCRIPT) fs.writeFileSync(scriptPath, HOOK_SCRIPT, { mode: 0o600 }); // run by node, as its owner
  }
  const headersPath = path.join(o.dir, 'hook-headers');
  fs.rmSync(headersPath, { force: true }); // a file left by another user/umask must not keep its mode
  fs.writeFileSync(headersPath, `${HOOK_SECRET_HEADER}: ${o.secret}\n`, { mode: 0o600 });
  const hookPath = `/hooks/${encodeURIComponent(o.instanceId)}`;
  const command = hookCommand({ transport, hookSocket: o.hookSocket, hookPath, headersPath, scriptPath, curlPath: curlPath ?? undefined });
  return { command, hookPath, transport, headersPath };
}

/** Writes a file owner-only (0600), also when it already existed with another mode. */
export function writePrivate(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}
