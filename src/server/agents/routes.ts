import type { FastifyInstance } from 'fastify';
import { AgentCreate, AgentUpdate, ResolveQuery } from '../../common/schema.js';
import { parse } from '../http/validate.js';
import type { EventBus } from '../events/bus.js';
import type { InstanceManager } from '../instances/manager.js';
import { resolveAgentCommand } from './resolve.js';
import { checkProjectPath, type AgentStore } from './store.js';

type P = { Params: { id: string } };

export function agentRoutes(app: FastifyInstance, deps: { agents: AgentStore; bus: EventBus; manager: InstanceManager; home: string }) {
  app.get('/api/agents', async () => deps.agents.list());
  // Which executable a command resolves to for an agent in projectPath (default: the server's home), and its version.
  app.get('/api/agents/resolve', async (req) => {
    const q = parse(ResolveQuery, req.query);
    return resolveAgentCommand(q.command, checkProjectPath(q.projectPath ?? deps.home));
  });
  app.get<P>('/api/agents/:id', async (req) => deps.agents.get(req.params.id));
  app.post('/api/agents', async (req, reply) => {
    const agent = deps.agents.create(parse(AgentCreate, req.body));
    deps.bus.publish('agent.created', { agent });
    reply.status(201);
    return agent;
  });
  app.put<P>('/api/agents/:id', async (req) => {
    const agent = deps.agents.update(req.params.id, parse(AgentUpdate, req.body));
    deps.bus.publish('agent.updated', { agent });
    return agent;
  });
  app.delete<P>('/api/agents/:id', async (req) => {
    deps.agents.get(req.params.id);
    await deps.manager.removeAgent(req.params.id); // live instances are stopped and logs deleted first; the database cascades the rest
    deps.agents.delete(req.params.id);
    deps.bus.publish('agent.deleted', { id: req.params.id });
    return { deleted: req.params.id };
  });
}
