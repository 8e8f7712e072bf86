import type { FastifyInstance } from 'fastify';
import { intParam } from '../http/validate.js';
import type { Ctx } from '../server.js';

type P = { Params: { id: string } };

export function instanceRoutes(app: FastifyInstance, ctx: Ctx) {
  app.get('/api/instances', async () => ctx.instances.list());
  app.get<P>('/api/agents/:id/instances', async (req) => {
    ctx.agents.get(req.params.id);
    return ctx.instances.list({ agentId: req.params.id });
  });
  app.get<P>('/api/instances/:id', async (req) => ctx.instances.get(req.params.id));
  app.get<P & { Querystring: { after?: string; limit?: string } }>('/api/instances/:id/messages', async (req) => {
    ctx.instances.get(req.params.id);
    const after = intParam(req.query.after, 'after', 0);
    const limit = intParam(req.query.limit, 'limit', 100, 1, 1000);
    return ctx.instances.messages(req.params.id, after, limit);
  });
}
