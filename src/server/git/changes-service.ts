// The changes of instances: which working tree each one writes to, what it changed, and the operations that land or
// discard the work, with `instance.changes` events while someone watches. Plain code over the git modules; its
// dependencies are given explicitly (the instance store, the bus, the message queue, the tasks).
import fs from 'node:fs';
import type { Changes, ChangesEvent, CommitBody, DiscardBody, FileDiff, MergeBody, PullRequestBody, ReviewBody, WorktreeState } from '../../common/changes.js';
import { reviewMessage } from '../../common/changes.js';
import { fileDiff } from './diff.js';
import { git, GitError } from './exec.js';
import { commitAll, mergeBranch, rebaseOnto } from './land.js';
import { openPullRequest, pullRequestBlocker } from './pr.js';
import { headOid, mergeBase, repoInfo } from './repo.js';
import { EMPTY_TREE, fingerprint, readChanges } from './status.js';
import { ChangesPoller } from './watcher.js';
import { BRANCH_PREFIX, discardWorktree, unmergedWork } from './worktree.js';

/** An instance's own worktree, as stored with the instance. */
export interface WorktreeRecord { path: string; branch: string; base: string; baseOid: string; repoRoot: string; state: WorktreeState }

/** What the service needs to know about an instance. */
export interface InstanceView {
  id: string;
  name: string;
  agentName: string;
  projectPath: string;
  taskId: string | null;
  taskProject: string | null;
  worktree: WorktreeRecord | null;
}

export interface ChangesDeps {
  /** The instance (throws the store's not-found error for an unknown id). */
  instance(id: string): InstanceView;
  setWorktreeState(id: string, state: WorktreeState): void;
  publish(e: ChangesEvent): void;
  /** Stops the instance if it is running (its worktree is about to go). */
  stop(id: string, reason: string): Promise<unknown>;
  /** Delivers a message to the instance through its queue rules. */
  send(id: string, content: string, mode: 'auto' | 'now' | 'queue'): Promise<unknown>;
  taskTitle(project: string, taskId: string): string | null;
  completeTask(project: string, taskId: string): void;
  /** The project folder of an agent (throws the store's not-found error). */
  agentProject(agentId: string): string;
  /** The GitHub CLI to run (default `gh`). */
  gh?: string;
  pollMs?: { min: number; max: number };
}

const CACHE_MS = 1000; // a summary just computed for an event serves the viewers' refetch that follows it

export class ChangesService {
  private poller: ChangesPoller;
  private cache = new Map<string, { at: number; value: Changes }>();

  constructor(private deps: ChangesDeps) {
    this.poller = new ChangesPoller({
      probe: (id) => this.probe(id),
      onChange: (id) => void this.announce(id),
      minMs: deps.pollMs?.min, maxMs: deps.pollMs?.max,
    });
  }

  /** The working tree an instance's changes are read from, and against what. */
  private where(inst: InstanceView): { dir: string; base: string | null; baseOid: string | null } {
    if (inst.worktree) return { dir: inst.worktree.path, base: inst.worktree.base, baseOid: inst.worktree.baseOid };
    return { dir: inst.projectPath, base: null, baseOid: null };
  }

  private async probe(id: string): Promise<string> {
    const inst = this.deps.instance(id);
    const w = this.where(inst);
    if (!fs.existsSync(w.dir) || inst.worktree?.state === 'removed') return 'gone';
    return fingerprint(w.dir, w.base);
  }

  /** Everything the instance changed. `watch` starts (or extends) live updates for a minute. */
  async changes(id: string, watch = false): Promise<Changes> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < CACHE_MS) { if (watch) this.poller.lease(id); return hit.value; }
    const inst = this.deps.instance(id);
    // The watcher starts from the fingerprint of this very read (the same `git status`): a change made after it is a change.
    const { fingerprint: fp, ...value } = await this.read(inst, watch && !this.poller.watching(id));
    this.cache.set(id, { at: Date.now(), value });
    if (watch && value.mode !== 'none' && value.state !== 'removed') this.poller.lease(id, fp);
    return value;
  }

  private async read(inst: InstanceView, withFingerprint = false): Promise<Changes & { fingerprint?: string }> {
    const w = this.where(inst);
    const suggestedMessage = this.suggestedMessage(inst);
    const empty = (mode: Changes['mode'], note: string): Changes => ({
      mode, dir: w.dir, branch: inst.worktree?.branch ?? null, base: w.base, baseOid: w.baseOid, head: null, files: [], truncated: false,
      totals: { files: 0, added: 0, deleted: 0, uncommitted: 0 }, commits: [], ahead: 0, behind: 0, canFastForward: false, note,
      state: inst.worktree?.state ?? null, suggestedMessage,
    });
    if (inst.worktree?.state === 'removed') return empty('worktree', `the worktree was discarded and ${inst.worktree.branch} deleted`);
    if (inst.worktree && !fs.existsSync(inst.worktree.path)) return empty('worktree', `the worktree folder ${inst.worktree.path} is gone; discard to clean up the branch`);
    if (!inst.worktree && !(await repoInfo(w.dir))) return empty('none', 'this project is not a git repository: the agent works in place and its changes cannot be listed');
    const c = await readChanges({ dir: w.dir, base: w.base, baseOid: w.baseOid, fingerprint: withFingerprint });
    c.state = inst.worktree?.state ?? null;
    c.suggestedMessage = suggestedMessage;
    if (!inst.worktree && !c.note) c.note = 'this instance works in the project\'s own working tree: changes are what is not committed there';
    return c;
  }

  private suggestedMessage(inst: InstanceView): string {
    const title = inst.taskId ? this.deps.taskTitle(inst.taskProject ?? inst.projectPath, inst.taskId) : null;
    if (inst.taskId) return `Task #${inst.taskId}${title ? `: ${title}` : ''}`;
    return `Changes by ${inst.agentName} ${inst.name}`;
  }

  async diff(id: string, file: string, oldPath?: string | null): Promise<FileDiff> {
    const inst = this.deps.instance(id);
    const w = this.where(inst);
    if (inst.worktree?.state === 'removed' || !fs.existsSync(w.dir)) throw new GitError('worktree_missing', 'the worktree no longer exists');
    if (!inst.worktree && !(await repoInfo(w.dir))) throw new GitError('not_a_repository', `${w.dir} is not a git repository`);
    // The commit the list compares with: the cached list's, or the merge base asked of git (one short process).
    const hit = this.cache.get(id);
    const from = hit && Date.now() - hit.at < CACHE_MS ? hit.value.baseOid
      : w.base ? (await mergeBase(w.dir, `refs/heads/${w.base}`, 'HEAD')) ?? w.baseOid : await headOid(w.dir);
    return fileDiff(w.dir, from ?? EMPTY_TREE, file, oldPath);
  }

  /** Recomputes the summary and tells every viewer. */
  async announce(id: string): Promise<Changes | null> {
    this.cache.delete(id);
    let c: Changes;
    try { c = await this.changes(id); } catch { return null; }
    this.deps.publish({ instanceId: id, totals: c.totals, ahead: c.ahead, behind: c.behind, head: c.head, state: c.state });
    return c;
  }

  /** The agent printed something or changed state: look at its files soon (only if someone is watching). */
  nudge(id: string) { this.poller.nudge(id); }

  private repoOf(inst: InstanceView): WorktreeRecord {
    if (!inst.worktree) throw new GitError('not_a_repository', 'this instance has no worktree of its own: it works in the project\'s working tree');
    if (inst.worktree.state === 'removed') throw new GitError('worktree_missing', `the worktree was discarded and ${inst.worktree.branch} deleted`);
    return inst.worktree;
  }

  async commit(id: string, body: CommitBody): Promise<{ oid: string; files: number; changes: Changes }> {
    const inst = this.deps.instance(id);
    const w = this.where(inst);
    if (inst.worktree) this.repoOf(inst);
    else if (!(await repoInfo(w.dir))) throw new GitError('not_a_repository', `${w.dir} is not a git repository`);
    const r = await commitAll(w.dir, body.message ?? this.suggestedMessage(inst));
    return { ...r, changes: (await this.announce(id))! };
  }

  async merge(id: string, body: MergeBody): Promise<{ oid: string; base: string; strategy: MergeBody['strategy']; taskDone: boolean; changes: Changes }> {
    const inst = this.deps.instance(id);
    const wt = this.repoOf(inst);
    const message = body.message ?? `Merge ${wt.branch}: ${this.suggestedMessage(inst)}`;
    const r = await mergeBranch({ repoDir: wt.repoRoot, branch: wt.branch, base: wt.base, strategy: body.strategy, message, worktreeDir: wt.path });
    const u = await unmergedWork(wt.repoRoot, { dir: wt.path, branch: wt.branch, base: wt.base });
    if (u.merged) this.deps.setWorktreeState(id, 'merged');
    let taskDone = false;
    if (body.completeTask && inst.taskId) {
      this.deps.completeTask(inst.taskProject ?? inst.projectPath, inst.taskId);
      taskDone = true;
    }
    return { oid: r.oid, base: r.base, strategy: r.strategy, taskDone, changes: (await this.announce(id))! };
  }

  async rebase(id: string): Promise<{ oid: string; rebased: boolean; changes: Changes }> {
    const wt = this.repoOf(this.deps.instance(id));
    const r = await rebaseOnto(wt.path, wt.base);
    return { ...r, changes: (await this.announce(id))! };
  }

  /** Removes the worktree and its branch; `force` is the user's confirmation that unmerged work may go. */
  async discard(id: string, body: DiscardBody): Promise<{ removedDir: boolean; deletedBranch: boolean }> {
    const wt = this.repoOf(this.deps.instance(id));
    // Refuse before stopping anything when work would be lost; then the agent stops: it cannot work without its folder.
    if (!body.force) {
      const u = await unmergedWork(wt.repoRoot, { dir: wt.path, branch: wt.branch, base: wt.base });
      if (!u.merged || u.uncommitted.length) await discardWorktree(wt.repoRoot, { dir: wt.path, branch: wt.branch, base: wt.base }, false);
    }
    await this.deps.stop(id, 'worktree_discarded');
    const r = await discardWorktree(wt.repoRoot, { dir: wt.path, branch: wt.branch, base: wt.base }, body.force);
    this.poller.stop(id);
    this.deps.setWorktreeState(id, 'removed');
    await this.announce(id);
    return r;
  }

  async prStatus(id: string): Promise<{ available: boolean; reason: string | null }> {
    const wt = this.repoOf(this.deps.instance(id));
    const b = await pullRequestBlocker(wt.path, this.deps.gh);
    return { available: !b, reason: b?.message ?? null };
  }

  async openPr(id: string, body: PullRequestBody): Promise<{ url: string; remote: string }> {
    const inst = this.deps.instance(id);
    const wt = this.repoOf(inst);
    const c = await this.changes(id);
    if (c.totals.uncommitted) throw new GitError('uncommitted_changes', `${c.totals.uncommitted} files are not committed: commit them first, then open the pull request`);
    if (!c.ahead) throw new GitError('nothing_to_merge', `${wt.branch} has no commits that ${wt.base} does not have`);
    return openPullRequest({
      dir: wt.path, branch: wt.branch, base: wt.base, title: body.title ?? this.suggestedMessage(inst),
      body: body.body ?? c.commits.map((x) => `- ${x.subject}`).join('\n'), draft: body.draft, gh: this.deps.gh,
    });
  }

  /** Every comment of a review, as one message to the agent. */
  async review(id: string, body: ReviewBody): Promise<unknown> {
    this.deps.instance(id);
    return this.deps.send(id, reviewMessage(body), body.mode);
  }

  /** For the "base" picker when starting an instance: the project's local branches and the current one. */
  async branches(agentId: string): Promise<{ repository: boolean; current: string | null; branches: string[] }> {
    const project = this.deps.agentProject(agentId);
    const info = await repoInfo(project);
    if (!info) return { repository: false, current: null, branches: [] };
    const out = (await git(info.root, ['for-each-ref', '--format=%(refname)', '--sort=-committerdate', '--count=200', 'refs/heads/'], { readOnly: true })).stdout.toString('utf8');
    const branches = out.split('\n').filter(Boolean).map((r) => r.replace(/^refs\/heads\//, '')).filter((b) => !b.startsWith(BRANCH_PREFIX) || b === info.branch);
    return { repository: true, current: info.branch, branches };
  }

  forget(id: string) { this.poller.stop(id); this.cache.delete(id); }

  close() { this.poller.close(); }
}
