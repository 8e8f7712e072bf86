// Composition: the stores, the event bus, the instance manager and the HTTP app, for one home.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openAgentsDb } from './agents/db.js';
import { agentRoutes } from './agents/routes.js';
import { AgentStore } from './agents/store.js';
import type { Config } from './config.js';
import { EventBus } from './events/bus.js';
import { eventRoutes } from './events/routes.js';
import { buildApp } from './http/app.js';
import { isLoopback } from './http/guards.js';
import { miscRoutes } from './http/misc-routes.js';
import { InstanceManager } from './instances/manager.js';
import { instanceRoutes } from './instances/routes.js';
import { registerClaude } from './integrations/claude/routes.js';
import { InstanceStore } from './instances/store.js';
import { lockHolder, tryLock } from '../ptyhost/lock.js';
import { ownerOnlyDir } from '../ptyhost/paths.js';
import { PtyHostLink } from './sessions/pty-host-link.js';
import { taskRoutes } from './tasks/routes.js';
import { TaskService } from './tasks/service.js';

export interface Server {
  app: FastifyInstance; config: Config; manager: InstanceManager; link: PtyHostLink; url: string;
  /**
   * Stops the server. The agents go on in the pty host (the next server re-adopts them), unless stopAll: then every
   * instance is terminated (reason `stopped_all`) and the pty host exits too.
   */
  close(opts?: { stopAll?: boolean }): Promise<void>;
}

/** Another server runs on this home (it holds the home's server lock). */
export class ServerBusyError extends Error {}

export async function startServer(config: Config): Promise<Server> {
  if (!isLoopback(config.host) && !config.token) throw new Error('a token is required when listening on a non-loopback host');
  fs.mkdirSync(config.logsDir, { recursive: true });
  // One server per home: a second one says so and stops (the pty host, too, takes one server at a time).
  ownerOnlyDir(config.runDir);
  const lock = tryLock(path.join(config.runDir, 'server.lock'), { home: config.home, port: config.port });
  if (!lock) {
    const h = lockHolder(path.join(config.runDir, 'server.lock'));
    throw new ServerBusyError(`another AreYouJ server${h?.pid ? ` (pid ${h.pid}${h.url ? `, ${h.url}` : ''})` : ''} runs on ${config.home}; stop it first (areyouj stop)`);
  }
  const bus = new EventBus();
  const db = openAgentsDb(config.home);
  const agents = new AgentStore(db);
  const instances = new InstanceStore(db);
  const tasks = new TaskService(config.home, bus);
  const link = new PtyHostLink(config.home, { scrollback: config.scrollback });
  const manager = new InstanceManager({ config, bus, agents, instances, tasks, link });

  const guardCfg = { host: config.host, port: config.port, token: config.token };
  const { app } = await buildApp({ guard: guardCfg, bodyLimit: config.bodyLimit, webRoot: config.webRoot });
  miscRoutes(app, { config, bus, ptyHost: () => link.status });
  taskRoutes(app, { tasks, instances });
  agentRoutes(app, { agents, bus, manager });
  instanceRoutes(app, { agents, instances, tasks, manager, scrollback: config.scrollback });
  eventRoutes(app, { bus, heartbeatMs: config.heartbeatMs });
  registerClaude({ manager, instances, runDir: config.runDir, hookSocket: link.paths.hooks }); // the `claude` driver

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
  try { await manager.recover(url); } catch (e) {
    await app.close();
    link.close();
    tasks.close();
    db.close();
    lock.release();
    throw e;
  }

  let closed = false;
  return {
    app, config, manager, link, url,
    async close(opts = {}) {
      if (closed) return;
      closed = true;
      if (opts.stopAll) {
        await manager.stopAll('stopped_all').catch(() => { /* the host ends them below */ });
        await link.shutdownHost('stopped_all').catch(() => { /* gone */ });
      }
      manager.detachAll();
      link.close();
      for (const sock of upgraded) sock.destroy();
      await app.close();
      tasks.close();
      db.close();
      lock.release();
    },
  };
}
