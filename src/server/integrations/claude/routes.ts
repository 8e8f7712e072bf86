// Wiring of the Claude Code integration into the server: the `claude` driver (resumable: `claude --resume <id>`).
// Hooks do not come to the server's HTTP port: Claude Code posts them to the pty host's owner-only hooks socket, which
// checks each instance's secret (an unknown instance and a wrong secret get the same 401) and relays them over its
// connection (or keeps them while no server is up); the instance manager hands them to the driver in arrival order.
// The decision hook (Claude's question and plan dialogs, dialogs.ts) is a long poll on the same socket: the host holds
// it and relays it to the server, whose answer (or none) it returns (manager.ts, onDecision).
import { cwdIn } from '../../git/worktree.js';
import type { InstanceManager } from '../../instances/manager.js';
import type { InstanceStore } from '../../instances/store.js';
import { ClaudeDriver } from './driver.js';

export interface ClaudeDeps {
  manager: InstanceManager;
  instances: InstanceStore;
  /** AreYouJ's data dir (config.runDir): per-instance settings and secrets. */
  runDir: string;
  /** The task tools' endpoint for an instance (its --mcp-config), if the server offers them. */
  mcp?: (instanceId: string) => { url: string; secret: string };
  /** The pty host's hooks socket. */
  hookSocket: string;
}

export function registerClaude(deps: ClaudeDeps): void {
  deps.manager.registerDriver('claude', (_agent, instanceId) => new ClaudeDriver({
    instanceId,
    dataDir: deps.runDir,
    hookSocket: deps.hookSocket,
    projectPath: (() => { // where it runs: in its worktree, if it has one
      const i = deps.instances.get(instanceId);
      return i.worktree && i.worktree.state !== 'removed' ? cwdIn(i.worktree.path, i.worktree.repoRoot, i.projectPath) : i.projectPath;
    })(),
    mcp: deps.mcp && (() => deps.mcp!(instanceId)),
  }), { resumable: true });
}
