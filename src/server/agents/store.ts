// Agents and their settings in agents.db. Plain functions over a connection; routes stay thin.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { AgentSettings, type Agent, type AgentCreate, type AgentKind, type AgentUpdate } from '../../common/schema.js';
import type { DB } from '../db/sqlite.js';
import { conflict, invalid, notFound } from '../errors.js';

interface Row {
  id: string; name: string; project_path: string; description: string | null; command: string; args: string; env: string;
  kind: AgentKind; color: string | null; created_at: string; updated_at: string;
  auto_start: number | null; notification_enabled: number | null; max_concurrent_instances: number | null; settings_json: string | null;
}

const SELECT = `SELECT a.*, s.auto_start, s.notification_enabled, s.max_concurrent_instances, s.settings_json
  FROM agents a LEFT JOIN agent_settings s ON s.agent_id = a.id`;

function toAgent(r: Row): Agent {
  const extra = JSON.parse(r.settings_json ?? '{}');
  const settings = AgentSettings.parse({
    ...extra,
    autoStart: !!r.auto_start,
    notificationEnabled: r.notification_enabled === null ? true : !!r.notification_enabled,
    maxConcurrentInstances: r.max_concurrent_instances ?? 1,
  });
  return {
    id: r.id, name: r.name, projectPath: r.project_path, description: r.description, command: r.command,
    args: JSON.parse(r.args), env: JSON.parse(r.env), kind: r.kind, color: r.color, settings,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** A project path must be an absolute path to an existing directory. */
export function checkProjectPath(p: string, field = 'projectPath'): string {
  if (!path.isAbsolute(p)) throw invalid('invalid_path', field, `${field} must be an absolute path: ${JSON.stringify(p)}`);
  const resolved = path.resolve(p);
  let st: fs.Stats;
  try { st = fs.statSync(resolved); } catch {
    throw invalid('invalid_path', field, `${field} does not exist: ${JSON.stringify(resolved)}`);
  }
  if (!st.isDirectory()) throw invalid('invalid_path', field, `${field} is not a directory: ${JSON.stringify(resolved)}`);
  return resolved;
}

export class AgentStore {
  constructor(private db: DB) {}

  list(): Agent[] {
    return (this.db.prepare(`${SELECT} ORDER BY a.name COLLATE NOCASE`).all() as Row[]).map(toAgent);
  }

  find(id: string): Agent | undefined {
    const r = this.db.prepare(`${SELECT} WHERE a.id = ?`).get(id) as Row | undefined;
    return r && toAgent(r);
  }

  get(id: string): Agent {
    const a = this.find(id);
    if (!a) throw notFound('agent', id);
    return a;
  }

  /** `pathMustExist: false`: for an import of agents whose folders are on another machine (starting one then fails, saying so). */
  create(input: AgentCreate, opts: { pathMustExist?: boolean } = {}): Agent {
    const projectPath = opts.pathMustExist === false ? path.resolve(input.projectPath) : checkProjectPath(input.projectPath);
    const id = randomUUID();
    const now = new Date().toISOString();
    const settings = AgentSettings.parse(input.settings ?? {});
    this.db.transaction(() => {
      this.assertNameFree(input.name);
      this.db.prepare(`INSERT INTO agents (id, name, project_path, description, command, args, env, kind, color, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        id, input.name, projectPath, input.description ?? null, input.command ?? 'claude', JSON.stringify(input.args ?? []),
        JSON.stringify(input.env ?? {}), input.kind ?? guessKind(input.command ?? 'claude'), input.color ?? null, now, now);
      this.writeSettings(id, settings);
    }).immediate();
    return this.get(id);
  }

  update(id: string, patch: AgentUpdate): Agent {
    const cur = this.get(id);
    const projectPath = patch.projectPath !== undefined ? checkProjectPath(patch.projectPath) : cur.projectPath;
    const settings = AgentSettings.parse({ ...cur.settings, ...(patch.settings ?? {}) });
    this.db.transaction(() => {
      if (patch.name !== undefined && patch.name !== cur.name) this.assertNameFree(patch.name);
      this.db.prepare(`UPDATE agents SET name = ?, project_path = ?, description = ?, command = ?, args = ?, env = ?, kind = ?,
        color = ?, updated_at = ? WHERE id = ?`).run(
        patch.name ?? cur.name, projectPath, patch.description !== undefined ? patch.description : cur.description,
        patch.command ?? cur.command, JSON.stringify(patch.args ?? cur.args), JSON.stringify(patch.env ?? cur.env),
        patch.kind ?? cur.kind, patch.color !== undefined ? patch.color : cur.color, new Date().toISOString(), id);
      this.writeSettings(id, settings);
    }).immediate();
    return this.get(id);
  }

  /** Deletes the agent; the database cascades to its settings, instances and their messages. */
  delete(id: string): void {
    const r = this.db.prepare('DELETE FROM agents WHERE id = ?').run(id);
    if (r.changes === 0) throw notFound('agent', id);
  }

  private assertNameFree(name: string) {
    const other = this.db.prepare('SELECT id FROM agents WHERE name = ?').get(name) as { id: string } | undefined;
    if (other) throw conflict('name_taken', `an agent named ${JSON.stringify(name)} already exists`, { field: 'name', id: other.id });
  }

  private writeSettings(id: string, s: AgentSettings) {
    const { autoStart, notificationEnabled, maxConcurrentInstances, ...rest } = s;
    this.db.prepare(`INSERT INTO agent_settings (agent_id, auto_start, notification_enabled, max_concurrent_instances, settings_json)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT(agent_id) DO UPDATE SET auto_start = excluded.auto_start,
      notification_enabled = excluded.notification_enabled, max_concurrent_instances = excluded.max_concurrent_instances,
      settings_json = excluded.settings_json`).run(id, autoStart ? 1 : 0, notificationEnabled ? 1 : 0, maxConcurrentInstances, JSON.stringify(rest));
  }
}

/** An agent whose command is Claude Code, Codex CLI or Gemini CLI is of that kind; anything else is `generic`. */
export function guessKind(command: string): AgentKind {
  const name = path.basename(command.trim().split(/\s+/)[0] ?? '');
  return name === 'claude' || name === 'codex' || name === 'gemini' ? name : 'generic';
}

