// Wiring of the hook-driven CLI kinds (codex, gemini) into the server: the driver factory, Resume, and
// POST /api/hooks/<kind>/:instanceId. As for Claude Code (claude/routes.ts) the hook is on the latency path: the
// instance and its secret are checked before the body is parsed, 204 goes back at once and the body is applied right
// after, in arrival order. An unknown instance and a wrong secret get the same answer, so the route tells a caller
// without the secret nothing (not even whether the instance exists). The server token is not required here
// (http/auth.ts): each instance's hooks carry that instance's own secret.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { checkHookSecret } from '../http/hook-auth.js';
import type { InstanceManager } from '../instances/manager.js';
import type { CliProfile } from './cli-profile.js';
import { HookCliDriver } from './hook-driver.js';
import { HOOK_SECRET_HEADER } from './hook-transport.js';

declare module 'fastify' {
  interface FastifyRequest {
    hookCliDriver?: HookCliDriver;
  }
}

export interface HookCliRouteDeps {
  manager: InstanceManager;
  /** AreYouJ's run dir (config.runDir). */
  runDir: string;
}

export function registerHookCli(app: FastifyInstance, deps: HookCliRouteDeps, profile: CliProfile): void {
  deps.manager.registerDriver(
    profile.kind,
    (_agent, instanceId) =>
      new HookCliDriver(profile, {
        instanceId,
        runDir: deps.runDir,
        serverUrl: () => deps.manager.url,
      }),
    {
      resumable: (instanceId) => HookCliDriver.savedSession(deps.runDir, profile.kind, instanceId) !== null,
      // The CLI's home (its transcripts, for Resume) lives as long as the instance.
      removed: (instanceId) => fs.rmSync(path.join(deps.runDir, profile.kind, instanceId), { recursive: true, force: true }),
    },
  );

  app.post<{ Params: { instanceId: string } }>(
    `/api/hooks/${profile.kind}/:instanceId`,
    {
      onRequest: async (req) => {
        const live = deps.manager.get(req.params.instanceId);
        const driver = live?.driver instanceof HookCliDriver && live.driver.profile === profile ? live.driver : undefined;
        req.hookCliDriver = checkHookSecret(driver && { driver, secret: driver.secret }, req.headers[HOOK_SECRET_HEADER]);
      },
    },
    async (req, reply) => {
      const driver = req.hookCliDriver!;
      const body = req.body;
      reply.code(204).send();
      setImmediate(() => {
        try {
          driver.hook(body);
        } catch (e) {
          process.stderr.write(`[areyouj] ${profile.kind} hook for ${req.params.instanceId} failed: ${(e as Error).stack ?? e}\n`);
        }
      });
      return reply;
    },
  );
}
