// Wiring of the Claude Code integration into the server: the `claude` driver and the hook endpoint.
// POST /api/hooks/claude/:instanceId is on the permission latency path (hook → awaiting_input at the clients):
// the secret and the instance are checked before the body is parsed, the hook is answered 204 at once, and
// the body is applied right after, in arrival order. The server-wide token is not required here (guards.ts):
// each instance's hooks carry that instance's own secret.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../http/errors.js';
import type { InstanceManager } from '../../instances/manager.js';
import type { InstanceStore } from '../../instances/store.js';
import { ClaudeDriver } from './driver.js';
import { HOOK_SECRET_HEADER } from './launch.js';

declare module 'fastify' {
  interface FastifyRequest { claudeDriver?: ClaudeDriver }
}

export interface ClaudeDeps {
  manager: InstanceManager;
  instances: InstanceStore;
  /** AreYouJ's data dir (config.runDir): per-instance settings and secrets. */
  runDir: string;
  /** The task tools' endpoint for an instance (its --mcp-config), if the server offers them. */
  mcp?: (instanceId: string) => { url: string; secret: string };
}

export function registerClaude(app: FastifyInstance, deps: ClaudeDeps): void {
  deps.manager.registerDriver('claude', (_agent, instanceId) => new ClaudeDriver({
    instanceId,
    dataDir: deps.runDir,
    serverUrl: () => deps.manager.url,
    projectPath: deps.instances.get(instanceId).projectPath,
    mcp: deps.mcp && (() => deps.mcp!(instanceId)),
  }));

  app.post<{ Params: { instanceId: string } }>('/api/hooks/claude/:instanceId', {
    onRequest: async (req) => {
      const live = deps.manager.get(req.params.instanceId);
      const driver = live?.driver instanceof ClaudeDriver ? live.driver : undefined;
      if (!driver) throw new ApiError(404, 'not_found', 'no running Claude Code instance with this id');
      if (!driver.checkSecret(req.headers[HOOK_SECRET_HEADER])) throw new ApiError(401, 'unauthorized', 'wrong or missing hook secret');
      req.claudeDriver = driver;
    },
  }, async (req, reply) => {
    const driver = req.claudeDriver!;
    const body = req.body;
    reply.code(204).send();
    setImmediate(() => {
      try { driver.hook(body); } catch (e) {
        process.stderr.write(`[areyouj] claude hook for ${req.params.instanceId} failed: ${(e as Error).stack ?? e}\n`);
      }
    });
    return reply;
  });
}
