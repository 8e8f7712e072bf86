// Composition: the stores, the event bus, the instance manager and the HTTP app, for one home.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { agentsDbPath, checkSchema, openAgentsDb } from './agents/db.js';
import { agentRoutes } from './agents/routes.js';
import { AgentStore } from './agents/store.js';
import { secureHome } from './auth/files.js';
import { removeServerFile, writeServerFile } from './auth/server-file.js';
import { SessionStore } from './auth/sessions.js';
import { TokenSource } from './auth/token.js';
import type { Config } from './config.js';
import { EventBus } from './events/bus.js';
import { eventRoutes } from './events/routes.js';
import { ChangesService } from './git/changes-service.js';
import { changesRoutes } from './git/routes.js';
import { buildApp } from './http/app.js';
import { Auth, authRoutes } from './http/auth.js';
import { miscRoutes } from './http/misc-routes.js';
import { InstanceManager } from './instances/manager.js';
import { instanceRoutes } from './instances/routes.js';
import { registerClaude } from './integrations/claude/routes.js';
import { codexProfile } from './integrations/codex/driver.js';
import { geminiProfile } from './integrations/gemini/driver.js';
import { registerHookCli } from './integrations/routes.js';
import { InstanceStore } from './instances/store.js';
import { McpAccess } from './mcp/access.js';
import { MCP_PATH, mcpRoutes } from './mcp/routes.js';
import { projectRoutes } from './projects/routes.js';
import { ProjectStore } from './projects/store.js';
import { lockHolder, tryLock } from '../ptyhost/lock.js';
import { ownerOnlyDir } from '../ptyhost/paths.js';
import { PtyHostLink } from './sessions/pty-host-link.js';
import { taskRoutes } from './tasks/routes.js';
import { TaskService } from './tasks/service.js';

export interface Server {
  app: FastifyInstance; config: Config; manager: InstanceManager; link: PtyHostLink; url: string;
  /** The token now (the home's file, re-read when rotated, or the --token override). */
  token(): string;
  /** The URL that logs a browser in: `${url}/?token=…`. */
  loginUrl(): string;
  auth: Auth;
  /**
   * Stops the server. The agents go on in the pty host (the next server re-adopts them), unless stopAll: then every
   * instance is terminated (reason `stopped_all`) and the pty host exits too.
   */
  close(opts?: { stopAll?: boolean }): Promise<void>;
}

/** Another server runs on this home (it holds the home's server lock). */
export class ServerBusyError extends Error {}

export async function startServer(config: Config): Promise<Server> {
  checkSchema(agentsDbPath(config.home)); // a home from a newer version is refused before anything in it is touched
  secureHome(config.home, config);
  fs.mkdirSync(config.logsDir, { recursive: true });
  // One server per home: a second one says so and stops (the pty host, too, takes one server at a time).
  ownerOnlyDir(config.runDir);
  const lock = tryLock(path.join(config.runDir, 'server.lock'), { home: config.home, port: config.port });
  if (!lock) {
    const h = lockHolder(path.join(config.runDir, 'server.lock'));
    throw new ServerBusyError(`another AreYouJ server${h?.pid ? ` (pid ${h.pid}${h.url ? `, ${h.url}` : ''})` : ''} runs on ${config.home}; stop it first (areyouj stop)`);
  }
  const token = new TokenSource(config.runDir, config.token);
  const sessions = new SessionStore(config.runDir);
  const bus = new EventBus();
  const db = openAgentsDb(config.home);
  const agents = new AgentStore(db);
  const instances = new InstanceStore(db);
  const tasks = new TaskService(config.home, bus);
  const link = new PtyHostLink(config.home, { scrollback: config.scrollback });
  // The changes service reaches the manager through closures (it sends reviews, stops an instance whose worktree goes);
  // the manager tells it about output and deleted instances.
  const changes: ChangesService = new ChangesService({
    instance: (id) => instances.get(id),
    agentProject: (id) => agents.get(id).projectPath,
    setWorktreeState: (id, state) => manager.update(id, { worktreeState: state }),
    publish: (e) => bus.publish('instance.changes', e),
    send: (id, content, mode) => manager.send(id, content, mode),
    stop: async (id, reason) => { if (manager.get(id)) await manager.terminate(id, reason); },
    taskTitle: (project, taskId) => tasks.store(project).find(taskId)?.title ?? null,
    completeTask: (project, taskId) => { tasks.update(project, taskId, { status: 'done' }); },
    gh: process.env.AREYOUJ_GH || undefined,
  });
  const manager: InstanceManager = new InstanceManager({ config, bus, agents, instances, tasks, changes, link });

  const guardCfg = { host: config.host, port: config.port };
  const auth = new Auth(token, sessions, () => guardCfg.port);
  const { app } = await buildApp({ guard: guardCfg, auth, bodyLimit: config.bodyLimit, webRoot: config.webRoot });
  authRoutes(app, auth);
  miscRoutes(app, { config, bus, ptyHost: () => link.status });
  taskRoutes(app, { tasks, instances });
  agentRoutes(app, { agents, bus, manager, home: config.home });
  projectRoutes(app, {
    home: config.home, db, projects: new ProjectStore(db), agents, instances, bus, manager, resolveProject: (p) => tasks.resolveProject(p),
  });
  instanceRoutes(app, { agents, instances, tasks, manager, scrollback: config.scrollback });
  eventRoutes(app, { bus, heartbeatMs: config.heartbeatMs });
  const mcp = new McpAccess(config.runDir);
  mcpRoutes(app, { access: mcp, instances, tasks, version: config.version });
  registerClaude({ // the `claude` driver (hooks come through the pty host; the task tools in its --mcp-config)
    manager, instances, runDir: config.runDir, hookSocket: link.paths.hooks,
    mcp: (id) => ({ url: `${manager.url}${MCP_PATH}/${encodeURIComponent(id)}`, secret: mcp.secret(id) }),
  });
  changesRoutes(app, changes); // worktrees: changes, diffs, review, commit, merge, rebase, discard, pull requests
  // `codex` and `gemini`: hooks through the pty host as Claude Code's; resumable (`codex resume`, `gemini --resume`).
  registerHookCli({ manager, runDir: config.runDir, hookSocket: link.paths.hooks }, codexProfile);
  registerHookCli({ manager, runDir: config.runDir, hookSocket: link.paths.hooks }, geminiProfile);

  // Upgrade sockets are detached from the HTTP server: track them so that close() never waits on one.
  const upgraded = new Set<import('node:stream').Duplex>();
  app.server.on('upgrade', (_req, socket) => { upgraded.add(socket); socket.on('close', () => upgraded.delete(socket)); });
  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  guardCfg.port = port;
  config.port = port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : hostForUrl}:${port}`;
  fs.writeFileSync(path.join(config.runDir, 'server.lock.json'), JSON.stringify({ pid: process.pid, url, home: config.home, since: new Date().toISOString() }), { mode: 0o600 });
  writeServerFile(config.runDir, url);
  try { await manager.recover(url); } catch (e) {
    await app.close();
    link.close();
    changes.close();
    auth.close();
    removeServerFile(config.runDir);
    tasks.close();
    sessions.close();
    db.close();
    lock.release();
    throw e;
  }

  let closed = false;
  return {
    app, config, manager, link, url, auth,
    token: () => auth.currentToken(),
    loginUrl: () => `${url}/?token=${encodeURIComponent(auth.currentToken())}`,
    async close(opts = {}) {
      if (closed) return;
      closed = true;
      if (opts.stopAll) {
        await manager.stopAll('stopped_all').catch(() => { /* the host ends them below */ });
        await link.shutdownHost('stopped_all').catch(() => { /* gone */ });
      }
      manager.detachAll();
      link.close();
      changes.close();
      for (const sock of upgraded) sock.destroy();
      await app.close();
      auth.close();
      removeServerFile(config.runDir);
      tasks.close();
      sessions.close();
      db.close();
      lock.release();
    },
  };
}
