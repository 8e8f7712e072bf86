import type { FastifyInstance } from 'fastify';
import { AgentCreate, AgentUpdate } from '../../common/schema.js';
import { parse } from '../http/validate.js';
import type { Ctx } from '../server.js';

type P = { Params: { id: string } };

export function agentRoutes(app: FastifyInstance, ctx: Ctx) {
  app.get('/api/agents', async () => ctx.agents.list());
  app.get<P>('/api/agents/:id', async (req) => ctx.agents.get(req.params.id));
  app.post('/api/agents', async (req, reply) => {
    const agent = ctx.agents.create(parse(AgentCreate, req.body));
    ctx.bus.publish('agent.created', { agent });
    reply.status(201);
    return agent;
  });
  app.put<P>('/api/agents/:id', async (req) => {
    const agent = ctx.agents.update(req.params.id, parse(AgentUpdate, req.body));
    ctx.bus.publish('agent.updated', { agent });
    return agent;
  });
  app.delete<P>('/api/agents/:id', async (req) => {
    ctx.agents.get(req.params.id);
    await ctx.manager.stopAgent(req.params.id); // live instances are stopped first; the database cascades the rest
    ctx.agents.delete(req.params.id);
    ctx.bus.publish('agent.deleted', { id: req.params.id });
    return { deleted: req.params.id };
  });
}
