// One project's docs/tasks.db, in the original AreYouJ format. An existing file keeps its schema; a missing
// one is created on the first write only. Other programs (agents running sqlite3) write it too: WAL, busy timeout.
import fs from 'node:fs';
import path from 'node:path';
import type { Task, TaskCreate, TaskUpdate } from '../../common/schema.js';
import { openSqlite, type DB } from '../db/sqlite.js';
import { conflict, invalid, notFound } from '../errors.js';
import { compareTaskIds, findCycle, sortByTaskId } from './order.js';
import { TASKS_SCHEMA } from './schema-sql.js';

interface Row {
  id: string; title: string; description: string; status: Task['status']; priority: Task['priority']; notes: string | null;
  details: string | null; parent_id: string | null; created_at: string | null; updated_at: string | null;
}

const toTask = (r: Row, deps: string[]): Task => ({
  id: r.id, title: r.title, description: r.description, status: r.status, priority: r.priority, notes: r.notes,
  details: r.details ?? '', parentId: r.parent_id || null, dependencies: deps, createdAt: r.created_at, updatedAt: r.updated_at,
});

export class TaskStore {
  readonly file: string;
  private db: DB | null = null;

  constructor(readonly project: string) {
    this.file = path.join(project, 'docs', 'tasks.db');
  }

  get exists(): boolean { return this.db !== null || fs.existsSync(this.file); }

  /** The connection, or null when the file does not exist (reads never create it). A file that is not a usable
   * database (a directory, another format, no permission) is a 409 naming it, not a server error. */
  private conn(create: boolean): DB | null {
    if (this.db) return this.db;
    try {
      if (!fs.existsSync(this.file)) {
        if (!create) return null;
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        const db = openSqlite(this.file);
        db.exec(TASKS_SCHEMA);
        this.db = db;
        return db;
      }
      this.db = openSqlite(this.file, { fileMustExist: true });
      return this.db;
    } catch (e) {
      throw conflict('tasks_db_unusable', `${this.file} cannot be used as a task list: ${(e as Error).message}`);
    }
  }

  /** Monotonic counter of commits by any connection other than ours (PRAGMA data_version). */
  dataVersion(): number | null {
    const db = this.conn(false);
    return db ? (db.pragma('data_version', { simple: true }) as number) : null;
  }

  close(): void { this.db?.close(); this.db = null; }

  /** Every task, top-level in natural id order with their subtasks nested. */
  list(): Task[] {
    const db = this.conn(false);
    if (!db) return [];
    const deps = this.dependencyMap(db);
    const byId = new Map<string, Task>();
    // Rows as arrays (no per-row key objects): this is the hot path of a 10,000-task board.
    const rows = db.prepare(`SELECT id, title, description, status, priority, notes, details, parent_id, created_at, updated_at
      FROM tasks`).raw(true).all() as [string, string, string, Task['status'], Task['priority'], string | null, string | null, string | null, string | null, string | null][];
    for (const [id, title, description, status, priority, notes, details, parentId, createdAt, updatedAt] of rows) {
      const d = deps.get(id);
      byId.set(id, {
        id, title, description, status, priority, notes, details: details ?? '', parentId: parentId || null,
        dependencies: d && d.length > 1 ? sortByTaskId(d.map((x) => ({ id: x }))).map((x) => x.id) : d ?? [],
        createdAt, updatedAt, subtasks: [],
      });
    }
    const top: Task[] = [];
    for (const t of byId.values()) {
      const parent = t.parentId ? byId.get(t.parentId) : undefined;
      if (parent) parent.subtasks!.push(t);
      else top.push(t);
    }
    for (const t of top) if (t.subtasks!.length > 1) t.subtasks = sortByTaskId(t.subtasks!);
    return sortByTaskId(top);
  }

  find(id: string): Task | undefined {
    const db = this.conn(false);
    if (!db) return undefined;
    const r = db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
    if (!r) return undefined;
    const deps = (db.prepare('SELECT dependency_id FROM task_dependencies WHERE task_id = ?').all(id) as { dependency_id: string }[])
      .map((d) => d.dependency_id).sort(compareTaskIds);
    const subtasks = (db.prepare('SELECT * FROM tasks WHERE parent_id = ?').all(id) as Row[])
      .map((s) => this.find(s.id)!).sort((a, b) => compareTaskIds(a.id, b.id));
    return { ...toTask(r, deps), subtasks };
  }

  get(id: string): Task {
    const t = this.find(id);
    if (!t) throw notFound('task', id);
    return t;
  }

  create(input: TaskCreate): Task {
    if (!this.exists) { // nothing can be referenced yet: refuse before the file is created
      if (input.parentId) throw invalid('invalid_parent', 'parentId', `parent task ${JSON.stringify(input.parentId)} does not exist`);
      if (input.dependencies?.length) throw invalid('invalid_dependency', 'dependencies', `dependencies name tasks that do not exist: ${input.dependencies.join(', ')}`, { missing: input.dependencies });
    }
    const db = this.conn(true)!;
    // IMMEDIATE: take the write lock before reading, so another writer makes us wait (busy timeout) instead of
    // failing the upgrade from a read transaction with SQLITE_BUSY at once.
    const id = db.transaction(() => {
      let id: string;
      if (input.parentId) {
        const parent = db.prepare('SELECT id, parent_id FROM tasks WHERE id = ?').get(input.parentId) as Row | undefined;
        if (!parent) throw invalid('invalid_parent', 'parentId', `parent task ${JSON.stringify(input.parentId)} does not exist`);
        if (parent.parent_id) throw invalid('invalid_parent', 'parentId', `task ${parent.id} is a subtask; subtasks have one level only`);
        const n = (db.prepare('SELECT id FROM tasks WHERE parent_id = ?').all(parent.id) as { id: string }[])
          .reduce((m, r) => Math.max(m, Number(r.id.split('.')[1]) || 0), 0);
        id = `${parent.id}.${n + 1}`;
      } else {
        const n = (db.prepare(`SELECT id FROM tasks WHERE parent_id IS NULL OR parent_id = ''`).all() as { id: string }[])
          .reduce((m, r) => Math.max(m, Number(r.id) || 0), 0);
        id = String(n + 1);
      }
      db.prepare(`INSERT INTO tasks (id, title, description, status, priority, notes, details, parent_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(id, input.title, input.description ?? '', input.status ?? 'pending',
        input.priority ?? 'medium', input.notes ?? null, input.details ?? '', input.parentId ?? null);
      if (input.dependencies) this.setDependencies(db, id, input.dependencies);
      return id;
    }).immediate();
    return this.get(id);
  }

  update(id: string, patch: TaskUpdate): Task {
    const db = this.conn(false);
    if (!db || !this.find(id)) throw notFound('task', id);
    db.transaction(() => {
      const cols: [string, unknown][] = [];
      if (patch.title !== undefined) cols.push(['title', patch.title]);
      if (patch.description !== undefined) cols.push(['description', patch.description]);
      if (patch.status !== undefined) cols.push(['status', patch.status]);
      if (patch.priority !== undefined) cols.push(['priority', patch.priority]);
      if (patch.notes !== undefined) cols.push(['notes', patch.notes]);
      if (patch.details !== undefined) cols.push(['details', patch.details]);
      const sets = [...cols.map(([c]) => `${c} = ?`), 'updated_at = CURRENT_TIMESTAMP'].join(', ');
      db.prepare(`UPDATE tasks SET ${sets} WHERE id = ?`).run(...cols.map(([, v]) => v), id);
      if (patch.dependencies) this.setDependencies(db, id, patch.dependencies);
    }).immediate();
    return this.get(id);
  }

  /** Deletes a task, its subtasks and every dependency row naming any of them, in one transaction. */
  delete(id: string): string[] {
    const db = this.conn(false);
    if (!db || !this.find(id)) throw notFound('task', id);
    return db.transaction(() => {
      const ids = [id, ...(db.prepare('SELECT id FROM tasks WHERE parent_id = ?').all(id) as { id: string }[]).map((r) => r.id)];
      const marks = ids.map(() => '?').join(',');
      db.prepare(`DELETE FROM task_dependencies WHERE task_id IN (${marks}) OR dependency_id IN (${marks})`).run(...ids, ...ids);
      db.prepare(`DELETE FROM tasks WHERE parent_id = ?`).run(id);
      db.prepare(`DELETE FROM tasks WHERE id = ?`).run(id);
      return ids;
    }).immediate();
  }

  private dependencyMap(db: DB): Map<string, string[]> {
    const map = new Map<string, string[]>();
    for (const r of db.prepare('SELECT task_id, dependency_id FROM task_dependencies').all() as { task_id: string; dependency_id: string }[]) {
      const list = map.get(r.task_id);
      if (list) list.push(r.dependency_id);
      else map.set(r.task_id, [r.dependency_id]);
    }
    return map;
  }

  /** Replaces a task's dependencies after checking that they exist and form no cycle. Runs inside a transaction. */
  private setDependencies(db: DB, id: string, wanted: string[]) {
    const unique = [...new Set(wanted)];
    const exists = db.prepare('SELECT 1 FROM tasks WHERE id = ?');
    const missing = unique.filter((d) => !exists.get(d));
    if (missing.length) throw invalid('invalid_dependency', 'dependencies', `dependencies name tasks that do not exist: ${missing.join(', ')}`, { missing });
    const graph = this.dependencyMap(db);
    graph.set(id, unique);
    const cycle = findCycle(graph, id);
    if (cycle) throw invalid('dependency_cycle', 'dependencies', `dependencies would form a cycle: ${cycle.join(' → ')}`, { cycle });
    db.prepare('DELETE FROM task_dependencies WHERE task_id = ?').run(id);
    const ins = db.prepare('INSERT INTO task_dependencies (task_id, dependency_id) VALUES (?, ?)');
    for (const d of unique) ins.run(id, d);
  }
}

