// The changes API of one instance (see docs/API.md, "Changes"): status, diffs, review, commit, merge, rebase, discard, PR.
import type { Changes, FileDiff, MergeStrategy, ReviewComment } from '../../common/changes.js';
import type { Message } from '../../common/schema.js';
import { request, type SendMode } from '../lib/api.js';

const base = (id: string) => `/api/instances/${encodeURIComponent(id)}/changes`;
const q = (o: Record<string, string | undefined | null>) =>
  Object.entries(o).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k}=${encodeURIComponent(v!)}`).join('&');

export interface PrStatus { available: boolean; reason: string | null }

export const changesApi = {
  /** `watch` asks the server to watch the working tree (a lease of a minute, renewed while the panel is open). */
  get: (id: string, watch = true) => request<Changes>('GET', `${base(id)}${watch ? '?watch=1' : ''}`),
  diff: (id: string, path: string, oldPath?: string | null) => request<FileDiff>('GET', `${base(id)}/diff?${q({ path, oldPath })}`),
  commit: (id: string, message?: string) => request<{ oid: string; files: number; changes: Changes }>('POST', `${base(id)}/commit`, { message }),
  merge: (id: string, body: { strategy: MergeStrategy; message?: string; completeTask?: boolean }) =>
    request<{ oid: string; base: string; strategy: MergeStrategy; taskDone: boolean; changes: Changes }>('POST', `${base(id)}/merge`, body),
  rebase: (id: string) => request<{ oid: string; rebased: boolean; changes: Changes }>('POST', `${base(id)}/rebase`, {}),
  discard: (id: string, force: boolean) => request<{ removedDir: boolean; deletedBranch: boolean }>('POST', `${base(id)}/discard`, { force }),
  prStatus: (id: string) => request<PrStatus>('GET', `${base(id)}/pr`),
  openPr: (id: string, body: { title?: string; body?: string; draft?: boolean }) => request<{ url: string }>('POST', `${base(id)}/pr`, body),
  review: (id: string, comments: ReviewComment[], summary: string | undefined, mode: SendMode) =>
    request<{ message: Message; delivery: 'sent' | 'queued' }>('POST', `/api/instances/${encodeURIComponent(id)}/review`, { comments, summary, mode }),
};
