// agents.db migration 5 (kinds codex and gemini) rebuilds the agents table: a version-1 database keeps its agents,
// settings, instances and messages, foreign keys still cascade, and the new kinds are accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openAgentsDb, SCHEMA_VERSION } from '../../src/server/agents/db.js';

const V1_AGENTS = `CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, project_path TEXT NOT NULL, description TEXT,
  command TEXT NOT NULL DEFAULT 'claude', args TEXT NOT NULL DEFAULT '[]', env TEXT NOT NULL DEFAULT '{}',
  kind TEXT NOT NULL DEFAULT 'claude' CHECK (kind IN ('claude','generic')), color TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP, updated_at DATETIME DEFAULT CURRENT_TIMESTAMP)`;

test('migrations 2-5 keep a version-1 database whole; kinds codex and gemini are accepted', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-migrate-'));
  fs.mkdirSync(path.join(home, 'docs'));
  // A version-1 database: migration 1 as released, with one agent, its settings, an instance and a message.
  const v1 = new Database(path.join(home, 'docs', 'agents.db'));
  v1.exec(`${V1_AGENTS};
    CREATE TABLE agent_instances (id TEXT PRIMARY KEY, agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE, name TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'starting', status_reason TEXT, started_at DATETIME DEFAULT CURRENT_TIMESTAMP, completed_at DATETIME NULL,
      pty_session_id TEXT NULL, pid INTEGER NULL, project_path TEXT NOT NULL, exit_code INTEGER NULL, task_id TEXT NULL, task_project TEXT NULL,
      cols INTEGER NOT NULL DEFAULT 120, rows INTEGER NOT NULL DEFAULT 32, last_activity_at DATETIME DEFAULT CURRENT_TIMESTAMP);
    CREATE TABLE agent_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, agent_instance_id TEXT NOT NULL REFERENCES agent_instances(id) ON DELETE CASCADE,
      sender_type TEXT NOT NULL, content TEXT NOT NULL, requires_user_input BOOLEAN NOT NULL DEFAULT FALSE, kind TEXT NOT NULL DEFAULT 'text',
      metadata TEXT, delivery TEXT, external_key TEXT, created_at DATETIME DEFAULT CURRENT_TIMESTAMP, delivered_at DATETIME NULL);
    CREATE TABLE agent_settings (agent_id TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE, auto_start BOOLEAN NOT NULL DEFAULT FALSE,
      notification_enabled BOOLEAN NOT NULL DEFAULT TRUE, max_concurrent_instances INTEGER NOT NULL DEFAULT 1, settings_json TEXT NOT NULL DEFAULT '{}');
    INSERT INTO agents (id, name, project_path, command, kind) VALUES ('a1', 'old', '/p', 'claude', 'claude');
    INSERT INTO agent_settings (agent_id, max_concurrent_instances) VALUES ('a1', 3);
    INSERT INTO agent_instances (id, agent_id, name, project_path) VALUES ('i1', 'a1', '#1', '/p');
    INSERT INTO agent_messages (agent_instance_id, sender_type, content) VALUES ('i1', 'user', 'hello');
    PRAGMA user_version = 1;`);
  assert.throws(() => v1.prepare(`INSERT INTO agents (id, name, project_path, kind) VALUES ('a2', 'x', '/p', 'codex')`).run(), /CHECK/);
  v1.close();

  const db = openAgentsDb(home);
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(SCHEMA_VERSION, 5, 'migrations: 3 projects, 4 agent_session_id, 5 the kinds codex and gemini');
  assert.ok((db.pragma('table_info(agent_instances)') as { name: string }[]).some((c) => c.name === 'agent_session_id'));
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.deepEqual(db.prepare(`SELECT id, name, kind FROM agents`).all(), [{ id: 'a1', name: 'old', kind: 'claude' }]);
  assert.equal((db.prepare(`SELECT max_concurrent_instances m FROM agent_settings WHERE agent_id = 'a1'`).get() as any).m, 3);
  assert.equal((db.prepare(`SELECT content FROM agent_messages WHERE agent_instance_id = 'i1'`).get() as any).content, 'hello');
  db.prepare(`INSERT INTO agents (id, name, project_path, kind) VALUES ('a2', 'cx', '/p', 'codex'), ('a3', 'gm', '/p', 'gemini')`).run();
  assert.throws(() => db.prepare(`INSERT INTO agents (id, name, project_path, kind) VALUES ('a4', 'no', '/p', 'nope')`).run(), /CHECK/);
  // the instances (and migration 3's legacy imports) still belong to the (rebuilt) agents table: deleting the agent cascades
  db.prepare(`INSERT INTO legacy_imports (project_path, agent_id, instance_id, imported_at) VALUES ('/p', 'a1', 'i1', '2026-01-01')`).run();
  db.prepare(`DELETE FROM agents WHERE id = 'a1'`).run();
  assert.equal((db.prepare(`SELECT COUNT(*) n FROM legacy_imports`).get() as any).n, 0);
  assert.equal((db.prepare(`SELECT COUNT(*) n FROM agent_instances`).get() as any).n, 0);
  assert.equal((db.prepare(`SELECT COUNT(*) n FROM agent_messages`).get() as any).n, 0);
  assert.equal((db.prepare(`SELECT COUNT(*) n FROM agent_settings`).get() as any).n, 0);
  db.close();
  fs.rmSync(home, { recursive: true, force: true });
});
