// GET/POST/DELETE /api/projects (the board's project selector) and POST /api/projects/import-legacy (the dashboard's
// "Import from AreYouJ"). The import's new agents and instances are announced like any other.
import type { FastifyInstance } from 'fastify';
import { LegacyImportRequest, PlanRequest, ProjectCreate } from '../../common/schema.js';
import type { AgentStore } from '../agents/store.js';
import type { DB } from '../db/sqlite.js';
import type { EventBus } from '../events/bus.js';
import { parse } from '../http/validate.js';
import type { InstanceManager } from '../instances/manager.js';
import type { InstanceStore } from '../instances/store.js';
import { importLegacy } from './legacy.js';
import { renderPlan, templateText } from './plan.js';
import type { ProjectStore } from './store.js';

export interface ProjectRoutesDeps {
  home: string; db: DB; projects: ProjectStore; agents: AgentStore; instances: InstanceStore; bus: EventBus; manager: InstanceManager;
  resolveProject: (p: string) => string;
}

export function projectRoutes(app: FastifyInstance, deps: ProjectRoutesDeps) {
  const list = () => deps.projects.list(deps.home, deps.agents.list().map((a) => a.projectPath));
  app.get('/api/projects', async () => list());
  app.post('/api/projects', async (req, reply) => {
    const added = deps.projects.add(parse(ProjectCreate, req.body).path, 'user');
    reply.status(added ? 201 : 200);
    return list();
  });
  app.delete<{ Querystring: { path?: string } }>('/api/projects', async (req) => {
    deps.projects.remove(parse(ProjectCreate, { path: req.query.path ?? '' }).path);
    return list();
  });
  // Plan with an agent: a new instance in the project, its first message the filled template (plan.ts).
  app.post('/api/projects/plan', async (req, reply) => {
    const body = parse(PlanRequest, req.body);
    const project = deps.resolveProject(body.project);
    deps.agents.get(body.agentId);
    const { text } = templateText(deps.home, body.kind);
    const inst = deps.manager.start(body.agentId, { name: 'plan', projectPath: project, prompt: renderPlan(text, { project, input: body.text }) });
    reply.status(201);
    return inst;
  });
  app.post('/api/projects/import-legacy', async (req) => {
    const { path } = parse(LegacyImportRequest, req.body);
    const r = importLegacy(deps, path);
    for (const agent of r.agents) deps.bus.publish('agent.created', { agent });
    for (const instance of r.instances) deps.bus.publish('instance.created', { instance: deps.instances.get(instance.id) });
    return r.report;
  });
}
