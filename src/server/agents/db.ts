// agents.db: agents, their settings, their instances and the instances' messages.
// Versioned migrations keyed on PRAGMA user_version; each runs once, in a transaction.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { readVersion } from '../config.js';
import { openSqlite, type DB } from '../db/sqlite.js';

// A migration's text never changes once released. (cols/rows DEFAULT 120/32 is DEFAULT_TERMINAL_SIZE in
// src/common/limits.ts; the manager always writes the size, so the column defaults are never used.)
const MIGRATIONS: string[] = [
  // 1: the seed's four tables, with the columns the later issues need.
  `
  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    project_path TEXT NOT NULL,
    description TEXT,
    command TEXT NOT NULL DEFAULT 'claude',
    args TEXT NOT NULL DEFAULT '[]',
    env TEXT NOT NULL DEFAULT '{}',
    kind TEXT NOT NULL DEFAULT 'claude' CHECK (kind IN ('claude','generic')),
    color TEXT,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP
  );
  CREATE TABLE agent_instances (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'starting'
      CHECK (status IN ('starting','idle','active','awaiting_input','completed','error','terminated')),
    status_reason TEXT,
    started_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    completed_at DATETIME NULL,
    pty_session_id TEXT NULL,
    pid INTEGER NULL,
    project_path TEXT NOT NULL,
    exit_code INTEGER NULL,
    task_id TEXT NULL,
    task_project TEXT NULL,
    cols INTEGER NOT NULL DEFAULT 120,
    rows INTEGER NOT NULL DEFAULT 32,
    last_activity_at DATETIME DEFAULT CURRENT_TIMESTAMP
  );
  CREATE INDEX idx_instances_agent ON agent_instances(agent_id, started_at);
  CREATE INDEX idx_instances_status ON agent_instances(status);
  CREATE INDEX idx_instances_task ON agent_instances(task_project, task_id);
  CREATE TABLE agent_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_instance_id TEXT NOT NULL REFERENCES agent_instances(id) ON DELETE CASCADE,
    sender_type TEXT NOT NULL CHECK (sender_type IN ('user','agent')),
    content TEXT NOT NULL,
    requires_user_input BOOLEAN NOT NULL DEFAULT FALSE,
    kind TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text','question','permission','tool','system')),
    metadata TEXT,
    delivery TEXT CHECK (delivery IN ('queued','sent','cancelled')),
    external_key TEXT,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    delivered_at DATETIME NULL
  );
  CREATE INDEX idx_messages_instance ON agent_messages(agent_instance_id, id);
  CREATE INDEX idx_messages_queue ON agent_messages(agent_instance_id, delivery, id) WHERE delivery = 'queued';
  CREATE UNIQUE INDEX idx_messages_external ON agent_messages(agent_instance_id, external_key) WHERE external_key IS NOT NULL;
  CREATE TABLE agent_settings (
    agent_id TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
    auto_start BOOLEAN NOT NULL DEFAULT FALSE,
    notification_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    max_concurrent_instances INTEGER NOT NULL DEFAULT 1,
    settings_json TEXT NOT NULL DEFAULT '{}'
  );
  `,
  // 2: an instance's own git worktree (issue 10): where it is, its branch and base, and what became of it.
  `
  ALTER TABLE agent_instances ADD COLUMN worktree_path TEXT NULL;
  ALTER TABLE agent_instances ADD COLUMN worktree_branch TEXT NULL;
  ALTER TABLE agent_instances ADD COLUMN worktree_base TEXT NULL;
  ALTER TABLE agent_instances ADD COLUMN worktree_base_oid TEXT NULL;
  ALTER TABLE agent_instances ADD COLUMN worktree_repo TEXT NULL;
  ALTER TABLE agent_instances ADD COLUMN worktree_state TEXT NULL CHECK (worktree_state IN ('open','merged','removed'));
  ALTER TABLE agent_instances ADD COLUMN worktree_note TEXT NULL;
  `,
  // 3: projects (the folders the task board knows, e.g. brought over from the original AreYouJ) and what an import of
  // the original's data created (one agent and one instance per project), so that importing again changes nothing.
  `
  CREATE TABLE projects (
    path TEXT PRIMARY KEY,
    source TEXT NOT NULL DEFAULT 'user' CHECK (source IN ('user','legacy')),
    created_at DATETIME NOT NULL
  );
  CREATE TABLE legacy_imports (
    project_path TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    instance_id TEXT NOT NULL REFERENCES agent_instances(id) ON DELETE CASCADE,
    imported_at DATETIME NOT NULL
  );
  `,
  // 4: the agent CLI's own session id, to resume the conversation when its pty host was lost (issue 9).
  `ALTER TABLE agent_instances ADD COLUMN agent_session_id TEXT NULL;`,
  // 5: agent kinds codex and gemini (issue 11). SQLite cannot change a CHECK in place: the agents table is rebuilt
  // (foreign keys off meanwhile, see migrate(); instances and settings keep referring to "agents" by name).
  `
  CREATE TABLE agents_new (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    project_path TEXT NOT NULL,
    description TEXT,
    command TEXT NOT NULL DEFAULT 'claude',
    args TEXT NOT NULL DEFAULT '[]',
    env TEXT NOT NULL DEFAULT '{}',
    kind TEXT NOT NULL DEFAULT 'claude' CHECK (kind IN ('claude','codex','gemini','generic')),
    color TEXT,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP
  );
  INSERT INTO agents_new (id, name, project_path, description, command, args, env, kind, color, created_at, updated_at)
    SELECT id, name, project_path, description, command, args, env, kind, color, created_at, updated_at FROM agents;
  DROP TABLE agents;
  ALTER TABLE agents_new RENAME TO agents;
  `,
];

/** The schema version this build writes: agents.db's PRAGMA user_version after every migration. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** agents.db was written by a newer AreYouJ (a schema version this build does not know): refused, never touched. */
export class SchemaTooNewError extends Error {
  constructor(readonly file: string, readonly found: number) {
    super(`${file} has schema version ${found}, written by a newer AreYouJ; this AreYouJ (${readVersion()}) knows schema versions up to ${SCHEMA_VERSION}. ` +
      'Upgrade AreYouJ (npm install -g areyouj@latest) or use another --home. The file was not changed.');
    this.name = 'SchemaTooNewError';
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * The schema version of an existing agents.db (null when there is none yet), read without changing anything: a file
 * from a newer version must be left exactly as it was. The version is PRAGMA user_version, stored in the database
 * header (4 bytes, big-endian, at offset 60), which is read directly: even a read-only SQLite connection to a WAL
 * database creates -wal and -shm files beside it. Only when a WAL or rollback journal already holds changes not yet in
 * the file is SQLite asked, through a read-only connection (those files exist already).
 */
export function readSchemaVersion(file: string): number | null {
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch { return null; }
  if (st.size === 0) return null;
  const size = (f: string) => { try { return fs.statSync(f).size; } catch { return 0; } };
  if (size(`${file}-wal`) > 0 || fs.existsSync(`${file}-journal`)) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try { return db.pragma('user_version', { simple: true }) as number; } finally { db.close(); }
  }
  const header = Buffer.alloc(100);
  const fd = fs.openSync(file, 'r');
  try { fs.readSync(fd, header, 0, 100, 0); } finally { fs.closeSync(fd); }
  if (header.toString('latin1', 0, 16) !== SQLITE_MAGIC) throw new Error(`${file} is not a SQLite database`);
  return header.readInt32BE(60);
}

/** Throws SchemaTooNewError when the file at `file` is from a newer version; returns its version (null: none yet). */
export function checkSchema(file: string): number | null {
  const v = readSchemaVersion(file);
  if (v !== null && v > SCHEMA_VERSION) throw new SchemaTooNewError(file, v);
  return v;
}

/** Runs the migrations the database lacks, in order, each in its own transaction, up to `target` (tests build older homes). */
export function migrate(db: DB, target = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new SchemaTooNewError(db.name, current);
  for (let v = current; v < Math.min(target, SCHEMA_VERSION); v++) {
    // Table rebuilds need foreign keys off (a DROP would cascade); the pragma has no effect inside a transaction.
    db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length) throw new Error(`agents.db migration ${v + 1} broke ${broken.length} foreign key references`);
        db.pragma(`user_version = ${v + 1}`);
      }).immediate();
    } finally {
      db.pragma('foreign_keys = ON');
    }
  }
}

export const agentsDbPath = (home: string) => path.join(home, 'docs', 'agents.db');

export function openAgentsDb(home: string): DB {
  const file = agentsDbPath(home);
  checkSchema(file); // before anything opens it for writing (WAL would change its header)
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = openSqlite(file);
  migrate(db);
  return db;
}
