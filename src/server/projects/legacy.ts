// Importing the original AreYouJ (its checkout's server/data): settings.json's projectHomePath and recentPaths become
// projects; each project's queue (queues/<first 16 hex of sha256(project path)>/queue.json, or the older single
// queue.json for the home project) becomes the history and the pending queue of a new Claude Code agent for that
// project: pending and interrupted `processing` items are queued messages (the agent's next instance sends them),
// the rest history. One transaction: all or nothing. Each item is keyed (legacy:<id>), so importing again adds
// nothing. A file that cannot be used is reported by path and skipped. The original's docs/tasks.db files need no
// import: the board reads them as they are.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Agent, Instance, LegacyImportReport } from '../../common/schema.js';
import type { AgentStore } from '../agents/store.js';
import type { DB } from '../db/sqlite.js';
import { invalid } from '../errors.js';
import type { InstanceStore } from '../instances/store.js';
import type { ProjectStore } from './store.js';

/** Larger than any real settings or queue file; bigger ones are refused unread. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

const Settings = z.object({
  projectHomePath: z.string().nullish(),
  recentPaths: z.array(z.string()).max(1000).optional(),
});
const QueueItem = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  message: z.string().max(1_000_000),
  status: z.enum(['pending', 'processing', 'completed', 'error']),
  createdAt: z.string().optional(),
  completedAt: z.string().optional(),
  error: z.string().optional(),
});
const Queue = z.array(QueueItem).max(100_000);
type QueueItem = z.infer<typeof QueueItem>;

/** The original's queue folder name for a project path. */
export const queueHash = (projectPath: string) => createHash('sha256').update(projectPath).digest('hex').slice(0, 16);

type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Reads and validates one JSON file: a regular file (not a link, FIFO or device), of bounded size. */
function readJson<T>(file: string, schema: z.ZodType<T>): Read<T> | null {
  let st: fs.Stats;
  try { st = fs.lstatSync(file); } catch { return null; }
  if (!st.isFile()) return { ok: false, reason: 'not a regular file' };
  if (st.size > MAX_FILE_BYTES) return { ok: false, reason: `larger than ${MAX_FILE_BYTES} bytes` };
  let raw: unknown;
  try { raw = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return { ok: false, reason: 'not valid JSON' }; }
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  const i = r.error.issues[0];
  return { ok: false, reason: `not in the original's format: ${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}` };
}

/** An ISO time from the original's (with an offset), or null. */
function iso(t: string | undefined): string | null {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export interface LegacyDeps { db: DB; agents: AgentStore; instances: InstanceStore; projects: ProjectStore }

/** The data folder of a checkout (or the data folder itself), or a 400 saying what is missing. */
export function legacyDataDir(given: string): string {
  if (!path.isAbsolute(given)) throw invalid('invalid_path', 'path', `give an absolute path: ${JSON.stringify(given)}`);
  const p = path.resolve(given);
  for (const dir of [path.join(p, 'server', 'data'), p]) {
    if (fs.existsSync(path.join(dir, 'settings.json')) || fs.existsSync(path.join(dir, 'queues'))) return dir;
  }
  throw invalid('not_areyouj', 'path', `${p} is not a checkout of the original AreYouJ: it has no server/data/settings.json or server/data/queues`);
}

export function importLegacy(deps: LegacyDeps, given: string): { report: LegacyImportReport; agents: Agent[]; instances: Instance[] } {
  const data = legacyDataDir(given);
  const skipped: LegacyImportReport['skipped'] = [];
  const settingsFile = path.join(data, 'settings.json');
  const settings = readJson(settingsFile, Settings);
  if (settings && !settings.ok) skipped.push({ path: settingsFile, reason: settings.reason });
  const named = settings?.ok ? [settings.value.projectHomePath, ...(settings.value.recentPaths ?? [])] : [];
  const paths = [...new Set(named.filter((p): p is string => !!p && path.isAbsolute(p)))];
  for (const p of named) if (p && !path.isAbsolute(p)) skipped.push({ path: settingsFile, reason: `a project path that is not absolute was left out: ${JSON.stringify(p)}` });
  const home = settings?.ok ? settings.value.projectHomePath ?? null : null;

  // Each project's queue, found by the hash of its path; folders no named path hashes to cannot be placed.
  const byHash = new Map(paths.map((p) => [queueHash(p), p]));
  const queues: { project: string; file: string; items: QueueItem[] }[] = [];
  const queuesDir = path.join(data, 'queues');
  let dirs: fs.Dirent[] = [];
  try { dirs = fs.readdirSync(queuesDir, { withFileTypes: true }); } catch { /* no queues */ }
  for (const d of dirs.sort((a, b) => a.name.localeCompare(b.name))) {
    const file = path.join(queuesDir, d.name, 'queue.json');
    if (!d.isDirectory() || !/^[0-9a-f]{16}$/.test(d.name)) continue;
    const project = byHash.get(d.name);
    const q = readJson(file, Queue);
    if (!q) continue;
    if (!project) { skipped.push({ path: file, reason: 'its project is not named in settings.json (queues are named by a hash of the project path)' }); continue; }
    if (!q.ok) { skipped.push({ path: file, reason: q.reason }); continue; }
    queues.push({ project, file, items: q.value });
  }
  // The original's first format: one queue.json for its project home, used when that project has no queue of its own.
  const single = path.join(data, 'queue.json');
  const q1 = readJson(single, Queue);
  if (q1 && !q1.ok) skipped.push({ path: single, reason: q1.reason });
  else if (q1?.ok && q1.value.length) {
    if (home && path.isAbsolute(home) && !queues.some((q) => q.project === home)) queues.push({ project: home, file: single, items: q1.value });
    else skipped.push({ path: single, reason: home ? 'the project home already has its own queue' : 'settings.json names no project home to give it to' });
  }

  const report: LegacyImportReport = { source: data, projects: [], agents: [], skipped, changed: false };
  const created = { agents: [] as Agent[], instances: [] as Instance[] };
  deps.db.transaction(() => {
    for (const p of paths) {
      const added = deps.projects.add(p, 'legacy');
      report.projects.push({ path: path.resolve(p), exists: fs.existsSync(p), added });
      if (added) report.changed = true;
    }
    for (const q of queues) report.agents.push(importQueue(deps, data, q, created));
    if (report.agents.some((a) => a.created || a.history || a.queued)) report.changed = true;
  }).immediate();
  return { report, ...created };
}

function importQueue(deps: LegacyDeps, data: string, q: { project: string; file: string; items: QueueItem[] }, created: { agents: Agent[]; instances: Instance[] }) {
  const project = path.resolve(q.project);
  const prior = deps.db.prepare('SELECT agent_id, instance_id FROM legacy_imports WHERE project_path = ?').get(project) as { agent_id: string; instance_id: string } | undefined;
  let agentId: string, instanceId: string;
  const isNew = !prior;
  if (prior) ({ agent_id: agentId, instance_id: instanceId } = prior);
  else {
    const agent = deps.agents.create({
      name: freeName(deps.db, `${path.basename(project) || project} (AreYouJ)`), projectPath: project, kind: 'claude', command: 'claude',
      description: `Imported from the original AreYouJ (${data}): the message queue of ${project}.`,
    }, { pathMustExist: false });
    const inst = deps.instances.create({ agentId: agent.id, name: 'AreYouJ queue', projectPath: project, cols: 120, rows: 32 });
    const times = q.items.map((i) => iso(i.completedAt) ?? iso(i.createdAt)).filter((t): t is string => !!t).sort();
    const done = deps.instances.update(inst.id, { status: 'completed', statusReason: 'imported from the original AreYouJ', completedAt: times.at(-1) ?? new Date().toISOString() });
    deps.db.prepare('INSERT INTO legacy_imports (project_path, agent_id, instance_id, imported_at) VALUES (?, ?, ?, ?)')
      .run(project, agent.id, inst.id, new Date().toISOString());
    created.agents.push(deps.agents.get(agent.id));
    created.instances.push(done);
    agentId = agent.id;
    instanceId = inst.id;
  }
  // A message already brought over (on this instance, or moved to a newer one of the agent with the queue) is skipped.
  const known = deps.db.prepare(`SELECT 1 FROM agent_messages m JOIN agent_instances i ON i.id = m.agent_instance_id
    WHERE i.agent_id = ? AND m.external_key = ?`);
  const insert = deps.db.prepare(`INSERT INTO agent_messages (agent_instance_id, sender_type, content, kind, metadata, delivery, external_key,
    created_at, delivered_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)`);
  let history = 0, queued = 0;
  for (const item of q.items) {
    const key = `legacy:${item.id}`;
    if (known.get(agentId, key)) continue;
    const at = iso(item.createdAt) ?? new Date().toISOString();
    if (item.status === 'pending' || item.status === 'processing') {
      insert.run(instanceId, 'user', item.message, 'text', 'queued', key, at, null);
      queued++;
      continue;
    }
    insert.run(instanceId, 'user', item.message, 'text', 'sent', key, at, iso(item.completedAt) ?? at);
    if (item.status === 'error') {
      insert.run(instanceId, 'agent', `The original AreYouJ reported an error: ${item.error ?? 'unknown'}`, 'system', null, `${key}:error`, iso(item.completedAt) ?? at, null);
    }
    history++;
  }
  return { project, agentId, agentName: deps.agents.get(agentId).name, created: isNew, history, queued };
}

/** `name`, or `name 2`, `name 3`… when taken. */
function freeName(db: DB, name: string): string {
  const taken = db.prepare('SELECT 1 FROM agents WHERE name = ?');
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${name} ${n}`;
    if (!taken.get(candidate)) return candidate;
  }
}
