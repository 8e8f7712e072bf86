// Small endpoints the web app needs: server info, and a directory lister for the project picker.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SCHEMA_VERSION } from '../agents/db.js';
import { ApiError } from './errors.js';
import type { Config } from '../config.js';
import type { EventBus } from '../events/bus.js';

export interface MiscDeps {
  config: Pick<Config, 'version' | 'home' | 'maxInstances'>;
  bus: EventBus;
  /** The pty host's state (connected, answering, pid). */
  ptyHost: () => { connected: boolean; responsive: boolean; pid: number | null; startedAt: string | null };
}

export function miscRoutes(app: FastifyInstance, deps: MiscDeps) {
  app.get('/api/info', async () => {
    const { connected, responsive, pid, startedAt } = deps.ptyHost();
    return {
      version: deps.config.version, schemaVersion: SCHEMA_VERSION, home: deps.config.home, maxInstances: deps.config.maxInstances, lastEventId: deps.bus.lastId,
      ptyHost: { connected, responsive, pid, startedAt },
    };
  });

  // Lists sub-directories only (never files), for choosing an agent's project path.
  app.get<{ Querystring: { path?: string; hidden?: string } }>('/api/fs/dirs', async (req) => {
    const p = req.query.path || deps.config.home;
    if (!path.isAbsolute(p)) throw new ApiError(400, 'invalid_path', `path must be absolute: ${JSON.stringify(p)}`, { field: 'path' });
    const dir = path.resolve(p);
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new ApiError(400, 'invalid_path', `not a directory: ${JSON.stringify(dir)}`, { field: 'path' });
      if (code === 'EACCES') throw new ApiError(403, 'forbidden_path', `cannot read ${JSON.stringify(dir)}`, { field: 'path' });
      throw new ApiError(404, 'not_found', `no such directory: ${JSON.stringify(dir)}`, { field: 'path' });
    }
    const showHidden = req.query.hidden === '1';
    const dirs = entries
      .filter((e) => (e.isDirectory() || (e.isSymbolicLink() && isDir(path.join(dir, e.name)))) && (showHidden || !e.name.startsWith('.')))
      .map((e) => ({ name: e.name, path: path.join(dir, e.name) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { path: dir, parent: dir === path.dirname(dir) ? null : path.dirname(dir), dirs };
  });
}

function isDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}
