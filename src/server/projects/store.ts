// Projects: the folders the task board offers. The home and every agent's project are known by themselves; others are
// remembered in agents.db's `projects` table, when opened on the board (source 'user') or imported from the original
// AreYouJ's settings (source 'legacy'). A project's tasks are its docs/tasks.db; nothing else is kept per project.
import fs from 'node:fs';
import path from 'node:path';
import type { Project } from '../../common/schema.js';
import type { DB } from '../db/sqlite.js';
import { invalid, notFound } from '../errors.js';

const isDir = (p: string) => { try { return fs.statSync(p).isDirectory(); } catch { return false; } };

export class ProjectStore {
  constructor(private db: DB) {}

  /** The home, the agents' projects, then the remembered ones, each once, in that order. */
  list(home: string, agentPaths: string[]): Project[] {
    const out = new Map<string, Project>();
    const add = (p: string, source: Project['source']) => { if (!out.has(p)) out.set(p, { path: p, source, exists: isDir(p) }); };
    add(home, 'home');
    for (const p of [...agentPaths].sort()) add(p, 'agent');
    for (const r of this.db.prepare('SELECT path, source FROM projects ORDER BY created_at, path').all() as { path: string; source: 'user' | 'legacy' }[]) add(r.path, r.source);
    return [...out.values()];
  }

  /** Remembers an existing folder; true when it was new. */
  add(p: string, source: 'user' | 'legacy' = 'user'): boolean {
    if (!path.isAbsolute(p)) throw invalid('invalid_path', 'path', `a project must be an absolute path: ${JSON.stringify(p)}`);
    const dir = path.resolve(p);
    if (source === 'user' && !isDir(dir)) throw invalid('invalid_path', 'path', `not an existing directory: ${JSON.stringify(dir)}`);
    return this.db.prepare('INSERT INTO projects (path, source, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
      .run(dir, source, new Date().toISOString()).changes === 1;
  }

  /** Forgets a remembered project (its tasks.db stays where it is). */
  remove(p: string): void {
    if (this.db.prepare('DELETE FROM projects WHERE path = ?').run(path.resolve(p)).changes === 0) throw notFound('project', p);
  }
}
