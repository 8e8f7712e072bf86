import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { TaskCreate, TaskExportQuery, TaskUpdate, type Task, type TaskInstanceLink } from '../../common/schema.js';
import { parse } from '../http/validate.js';
import type { InstanceStore } from '../instances/store.js';
import { acceptsGzip, COMPRESS_MIN_BYTES, etagMatches, linksKey, serializeTaskList, TaskListCache } from './cache.js';
import { EXPORT_TYPES, exportFileName, exportRows, toCsv, toXlsx } from './export.js';
import type { TaskService } from './service.js';

type Q = { Querystring: { project?: string }; Params: { id: string } };

export function taskRoutes(app: FastifyInstance, deps: { tasks: TaskService; instances: InstanceStore; cache?: TaskListCache }) {
  const project = (q: { project?: string }) => deps.tasks.resolveProject(q.project);
  const cache = deps.cache ?? new TaskListCache();

  // The instances started for each task (agents.db), by one indexed lookup per request.
  const linksOf = (p: string): Map<string, TaskInstanceLink[]> => {
    const out = new Map<string, TaskInstanceLink[]>();
    for (const [taskId, list] of deps.instances.forTasks(p)) {
      out.set(taskId, list.map((i) => ({ id: i.id, agentId: i.agentId, agentName: i.agentName, name: i.name, status: i.status })));
    }
    return out;
  };
  const withInstances = (links: Map<string, TaskInstanceLink[]>, t: Task): Task => {
    t.instances = links.get(t.id) ?? [];
    t.subtasks?.forEach((s) => withInstances(links, s));
    return t;
  };

  // The list, cached per project and revision (see cache.ts), gzip when accepted; ETag / If-None-Match → 304.
  // Server-Timing says what it cost.
  // compress: false — the cached gzip body is ours; @fastify/compress (static files) must not encode it again.
  app.get<Q>('/api/tasks', { compress: false }, async (req, reply) => {
    const t0 = performance.now();
    const p = project(req.query);
    const links = linksOf(p);
    const key = `${deps.tasks.revision(p)}|${linksKey(links)}`;
    const etag = cache.etag(`${p}\u0000${key}`); // a tag names one project's list: never valid for another's
    reply.header('etag', etag).header('cache-control', 'no-cache');
    if (etagMatches(req.headers['if-none-match'], etag)) {
      reply.header('server-timing', `tasks;desc="not modified";dur=${(performance.now() - t0).toFixed(2)}`);
      return reply.code(304).send();
    }
    const { body, hit } = cache.body(p, key, () => {
      const { exists, tasks } = deps.tasks.list(p);
      return serializeTaskList(p, exists, tasks, links);
    });
    reply.header('vary', 'accept-encoding');
    let sent = body;
    if (body.length >= COMPRESS_MIN_BYTES && acceptsGzip(req.headers['accept-encoding'])) {
      sent = await cache.gzip(p, key, body);
      reply.header('content-encoding', 'gzip');
    }
    reply.header('server-timing', `tasks;desc="${hit ? 'cached' : 'built'}";dur=${(performance.now() - t0).toFixed(2)}`);
    return reply.type('application/json; charset=utf-8').send(sent);
  });
  // The board as CSV or an Excel workbook, all of it or as the board filters it (export.ts).
  app.get('/api/tasks/export', async (req, reply) => {
    const q = parse(TaskExportQuery, req.query);
    const p = project(q);
    const { header, rows } = exportRows(deps.tasks.list(p).tasks, { q: q.q, status: q.status, priority: q.priority }, q.details === '1');
    const name = exportFileName(path.basename(p), q.format);
    const body = q.format === 'csv' ? toCsv(header, rows) : await toXlsx(header, rows, `Tasks of ${p}`);
    const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
    return reply.type(EXPORT_TYPES[q.format]).header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`).send(body);
  });
  app.get<Q>('/api/tasks/:id', async (req) => {
    const p = project(req.query);
    return withInstances(linksOf(p), deps.tasks.store(p).get(req.params.id));
  });
  app.post<Q>('/api/tasks', async (req, reply) => {
    const p = project(req.query);
    reply.status(201);
    return deps.tasks.create(p, parse(TaskCreate, req.body));
  });
  app.put<Q>('/api/tasks/:id', async (req) => deps.tasks.update(project(req.query), req.params.id, parse(TaskUpdate, req.body)));
  app.delete<Q>('/api/tasks/:id', async (req) => ({ deleted: deps.tasks.delete(project(req.query), req.params.id) }));
}
