// Wiring of the Claude Code integration into the server: the `claude` driver, the hook endpoint and the decision
// endpoint (the long poll through which Claude Code's question and plan dialogs are answered, dialogs.ts).
// POST /api/hooks/claude/:instanceId is on the permission latency path (hook → awaiting_input at the clients):
// the secret and the instance are checked before the body is parsed, the hook is answered 204 at once, and
// the body is applied right after, in arrival order. The server-wide token is not required here (http/auth.ts):
// each instance's hooks carry that instance's own secret, and an unknown instance gets the same 401 (hook-auth.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cwdIn } from '../../git/worktree.js';
import { checkHookSecret } from '../../http/hook-auth.js';
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

/** The instance's running Claude driver and a right secret, checked before the body is read. */
function authenticate(deps: ClaudeDeps) {
  return async (req: FastifyRequest<{ Params: { instanceId: string } }>) => {
    const live = deps.manager.get(req.params.instanceId);
    const driver = live?.driver instanceof ClaudeDriver ? live.driver : undefined;
    req.claudeDriver = checkHookSecret(driver && { driver, secret: driver.secret }, req.headers[HOOK_SECRET_HEADER]);
  };
}

export function registerClaude(app: FastifyInstance, deps: ClaudeDeps): void {
  deps.manager.registerDriver('claude', (_agent, instanceId) => new ClaudeDriver({
    instanceId,
    dataDir: deps.runDir,
    serverUrl: () => deps.manager.url,
    projectPath: (() => { // where it runs: in its worktree, if it has one
      const i = deps.instances.get(instanceId);
      return i.worktree ? cwdIn(i.worktree.path, i.worktree.repoRoot, i.projectPath) : i.projectPath;
    })(),
    mcp: deps.mcp && (() => deps.mcp!(instanceId)),
  }));

  app.post<{ Params: { instanceId: string } }>('/api/hooks/claude/:instanceId', { onRequest: authenticate(deps) }, async (req, reply) => {
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

  // The decision hook (AskUserQuestion / ExitPlanMode): held until the user answers through POST /respond (200 with the
  // hook's output) or the dialog is settled otherwise (204: the hook prints nothing and Claude keeps its dialog).
  app.post<{ Params: { instanceId: string } }>('/api/hooks/claude/:instanceId/decision', { onRequest: authenticate(deps) }, async (req, reply) => {
    const gone = new AbortController();
    reply.raw.on('close', () => { if (!reply.raw.writableFinished) gone.abort(); });
    const out = await req.claudeDriver!.decision(req.body, gone.signal);
    if (!out) return reply.code(204).send();
    return reply.code(200).send(out);
  });
}
