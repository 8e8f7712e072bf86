// Instances and their messages in agents.db. Plain data access: the manager decides, this stores.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { WorktreeState } from '../../common/changes.js';
import {
  LIVE_STATUSES, MessageMeta, Question, type Delivery, type Instance, type InstanceStatus, type InstanceWorktree, type Message,
} from '../../common/schema.js';
import type { DB } from '../db/sqlite.js';
import { notFound } from '../errors.js';

interface InstanceRow {
  id: string; agent_id: string; agent_name: string; name: string; status: InstanceStatus; status_reason: string | null;
  project_path: string; pty_session_id: string | null; pid: number | null; exit_code: number | null; task_id: string | null;
  task_project: string | null; cols: number; rows: number; started_at: string; completed_at: string | null; last_activity_at: string;
  agent_session_id: string | null;
  worktree_path: string | null; worktree_branch: string | null; worktree_base: string | null; worktree_base_oid: string | null;
  worktree_repo: string | null; worktree_state: WorktreeState | null; worktree_note: string | null;
  lm_id: number | null; lm_sender: 'user' | 'agent'; lm_kind: Message['kind']; lm_content: string; lm_at: string;
}
interface MessageRow {
  id: number; agent_instance_id: string; sender_type: 'user' | 'agent'; content: string; requires_user_input: number;
  kind: Message['kind']; metadata: string | null; delivery: Delivery | null; created_at: string; delivered_at: string | null;
}

// The newest message comes along (one indexed lookup per instance) for overviews.
const SELECT_INSTANCE = `SELECT i.*, a.name AS agent_name, m.id AS lm_id, m.sender_type AS lm_sender, m.kind AS lm_kind,
  substr(m.content, 1, 200) AS lm_content, m.created_at AS lm_at
  FROM agent_instances i JOIN agents a ON a.id = i.agent_id
  LEFT JOIN agent_messages m ON m.id = (SELECT MAX(id) FROM agent_messages WHERE agent_instance_id = i.id AND (delivery IS NULL OR delivery = 'sent'))`;

const toInstance = (r: InstanceRow): Instance => ({
  id: r.id, agentId: r.agent_id, agentName: r.agent_name, name: r.name, status: r.status, statusReason: r.status_reason,
  projectPath: r.project_path, ptySessionId: r.pty_session_id, pid: r.pid, exitCode: r.exit_code, taskId: r.task_id,
  taskProject: r.task_project, cols: r.cols, rows: r.rows, startedAt: r.started_at, completedAt: r.completed_at,
  lastActivityAt: r.last_activity_at, agentSessionId: r.agent_session_id,
  lastMessage: r.lm_id === null ? null : { id: r.lm_id, senderType: r.lm_sender, kind: r.lm_kind, content: r.lm_content, createdAt: r.lm_at },
  worktree: r.worktree_path === null ? null : {
    path: r.worktree_path, branch: r.worktree_branch!, base: r.worktree_base!, baseOid: r.worktree_base_oid!, repoRoot: r.worktree_repo!,
    state: r.worktree_state ?? 'open',
  },
  worktreeNote: r.worktree_note,
});
// The metadata column holds {...metadata, question} as JSON. Read back through the schemas, so a row written by an
// older version (another shape) is served without what no longer fits instead of as a wrong type.
const StoredMeta = z.object({ ...MessageMeta.shape, question: z.unknown().optional() }); // unknown keys are dropped
function readMeta(json: string | null): Pick<Message, 'question' | 'metadata'> {
  let raw: unknown = null;
  try { raw = json ? JSON.parse(json) : null; } catch { /* not JSON: nothing */ }
  const r = StoredMeta.safeParse(raw);
  if (!r.success) return { question: null, metadata: null };
  const { question, ...metadata } = r.data;
  return { question: Question.safeParse(question).data ?? null, metadata: Object.keys(metadata).length ? metadata : null };
}
const writeMeta = (question: Question | null | undefined, metadata: MessageMeta | null | undefined): string | null =>
  question || (metadata && Object.keys(metadata).length) ? JSON.stringify({ ...(metadata ?? {}), ...(question ? { question } : {}) }) : null;

const toMessage = (r: MessageRow): Message => ({
  id: r.id, instanceId: r.agent_instance_id, senderType: r.sender_type, content: r.content, requiresUserInput: !!r.requires_user_input,
  kind: r.kind, ...readMeta(r.metadata), delivery: r.delivery, createdAt: r.created_at, deliveredAt: r.delivered_at,
});

export interface NewInstance {
  agentId: string; name: string; projectPath: string; cols: number; rows: number; taskId?: string | null; taskProject?: string | null;
  worktree?: InstanceWorktree | null; worktreeNote?: string | null;
}
export interface InstancePatch {
  name?: string; taskId?: string | null; taskProject?: string | null;
  status?: InstanceStatus; statusReason?: string | null; ptySessionId?: string | null; pid?: number | null; exitCode?: number | null;
  cols?: number; rows?: number; startedAt?: string; completedAt?: string | null; lastActivityAt?: string; agentSessionId?: string | null;
  worktreeState?: WorktreeState; worktreeNote?: string | null;
}
export interface NewMessage {
  senderType: 'user' | 'agent'; content: string; requiresUserInput?: boolean; kind?: Message['kind'];
  question?: Question | null; metadata?: MessageMeta | null; delivery?: Delivery | null; externalKey?: string | null;
}
export interface MessagePatch {
  content?: string; delivery?: Delivery; requiresUserInput?: boolean; question?: Question | null; metadata?: MessageMeta | null;
}

const PATCH_COLUMNS: Record<keyof InstancePatch, string> = {
  name: 'name', taskId: 'task_id', taskProject: 'task_project',
  status: 'status', statusReason: 'status_reason', ptySessionId: 'pty_session_id', pid: 'pid', exitCode: 'exit_code',
  cols: 'cols', rows: 'rows', startedAt: 'started_at', completedAt: 'completed_at', lastActivityAt: 'last_activity_at',
  agentSessionId: 'agent_session_id', worktreeState: 'worktree_state', worktreeNote: 'worktree_note',
};

export class InstanceStore {
  constructor(private db: DB) {}

  create(n: NewInstance): Instance {
    const id = randomUUID();
    const now = new Date().toISOString();
    const w = n.worktree ?? null;
    this.db.prepare(`INSERT INTO agent_instances (id, agent_id, name, status, project_path, cols, rows, task_id, task_project,
      started_at, last_activity_at, worktree_path, worktree_branch, worktree_base, worktree_base_oid, worktree_repo, worktree_state, worktree_note)
      VALUES (?, ?, ?, 'starting', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      id, n.agentId, n.name, n.projectPath, n.cols, n.rows, n.taskId ?? null, n.taskProject ?? null, now, now,
      w?.path ?? null, w?.branch ?? null, w?.base ?? null, w?.baseOid ?? null, w?.repoRoot ?? null, w?.state ?? null, n.worktreeNote ?? null);
    return this.get(id);
  }

  /** Hands an instance's worktree to another one (a restart continues in the same worktree); the first keeps a note. */
  moveWorktree(from: string, to: string): void {
    this.db.transaction(() => {
      this.db.prepare(`UPDATE agent_instances AS t SET worktree_path = f.worktree_path, worktree_branch = f.worktree_branch,
        worktree_base = f.worktree_base, worktree_base_oid = f.worktree_base_oid, worktree_repo = f.worktree_repo,
        worktree_state = f.worktree_state, worktree_note = NULL FROM agent_instances AS f WHERE f.id = ? AND t.id = ?`).run(from, to);
      this.db.prepare(`UPDATE agent_instances SET worktree_path = NULL, worktree_branch = NULL, worktree_base = NULL, worktree_base_oid = NULL,
        worktree_repo = NULL, worktree_state = NULL, worktree_note = ? WHERE id = ?`).run(`its worktree went on with instance ${to}`, from);
    }).immediate();
  }


  find(id: string): Instance | undefined {
    const r = this.db.prepare(`${SELECT_INSTANCE} WHERE i.id = ?`).get(id) as InstanceRow | undefined;
    return r && toInstance(r);
  }

  get(id: string): Instance {
    const i = this.find(id);
    if (!i) throw notFound('instance', id);
    return i;
  }

  list(filter: { agentId?: string; statuses?: readonly InstanceStatus[] } = {}): Instance[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.agentId) { where.push('i.agent_id = ?'); args.push(filter.agentId); }
    if (filter.statuses) { where.push(`i.status IN (${filter.statuses.map(() => '?').join(',')})`); args.push(...filter.statuses); }
    const sql = `${SELECT_INSTANCE}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY i.started_at, i.rowid`;
    return (this.db.prepare(sql).all(...args) as InstanceRow[]).map(toInstance);
  }

  /** The names of an agent's instances (live or ended). */
  names(agentId: string): string[] {
    return (this.db.prepare('SELECT name FROM agent_instances WHERE agent_id = ?').all(agentId) as { name: string }[]).map((r) => r.name);
  }

  countLive(agentId?: string): number {
    const sql = `SELECT COUNT(*) AS n FROM agent_instances WHERE status IN (${LIVE_STATUSES.map(() => '?').join(',')})${agentId ? ' AND agent_id = ?' : ''}`;
    return (this.db.prepare(sql).get(...LIVE_STATUSES, ...(agentId ? [agentId] : [])) as { n: number }).n;
  }

  /** Live instances linked to the given tasks of one project (the cross-database query, as an indexed lookup). */
  forTasks(project: string): Map<string, Instance[]> {
    const rows = this.db.prepare(`${SELECT_INSTANCE} WHERE i.task_project = ? AND i.task_id IS NOT NULL ORDER BY i.started_at`)
      .all(project) as InstanceRow[];
    const out = new Map<string, Instance[]>();
    for (const r of rows) {
      const list = out.get(r.task_id!) ?? [];
      list.push(toInstance(r));
      out.set(r.task_id!, list);
    }
    return out;
  }

  update(id: string, patch: InstancePatch): Instance {
    const keys = Object.keys(patch) as (keyof InstancePatch)[];
    if (keys.length) {
      const sets = keys.map((k) => `${PATCH_COLUMNS[k]} = ?`).join(', ');
      const r = this.db.prepare(`UPDATE agent_instances SET ${sets} WHERE id = ?`).run(...keys.map((k) => patch[k] ?? null), id);
      if (r.changes === 0) throw notFound('instance', id);
    }
    return this.get(id);
  }

  delete(id: string): void {
    const r = this.db.prepare('DELETE FROM agent_instances WHERE id = ?').run(id);
    if (r.changes === 0) throw notFound('instance', id);
  }

  // ---------- messages ----------
  addMessage(instanceId: string, m: NewMessage): Message {
    const now = new Date().toISOString();
    const r = this.db.prepare(`INSERT INTO agent_messages (agent_instance_id, sender_type, content, requires_user_input, kind, metadata,
      delivery, external_key, created_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO NOTHING`).run(
      instanceId, m.senderType, m.content, m.requiresUserInput ? 1 : 0, m.kind ?? 'text', writeMeta(m.question, m.metadata),
      m.delivery ?? null, m.externalKey ?? null, now, m.delivery === 'sent' ? now : null);
    if (r.changes === 0) return this.findMessageByKey(instanceId, m.externalKey!)!;
    return this.getMessage(Number(r.lastInsertRowid));
  }

  findMessageByKey(instanceId: string, key: string): Message | undefined {
    const r = this.db.prepare('SELECT * FROM agent_messages WHERE agent_instance_id = ? AND external_key = ?').get(instanceId, key) as MessageRow | undefined;
    return r && toMessage(r);
  }

  findMessage(id: number): Message | undefined {
    const r = this.db.prepare('SELECT * FROM agent_messages WHERE id = ?').get(id) as MessageRow | undefined;
    return r && toMessage(r);
  }

  getMessage(id: number): Message {
    const m = this.findMessage(id);
    if (!m) throw notFound('message', String(id));
    return m;
  }

  messages(instanceId: string, after = 0, limit = 100): Message[] {
    return (this.db.prepare('SELECT * FROM agent_messages WHERE agent_instance_id = ? AND id > ? ORDER BY id LIMIT ?')
      .all(instanceId, after, limit) as MessageRow[]).map(toMessage);
  }

  /** The oldest queued message: one row through the queue index, never the whole queue. */
  nextQueued(instanceId: string): Message | undefined {
    const r = this.db.prepare(`SELECT * FROM agent_messages WHERE agent_instance_id = ? AND delivery = 'queued' ORDER BY id LIMIT 1`)
      .get(instanceId) as MessageRow | undefined;
    return r && toMessage(r);
  }

  queued(instanceId: string): Message[] {
    return (this.db.prepare(`SELECT * FROM agent_messages WHERE agent_instance_id = ? AND delivery = 'queued' ORDER BY id`)
      .all(instanceId) as MessageRow[]).map(toMessage);
  }

  /**
   * Moves the queued messages left on an agent's ended instances (an import of the original AreYouJ's queue leaves
   * them there; an instance that ends cancels its own) to its new instance, in their order; returns them.
   */
  adoptQueued(agentId: string, instanceId: string): Message[] {
    const ids = (this.db.prepare(`SELECT m.id FROM agent_messages m JOIN agent_instances i ON i.id = m.agent_instance_id
      WHERE i.agent_id = ? AND m.agent_instance_id != ? AND m.delivery = 'queued'
      AND i.status NOT IN (${LIVE_STATUSES.map(() => '?').join(',')}) ORDER BY m.id`).all(agentId, instanceId, ...LIVE_STATUSES) as { id: number }[]).map((r) => r.id);
    const move = this.db.prepare('UPDATE agent_messages SET agent_instance_id = ? WHERE id = ?');
    this.db.transaction(() => { for (const id of ids) move.run(instanceId, id); })();
    return ids.map((id) => this.getMessage(id));
  }

  updateMessage(id: number, patch: MessagePatch): Message {
    const cur = this.getMessage(id);
    this.db.prepare(`UPDATE agent_messages SET content = ?, delivery = ?, requires_user_input = ?, metadata = ?, delivered_at = ? WHERE id = ?`).run(
      patch.content ?? cur.content, patch.delivery ?? cur.delivery, (patch.requiresUserInput ?? cur.requiresUserInput) ? 1 : 0,
      writeMeta(patch.question !== undefined ? patch.question : cur.question, patch.metadata !== undefined ? patch.metadata : cur.metadata),
      patch.delivery === 'sent' ? new Date().toISOString() : cur.deliveredAt, id);
    return this.getMessage(id);
  }

  /** Clears requires_user_input on every open question of an instance (it was answered or the turn moved on). */
  /** The newest question still waiting for the user, if any, with its external key. */
  openQuestion(instanceId: string): { message: Message; externalKey: string | null } | undefined {
    const r = this.db.prepare(`SELECT id, external_key FROM agent_messages WHERE agent_instance_id = ? AND requires_user_input = 1
      ORDER BY id DESC LIMIT 1`).get(instanceId) as { id: number; external_key: string | null } | undefined;
    return r ? { message: this.getMessage(r.id), externalKey: r.external_key } : undefined;
  }

  /** User messages typed into the program on the API's behalf (sent), newest last. */
  sentUserMessages(instanceId: string, limit = 200): Message[] {
    const rows = this.db.prepare(`SELECT id FROM agent_messages WHERE agent_instance_id = ? AND sender_type = 'user' AND delivery = 'sent'
      ORDER BY id DESC LIMIT ?`).all(instanceId, limit) as { id: number }[];
    return rows.reverse().map((r) => this.getMessage(r.id));
  }

  settleQuestions(instanceId: string): Message[] {
    const open = this.db.prepare('SELECT id FROM agent_messages WHERE agent_instance_id = ? AND requires_user_input = 1').all(instanceId) as { id: number }[];
    if (!open.length) return [];
    this.db.prepare('UPDATE agent_messages SET requires_user_input = 0 WHERE agent_instance_id = ? AND requires_user_input = 1').run(instanceId);
    return open.map((o) => this.getMessage(o.id));
  }
}
