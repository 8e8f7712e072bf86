// HTTP routes of the changes API (docs/API.md, "Changes"): thin, over ChangesService. A GitError is a DomainError:
// the HTTP layer gives it its status (400 a bad ref or path, 409 a refusal, 502 a failing git or gh).
import type { FastifyInstance } from 'fastify';
import { CommitBody, DiscardBody, MergeBody, PullRequestBody, ReviewBody } from '../../common/changes.js';
import { ApiError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import type { ChangesService } from './changes-service.js';

type P = { Params: { id: string } };

export function changesRoutes(app: FastifyInstance, svc: ChangesService) {
  const base = '/api/instances/:id/changes';
  app.get<P & { Querystring: { watch?: string } }>(base, (req) => svc.changes(req.params.id, req.query.watch === '1' || req.query.watch === 'true'));
  app.get<P & { Querystring: { path?: string; oldPath?: string } }>(`${base}/diff`, async (req) => {
    if (!req.query.path) throw new ApiError(400, 'validation_failed', 'path: give the file (?path=…)', [{ path: ['path'], message: 'required' }]);
    return svc.diff(req.params.id, req.query.path, req.query.oldPath || null);
  });
  app.post<P>(`${base}/commit`, async (req) => svc.commit(req.params.id, parse(CommitBody, req.body)));
  app.post<P>(`${base}/merge`, async (req) => svc.merge(req.params.id, parse(MergeBody, req.body)));
  app.post<P>(`${base}/rebase`, async (req) => svc.rebase(req.params.id));
  app.post<P>(`${base}/discard`, async (req) => svc.discard(req.params.id, parse(DiscardBody, req.body)));
  app.get<P>(`${base}/pr`, async (req) => svc.prStatus(req.params.id));
  app.post<P>(`${base}/pr`, async (req, reply) => {
    const r = await svc.openPr(req.params.id, parse(PullRequestBody, req.body));
    reply.status(201);
    return r;
  });
  app.get<P>('/api/agents/:id/branches', async (req) => svc.branches(req.params.id));
  app.post<P>('/api/instances/:id/review', async (req, reply) => {
    const r = await svc.review(req.params.id, parse(ReviewBody, req.body)) as { delivery?: string };
    reply.status(r.delivery === 'sent' ? 201 : 202);
    return r;
  });
}
