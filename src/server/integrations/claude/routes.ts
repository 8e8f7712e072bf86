// Wiring of the Claude Code integration into the server: the `claude` driver (resumable: `claude --resume <id>`).
// Hooks no longer come to the server's HTTP port: Claude Code posts them to the pty host's owner-only hooks socket,
// which checks each instance's secret and relays them over its connection (or keeps them while no server is up);
// the instance manager hands them to the driver in arrival order.
import type { InstanceManager } from '../../instances/manager.js';
import type { InstanceStore } from '../../instances/store.js';
import { ClaudeDriver } from './driver.js';

export interface ClaudeDeps {
  manager: InstanceManager;
  instances: InstanceStore;
  /** AreYouJ's data dir (config.runDir): per-instance settings and secrets. */
  runDir: string;
  /** The pty host's hooks socket. */
  hookSocket: string;
}

export function registerClaude(deps: ClaudeDeps): void {
  deps.manager.registerDriver('claude', (_agent, instanceId) => new ClaudeDriver({
    instanceId,
    dataDir: deps.runDir,
    hookSocket: deps.hookSocket,
    projectPath: deps.instances.get(instanceId).projectPath,
  }), { resumable: true });
}
