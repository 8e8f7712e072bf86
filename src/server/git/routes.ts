// HTTP routes of the changes API (docs/API.md, "Changes"): thin, over ChangesService; git's refusals become 4xx.
import type { FastifyInstance } from 'fastify';
import { CommitBody, DiscardBody, MergeBody, PullRequestBody, ReviewBody } from '../../common/changes.js';
import { ApiError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import type { ChangesService } from './changes-service.js';
import { GitError, type GitErrorCode } from './exec.js';

type P = { Params: { id: string } };

const STATUS: Record<GitErrorCode, number> = {
  invalid_ref: 400, invalid_path: 400,
  not_a_repository: 409, missing_base: 409, detached_head: 409, dirty_base: 409, uncommitted_changes: 409, nothing_to_commit: 409,
  nothing_to_merge: 409, merge_conflict: 409, rebase_conflict: 409, not_fast_forward: 409, unmerged_work: 409, branch_exists: 409,
  worktree_missing: 409, gh_unavailable: 409, no_remote: 409,
  push_failed: 502, pr_failed: 502, git_failed: 500, git_missing: 500,
};

/** A GitError as the API's error: its code, a status, git's own words. */
export function toApiError(e: unknown): unknown {
  return e instanceof GitError ? new ApiError(STATUS[e.code], e.code, e.message, e.details) : e;
}

async function wrap<T>(fn: () => Promise<T>): Promise<T> {
  try { return await fn(); } catch (e) { throw toApiError(e); }
}

export function changesRoutes(app: FastifyInstance, svc: ChangesService) {
  const base = '/api/instances/:id/changes';
  app.get<P & { Querystring: { watch?: string } }>(base, (req) => wrap(() => svc.changes(req.params.id, req.query.watch === '1' || req.query.watch === 'true')));
  app.get<P & { Querystring: { path?: string; oldPath?: string } }>(`${base}/diff`, (req) => wrap(() => {
    if (!req.query.path) throw new ApiError(400, 'validation_failed', 'path: give the file (?path=…)', [{ path: ['path'], message: 'required' }]);
    return svc.diff(req.params.id, req.query.path, req.query.oldPath || null);
  }));
  app.post<P>(`${base}/commit`, (req) => wrap(() => svc.commit(req.params.id, parse(CommitBody, req.body))));
  app.post<P>(`${base}/merge`, (req) => wrap(() => svc.merge(req.params.id, parse(MergeBody, req.body))));
  app.post<P>(`${base}/rebase`, (req) => wrap(() => svc.rebase(req.params.id)));
  app.post<P>(`${base}/discard`, (req) => wrap(() => svc.discard(req.params.id, parse(DiscardBody, req.body))));
  app.get<P>(`${base}/pr`, (req) => wrap(() => svc.prStatus(req.params.id)));
  app.post<P>(`${base}/pr`, async (req, reply) => {
    const r = await wrap(() => svc.openPr(req.params.id, parse(PullRequestBody, req.body)));
    reply.status(201);
    return r;
  });
  app.post<P>('/api/instances/:id/review', async (req, reply) => {
    const r = await wrap(() => svc.review(req.params.id, parse(ReviewBody, req.body))) as { delivery?: string };
    reply.status(r.delivery === 'sent' ? 201 : 202);
    return r;
  });
}
