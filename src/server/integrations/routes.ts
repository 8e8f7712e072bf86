// Wiring of the hook-driven CLI kinds (codex, gemini) into the server: the driver factory and Resume (the CLI's own
// resume command, `codex resume <id>` / `gemini --resume <id>`, of the session id kept in agent_session_id). As for
// Claude Code, hooks do not come to the server's HTTP port: the CLI posts them to the pty host's owner-only hooks
// socket, which checks each instance's secret and relays them; the instance manager hands them to driver.hook().
import fs from 'node:fs';
import path from 'node:path';
import type { InstanceManager } from '../instances/manager.js';
import type { CliProfile } from './cli-profile.js';
import { HookCliDriver } from './hook-driver.js';

export interface HookCliDeps {
  manager: InstanceManager;
  /** AreYouJ's run dir (config.runDir). */
  runDir: string;
  /** The pty host's hooks socket. */
  hookSocket: string;
}

export function registerHookCli(deps: HookCliDeps, profile: CliProfile): void {
  deps.manager.registerDriver(
    profile.kind,
    (_agent, instanceId) => new HookCliDriver(profile, { instanceId, runDir: deps.runDir, hookSocket: deps.hookSocket }),
    {
      resumable: true,
      // The CLI's home (its transcripts, for Resume) lives as long as the instance.
      removed: (instanceId) => fs.rmSync(path.join(deps.runDir, profile.kind, instanceId), { recursive: true, force: true }),
    },
  );
}
