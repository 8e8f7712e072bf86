// What an instance changed, and how it is landed: the shapes of the changes API, shared by server, web app and tests.
import { z } from 'zod';

export const FILE_STATUSES = ['added', 'modified', 'deleted', 'renamed', 'typechange', 'untracked', 'unmerged'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

export interface ChangedFile {
  path: string;
  /** The path before a rename. */
  oldPath: string | null;
  status: FileStatus;
  /** Lines added / deleted against the base; null for binary files and for untracked files too large to count. */
  added: number | null;
  deleted: number | null;
  binary: boolean;
  /** The file has changes not yet committed on the branch (or is untracked). */
  uncommitted: boolean;
}

export interface CommitInfo { oid: string; short: string; subject: string; author: string; date: string }

/**
 * `worktree`: the instance has its own worktree and branch; changes are the branch (commits and working tree) against
 * the merge base with its base branch. `in_place`: it runs in the project's own working tree (a git repository);
 * changes are what is not committed. `none`: the project is not a git repository.
 */
export type ChangesMode = 'worktree' | 'in_place' | 'none';

export interface Changes {
  mode: ChangesMode;
  /** The working tree the changes are read from. */
  dir: string;
  branch: string | null;
  base: string | null;
  /** The commit the changes are compared with (the merge base with `base`, or HEAD in place). */
  baseOid: string | null;
  head: string | null;
  files: ChangedFile[];
  /** More files changed than are listed (the list is capped); `totals` counts them all. */
  truncated: boolean;
  totals: { files: number; added: number; deleted: number; uncommitted: number };
  /** The branch's commits that are not on its base, newest first (capped). */
  commits: CommitInfo[];
  ahead: number;
  behind: number;
  /** The branch and its base are one commit line away from each other: merging needs no merge commit. */
  canFastForward: boolean;
  /** A sentence for the user when something is missing (not a repository, base branch deleted…). */
  note: string | null;
  /** What the worktree is now: open, merged (kept until discarded) or removed. */
  state: WorktreeState | null;
  /** A commit message from the instance's task or name (the default when none is given). */
  suggestedMessage?: string;
}

export const WORKTREE_STATES = ['open', 'merged', 'removed'] as const;
export type WorktreeState = (typeof WORKTREE_STATES)[number];

/** An instance's own worktree: where the agent runs, its branch, the base it started from, what became of it. */
export const InstanceWorktree = z.strictObject({
  path: z.string(), branch: z.string(), base: z.string(), baseOid: z.string(), repoRoot: z.string(), state: z.enum(WORKTREE_STATES),
});
export type InstanceWorktree = z.infer<typeof InstanceWorktree>;

export interface FileDiff {
  path: string;
  oldPath: string | null;
  status: FileStatus;
  binary: boolean;
  /** The patch was larger than the cap: `patch` is empty and the counts say how big it is. */
  tooLarge: boolean;
  added: number | null;
  deleted: number | null;
  /** A unified diff (git's format, headers included), or '' for binary and too-large files. */
  patch: string;
}

/** The data of an `instance.changes` event: a small summary; viewers with the panel open refetch the full list. */
export const ChangesEvent = z.strictObject({
  instanceId: z.string(),
  totals: z.strictObject({ files: z.number().int(), added: z.number().int(), deleted: z.number().int(), uncommitted: z.number().int() }),
  ahead: z.number().int(),
  behind: z.number().int(),
  head: z.string().nullable(),
  state: z.enum(WORKTREE_STATES).nullable(),
});
export type ChangesEvent = z.infer<typeof ChangesEvent>;

// ---------- request bodies ----------
const message = z.string().trim().min(1, 'the message must not be empty').max(20_000);

export const CommitBody = z.strictObject({ message: message.optional() });
export type CommitBody = z.infer<typeof CommitBody>;

export const MERGE_STRATEGIES = ['merge', 'squash', 'fast-forward'] as const;
export type MergeStrategy = (typeof MERGE_STRATEGIES)[number];
export const MergeBody = z.strictObject({
  strategy: z.enum(MERGE_STRATEGIES).default('merge'),
  message: message.optional(),
  /** Also set the instance's task to `done` (asked in the UI, never assumed). */
  completeTask: z.boolean().optional(),
});
export type MergeBody = z.infer<typeof MergeBody>;

/** `force` deletes a branch whose work is not on its base (the user confirmed it). */
export const DiscardBody = z.strictObject({ force: z.boolean().default(false) });
export type DiscardBody = z.infer<typeof DiscardBody>;

export const PullRequestBody = z.strictObject({
  title: z.string().trim().min(1).max(500).optional(),
  body: z.string().max(60_000).optional(),
  draft: z.boolean().optional(),
});
export type PullRequestBody = z.infer<typeof PullRequestBody>;

/** One review comment on a line range of one file of the diff. */
export const ReviewComment = z.strictObject({
  path: z.string().min(1).max(4096),
  side: z.enum(['old', 'new']).default('new'),
  startLine: z.number().int().min(1),
  endLine: z.number().int().min(1),
  /** The lines commented on, as the reviewer saw them (quoted in the message). */
  code: z.string().max(20_000).default(''),
  comment: z.string().trim().min(1, 'a comment must not be empty').max(20_000),
}).refine((c) => c.endLine >= c.startLine, { message: 'endLine must not be before startLine', path: ['endLine'] });
export type ReviewComment = z.infer<typeof ReviewComment>;

export const ReviewBody = z.strictObject({
  comments: z.array(ReviewComment).min(1, 'a review has at least one comment').max(200),
  summary: z.string().trim().max(20_000).optional(),
  mode: z.enum(['auto', 'now', 'queue']).default('auto'),
});
export type ReviewBody = z.infer<typeof ReviewBody>;

/** The one message a review becomes: every comment with its file, line range and the quoted code. */
export function reviewMessage(r: { comments: ReviewComment[]; summary?: string }): string {
  const parts: string[] = ['Review of your changes:'];
  if (r.summary) parts.push('', r.summary);
  r.comments.forEach((c, i) => {
    const lines = c.startLine === c.endLine ? `line ${c.startLine}` : `lines ${c.startLine}-${c.endLine}`;
    parts.push('', `${i + 1}. ${c.path}, ${lines}${c.side === 'old' ? ' (before your change)' : ''}:`);
    if (c.code) {
      const fence = c.code.includes('```') ? '````' : '```';
      parts.push(fence, c.code.replace(/\n$/, ''), fence);
    }
    parts.push(c.comment);
  });
  return parts.join('\n');
}
