import type { FastifyInstance } from 'fastify';
import { AgentCreate, AgentUpdate } from '../../common/schema.js';
import { parse } from '../http/validate.js';
import type { EventBus } from '../events/bus.js';
import type { InstanceManager } from '../instances/manager.js';
import type { AgentStore } from './store.js';

type P = { Params: { id: string } };

export function agentRoutes(app: FastifyInstance, deps: { agents: AgentStore; bus: EventBus; manager: InstanceManager }) {
  app.get('/api/agents', async () => deps.agents.list());
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
    await deps.manager.stopAgent(req.params.id); // live instances are stopped first; the database cascades the rest
    deps.manager.forgetAgentFiles(req.params.id);
    deps.agents.delete(req.params.id);
    deps.bus.publish('agent.deleted', { id: req.params.id });
    return { deleted: req.params.id };
  });
}
