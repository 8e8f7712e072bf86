// The instance manager: starts agents in pseudo-terminals (in the pty host), keeps their state, delivers their messages.
// One Live record per running instance; the database row is the truth that clients read. The programs run in the pty
// host and outlive the server: on start the manager re-adopts the ones still running, applies the exits that happened
// while no server was up, and marks the ones its host lost `host_lost` (Resume continues a Claude Code conversation).
import { agentBaseEnv } from './agent-env.js';
import fs from 'node:fs';
import path from 'node:path';
import {
  isLive, LIVE_STATUSES, type Agent, type Instance, type InstanceCreate, type InstanceStatus, type InstanceWorktree, type Message,
  type NotificationKind, type WorktreeOnDelete,
} from '../../common/schema.js';
import { DEFAULT_TERMINAL_SIZE } from '../../common/limits.js';
import { conflict, invalid, unavailable } from '../errors.js';
import { checkProjectPath } from '../agents/store.js';
import type { SessionInfo } from '../../ptyhost/protocol.js';
import type { AgentStore } from '../agents/store.js';
import type { Config } from '../config.js';
import type { EventBus } from '../events/bus.js';
import type { TaskService } from '../tasks/service.js';
import { HostError } from '../sessions/host-client.js';
import type { PtyHostLink } from '../sessions/pty-host-link.js';
import type { ExitInfo, RemoteSession } from '../sessions/remote-session.js';
import type { Driver, DriverHost, LaunchSpec } from './driver.js';
import { GenericDriver } from './generic-driver.js';
import { repoInfo } from '../git/repo.js';
import { createWorktree, cwdIn, discardWorktree, unmergedWork } from '../git/worktree.js';
import { nextNumberName, restartName } from './names.js';
import type { InstancePatch, InstanceStore, MessagePatch, NewMessage } from './store.js';

export interface Live {
  id: string;
  agent: Agent;
  session: RemoteSession;
  driver: Driver;
  /** Set by terminate(): the exit is then `terminated` with this reason. */
  terminateReason: string | null;
  lastActivityWrite: number;
}

export interface ManagerDeps {
  config: Pick<Config, 'logsDir' | 'maxInstances' | 'scrollback' | 'graceMs' | 'worktreesDir'>;
  bus: EventBus;
  agents: AgentStore;
  instances: InstanceStore;
  tasks: TaskService;
  link: PtyHostLink;
  /** The changes watcher: told when an agent prints (look at its files soon) and when an instance goes. */
  changes: { nudge(id: string): void; forget(id: string): void };
}

export type DriverFactory = (agent: Agent, instanceId: string) => Driver;
export interface DriverKindOptions {
  /** Whether an ended instance of this kind can continue its CLI session (its agent_session_id; POST .../resume). */
  resumable?: boolean;
  /** Called when an instance is deleted: remove what the kind keeps for it (e.g. the CLI's home). */
  removed?: (instanceId: string) => void;
}

/** The reasons an instance ends with that the pty host does not tell: the host lost, a session nobody owns. */
export const HOST_LOST = 'host_lost';
/** What the spawn errors of the pty host are called (they become the instance's error reason as they are). */
const SPAWN_ERRORS = new Set(['command_not_found', 'cwd_not_found', 'log_failed', 'spawn_failed']);

const ACTIVITY_EVERY_MS = 5000; // output refreshes last_activity_at at most this often
const AUTO_NAME = 'auto'; // the name of an agent's auto-started instance

export class InstanceManager {
  url = '';
  readonly live = new Map<string, Live>();
  private drivers: Partial<Record<Agent['kind'], DriverFactory>> = { generic: () => new GenericDriver() };
  /** Kinds whose ended instances Resume can continue (the CLI resumes its own session id). */
  private resumable = new Set<Agent['kind']>();
  private removers: Partial<Record<Agent['kind'], (instanceId: string) => void>> = {};

  constructor(private readonly deps: ManagerDeps) {
    deps.link.on('connected', (hello) => this.reconcile(hello.sessions));
    deps.link.on('lost', (sids) => { for (const sid of sids) { const l = this.live.get(sid); if (l) this.lost(l); } });
    deps.link.on('hook', (sid, seq, body) => this.onHook(sid, seq, body));
    deps.link.on('decision', (sid, did, body) => void this.onDecision(sid, did, body));
    deps.link.on('decision_gone', (did) => this.decisionsWaiting.get(did)?.abort());
  }

  registerDriver(kind: Agent['kind'], f: DriverFactory, opts: DriverKindOptions = {}) {
    this.drivers[kind] = f;
    if (opts.resumable) this.resumable.add(kind);
    if (opts.removed) this.removers[kind] = opts.removed;
  }

  logFile(id: string) { return path.join(this.deps.config.logsDir, `${id}.log`); }

  /**
   * On start: connects to the pty host (starting it when none runs; rejects when another server drives it), re-adopts
   * the instances still running there (reconcile, on the link's `connected`), then autoStart agents start.
   */
  async recover(url: string): Promise<void> {
    this.url = url;
    await this.deps.link.connect();
    for (const agent of this.deps.agents.list()) {
      if (!agent.settings.autoStart) continue;
      try { await this.autoStart(agent.id); } catch (e) {
        process.stderr.write(`[areyouj] auto-start of ${agent.name} failed: ${(e as Error).message}\n`);
      }
    }
  }

  /**
   * The host's sessions against the instances the database says are live: running ones are adopted, ended ones get
   * their exit, the ones the host lost (or never had) end as host_lost; sessions no live instance owns are ended.
   */
  private reconcile(sessions: (SessionInfo & { lost?: boolean })[]) {
    const bySid = new Map(sessions.map((s) => [s.id, s]));
    const release = (sid: string) => void this.deps.link.release(sid).catch((e: Error) => process.stderr.write(`[areyouj] release ${sid}: ${e.message}\n`));
    for (const inst of this.deps.instances.list({ statuses: LIVE_STATUSES })) {
      const info = bySid.get(inst.id);
      bySid.delete(inst.id);
      if (this.live.has(inst.id)) continue;
      if (info && !info.exit && !info.lost) { this.adopt(inst, info); continue; }
      const exit = info?.exit;
      if (exit) this.ended(inst.id, exit, null);
      else {
        this.update(inst.id, { status: 'error', statusReason: HOST_LOST, completedAt: new Date().toISOString(), pid: null });
        this.cancelQueue(inst.id, HOST_LOST);
      }
      if (info) release(inst.id);
    }
    for (const info of bySid.values()) {
      if (this.live.has(info.id)) continue;
      if (info.exit || info.lost) { release(info.id); continue; }
      // Running, but no live instance owns it (deleted, or ended by a server that lost the host for a moment): end it.
      const s = this.deps.link.adopt(info);
      void s.whenExited().then(() => release(info.id));
      s.terminate(this.deps.config.graceMs, 'orphaned').catch(() => { /* host gone: reaped by the next one */ });
    }
  }

  /** A program the host still runs, from a previous server: the same instance goes on. */
  private adopt(inst: Instance, info: SessionInfo) {
    const agent = this.deps.agents.get(inst.agentId);
    const driver = (this.drivers[agent.kind] ?? this.drivers.generic!)(agent, inst.id);
    try { driver.adopt?.(info.meta); } catch (e) { process.stderr.write(`[areyouj] adopting ${inst.id}: ${(e as Error).message}\n`); }
    const session = this.deps.link.adopt(info);
    this.track(inst, agent, session, driver, true);
    if (info.outputBytes > 0) this.update(inst.id, { pid: session.pid }, false);
    // It may have gone idle while no server was up: deliver what was queued.
    if (this.deps.instances.get(inst.id).status === 'idle') void this.deliverNext(this.live.get(inst.id)!);
  }

  /**
   * An agent's one auto-started instance, named `auto`: never a second while one is live. Otherwise a new one replaces
   * the ended ones (their messages and logs go with them), so that they do not pile up at every server start; it goes
   * on in the newest one's worktree, as a restart does. An ended one that still has a worktree of its own is kept (its
   * work is not thrown away here). Rename an auto instance to keep it. Returns null when one is live already.
   */
  async autoStart(agentId: string): Promise<Instance | null> {
    const autos = this.deps.instances.list({ agentId }).filter((i) => i.name === AUTO_NAME);
    if (autos.some((i) => isLive(i.status))) return null;
    const inst = await this.start(agentId, { name: AUTO_NAME }, autos[autos.length - 1]);
    for (const old of autos) {
      const w = this.deps.instances.get(old.id).worktree;
      if (!w || w.state === 'removed') await this.remove(old.id);
    }
    return inst;
  }

  /**
   * Starts an instance. In a git project (and with the agent's `ownWorktree` setting) it first gets its own worktree
   * on a new branch; a dirty or missing base, or a failing git, is an error and nothing starts. `continueFrom`: a
   * restart, which goes on in the old instance's worktree.
   */
  async start(agentId: string, req: InstanceCreate, continueFrom?: Instance): Promise<Instance> {
    const agent = this.deps.agents.get(agentId);
    const projectPath = req.projectPath ? checkProjectPath(req.projectPath) : agent.projectPath;
    const taskProject = req.taskId ? (req.taskProject ? this.deps.tasks.resolveProject(req.taskProject) : projectPath) : null;
    if (req.taskId) this.checkTask(taskProject!, req.taskId);
    this.checkLimits(agent);
    const keep = continueFrom?.worktree && continueFrom.worktree.state !== 'removed' && fs.existsSync(continueFrom.worktree.path) ? continueFrom.worktree : null;
    const place = keep ? { worktree: null, note: null } : await this.placeFor(agent, projectPath, req, taskProject);
    try { this.checkLimits(agent); } catch (e) {
      // Another start took the last place while the worktree was made: it goes again.
      if (place.worktree) await discardWorktree(place.worktree.repoRoot, { dir: place.worktree.path, branch: place.worktree.branch, base: place.worktree.base }, true).catch(() => undefined);
      throw e;
    }
    try { await this.hostReady(); } catch (e) {
      if (place.worktree) await discardWorktree(place.worktree.repoRoot, { dir: place.worktree.path, branch: place.worktree.branch, base: place.worktree.base }, true).catch(() => undefined);
      throw e;
    }
    let inst = this.deps.instances.create({
      agentId, name: req.name ?? nextNumberName(this.deps.instances.names(agentId)), projectPath, cols: req.cols ?? DEFAULT_TERMINAL_SIZE.cols, rows: req.rows ?? DEFAULT_TERMINAL_SIZE.rows,
      taskId: req.taskId ?? null, taskProject, worktree: place.worktree, worktreeNote: place.note,
    });
    if (keep && continueFrom) {
      this.deps.instances.moveWorktree(continueFrom.id, inst.id);
      inst = this.deps.instances.get(inst.id);
      this.deps.bus.publish('instance.updated', { instance: this.deps.instances.get(continueFrom.id) });
    }
    this.deps.bus.publish('instance.created', { instance: inst });
    if (req.prompt) this.addMessage(inst.id, { senderType: 'user', content: req.prompt, delivery: 'queued' });
    return this.launch(inst, agent, {});
  }

  /** Where a new instance works: its own worktree (git project, ownWorktree on) or the project itself, with a note. */
  private async placeFor(agent: Agent, projectPath: string, req: InstanceCreate, taskProject: string | null):
    Promise<{ worktree: InstanceWorktree | null; note: string | null }> {
    const isRepo = !!(await repoInfo(projectPath).catch(() => null));
    if (!agent.settings.ownWorktree || !isRepo) {
      if (req.base) {
        throw invalid('invalid_base', 'base', isRepo ? 'base applies only to an own worktree (the agent\'s "own worktree" setting is off)'
          : `${projectPath} is not a git repository: there is no base branch to pick`);
      }
      return { worktree: null, note: isRepo ? null : 'the project is not a git repository: the agent works in it directly, and its changes cannot be listed' };
    }
    const title = req.taskId ? this.deps.tasks.store(taskProject!).find(req.taskId)?.title ?? '' : '';
    const w = await createWorktree({
      project: projectPath, worktreesRoot: this.deps.config.worktreesDir, base: req.base,
      for: req.taskId ? { taskId: req.taskId, title } : { agent: agent.name },
    });
    return { worktree: { path: w.dir, branch: w.branch, base: w.base, baseOid: w.baseOid, repoRoot: w.repoRoot, state: 'open' }, note: null };
  }

  /**
   * Starts an ended instance again as the same conversation: the agent CLI resumes its own session id (Claude Code:
   * `claude --resume <id>`, in the same directory). The instance keeps its id, messages and log.
   */
  async resume(id: string): Promise<Instance> {
    const inst = this.deps.instances.get(id);
    if (this.live.has(id) || isLive(inst.status)) throw conflict('running', `instance ${id} is ${inst.status}; only an ended instance can be resumed`);
    const agent = this.deps.agents.get(inst.agentId);
    if (!this.resumable.has(agent.kind) || !inst.agentSessionId) {
      throw conflict('not_resumable', `instance ${id} cannot be resumed: ${this.resumable.has(agent.kind) ? 'its agent never reported a session id' : `agents of kind ${agent.kind} have no resume`}`);
    }
    this.checkLimits(agent);
    await this.hostReady();
    await this.deps.link.release(id); // the lost host's record, if any
    const again = this.update(id, { status: 'starting', statusReason: 'resumed', startedAt: new Date().toISOString(), completedAt: null, exitCode: null, pid: null });
    return this.launch(again, agent, { resume: inst.agentSessionId });
  }

  private checkLimits(agent: Agent) {
    const agentId = agent.id;
    const perAgent = this.deps.instances.countLive(agentId);
    if (perAgent >= agent.settings.maxConcurrentInstances) {
      throw conflict('limit_reached', `agent ${agent.name} already runs ${perAgent} of its ${agent.settings.maxConcurrentInstances} allowed instances`,
        { scope: 'agent', running: perAgent, limit: agent.settings.maxConcurrentInstances });
    }
    const total = this.deps.instances.countLive();
    if (total >= this.deps.config.maxInstances) {
      throw conflict('limit_reached', `${total} of the server's ${this.deps.config.maxInstances} allowed instances are running`,
        { scope: 'server', running: total, limit: this.deps.config.maxInstances });
    }
  }

  /** The pty host is connected (or can be started): 503 host_unavailable otherwise. */
  private async hostReady() {
    if (this.deps.link.status.connected) return;
    try { await this.deps.link.connect(); } catch (e) {
      throw unavailable('host_unavailable', `the pty host is not available: ${(e as Error).message}`);
    }
  }

  private async launch(inst: Instance, agent: Agent, opts: { resume?: string }): Promise<Instance> {
    const driver = (this.drivers[agent.kind] ?? this.drivers.generic!)(agent, inst.id);
    let spec: LaunchSpec = {
      command: agent.command, args: agent.args,
      env: { ...agentBaseEnv(), ...agent.env, AREYOUJ_INSTANCE_ID: inst.id, AREYOUJ_URL: this.url },
    };
    // It runs in its worktree when it has one (a resume, too: the same directory as the conversation it continues).
    const cwd = inst.worktree && inst.worktree.state !== 'removed' ? cwdIn(inst.worktree.path, inst.worktree.repoRoot, inst.projectPath) : inst.projectPath;
    let session: RemoteSession;
    try {
      spec = driver.prepare?.(spec, opts) ?? spec;
      session = await this.deps.link.spawn({
        sid: inst.id, ...spec, cwd, cols: inst.cols, rows: inst.rows, scrollback: this.deps.config.scrollback,
        ...(driver.hookSecret ? { hookSecret: driver.hookSecret } : {}), meta: driver.meta?.() ?? {},
      });
    } catch (e) {
      driver.dispose();
      const err = e as Error & { code?: string };
      const reason = e instanceof HostError && SPAWN_ERRORS.has(err.code ?? '') ? err.message : `cannot start: ${err.message}`;
      this.cancelQueue(inst.id, 'start_failed');
      return this.update(inst.id, { status: 'error', statusReason: reason, completedAt: new Date().toISOString() });
    }
    const started = this.update(inst.id, { pid: session.pid, ptySessionId: inst.id, agentSessionId: driver.agentSessionId ?? null }, false);
    this.track(started, agent, session, driver, false);
    return started;
  }

  private track(inst: Instance, agent: Agent, session: RemoteSession, driver: Driver, adopted: boolean) {
    const live: Live = { id: inst.id, agent, session, driver, terminateReason: null, lastActivityWrite: Date.now() };
    this.live.set(inst.id, live);
    // Queued messages an ended instance of this agent still holds (an imported queue) come to this one, once it runs.
    for (const m of this.deps.instances.adoptQueued(agent.id, inst.id)) this.deps.bus.publish('message.updated', { message: m });
    // A redraw for a viewer (right after a resize) is not activity: it does not touch lastActivityAt.
    session.on('data', () => { if (!session.viewOnlyOutput()) this.touch(live); this.deps.changes.nudge(live.id); });
    session.on('exit', (info) => this.onExit(live, info));
    driver.start(this.makeHost(live, adopted));
  }

  get(id: string): Live | undefined { return this.live.get(id); }

  /** A task an instance is linked to must exist (400 otherwise). */
  checkTask(project: string, taskId: string) {
    if (!this.deps.tasks.store(project).find(taskId)) {
      throw invalid('invalid_task', 'taskId', `task ${JSON.stringify(taskId)} does not exist in ${project}`);
    }
  }

  /** SIGTERM to the process group, SIGKILL after the grace period; resolves when it has exited. */
  async terminate(id: string, reason = 'terminated_by_user'): Promise<Instance> {
    const live = this.live.get(id);
    const inst = this.deps.instances.get(id);
    if (!live) {
      if (isLive(inst.status)) return this.update(id, { status: 'terminated', statusReason: reason, completedAt: new Date().toISOString(), pid: null });
      return inst;
    }
    live.terminateReason = reason;
    try { await live.session.terminate(this.deps.config.graceMs, reason); } catch (e) {
      live.terminateReason = null;
      throw unavailable('host_unavailable', `cannot terminate ${id}: ${(e as Error).message}`);
    }
    await this.exited(id);
    return this.deps.instances.get(id);
  }

  async restart(id: string): Promise<Instance> {
    const old = this.deps.instances.get(id);
    if (this.live.has(id)) await this.terminate(id, 'restarted');
    // A new instance, so a new name: two rows called #1 could not be told apart.
    return this.start(old.agentId, {
      name: restartName(old.name, this.deps.instances.names(old.agentId)), cols: old.cols, rows: old.rows, projectPath: old.projectPath,
      ...(old.taskId ? { taskId: old.taskId, taskProject: old.taskProject ?? undefined } : {}),
    }, this.deps.instances.get(id));
  }

  /** Deletes an instance; `worktree` says what becomes of its worktree (kept unless asked; unmerged work needs force). */
  async remove(id: string, worktree: WorktreeOnDelete = 'keep'): Promise<void> {
    const inst = this.deps.instances.get(id);
    const w = inst.worktree;
    const where = w && { dir: w.path, branch: w.branch, base: w.base };
    if (w && where && w.state !== 'removed' && worktree === 'discard') {
      // Refused before anything happens (the instance keeps running) when the work is not merged.
      const u = await unmergedWork(w.repoRoot, where);
      if (!u.merged || u.uncommitted.length) await discardWorktree(w.repoRoot, where, false);
    }
    if (this.live.has(id)) await this.terminate(id, 'deleted');
    if (w && where && w.state !== 'removed' && worktree !== 'keep') await discardWorktree(w.repoRoot, where, worktree === 'discard-force');
    this.deps.changes.forget(id);
    this.deps.instances.delete(id);
    fs.rmSync(this.logFile(id), { force: true });
    const kind = this.deps.agents.find(inst.agentId)?.kind;
    if (kind) this.removers[kind]?.(id);
    this.deps.bus.publish('instance.deleted', { id });
  }

  /** Before an agent is deleted: its live instances are stopped and every instance's log goes (the database cascades the rest). */
  async removeAgent(agentId: string): Promise<void> {
    await Promise.all([...this.live.values()].filter((l) => l.agent.id === agentId).map((l) => this.terminate(l.id, 'agent_deleted')));
    const kind = this.deps.agents.get(agentId).kind;
    for (const i of this.deps.instances.list({ agentId })) {
      fs.rmSync(this.logFile(i.id), { force: true });
      this.removers[kind]?.(i.id); // what the kind keeps for it (Codex's and Gemini CLI's homes)
    }
  }

  /** Stop all: terminates every live instance; resolves with how many. */
  async stopAll(reason = 'stopped_all'): Promise<number> {
    const ids = [...this.live.keys()];
    await Promise.all(ids.map((id) => this.terminate(id, reason)));
    return ids.length;
  }

  /** The server stops: its view of the sessions goes, the programs go on in the pty host. */
  detachAll(): void {
    for (const live of this.live.values()) live.driver.dispose();
    this.live.clear();
  }

  // ---------- state ----------
  update(id: string, patch: InstancePatch, publish = true): Instance {
    const inst = this.deps.instances.update(id, patch);
    if (publish) this.deps.bus.publish('instance.updated', { instance: inst });
    return inst;
  }

  setStatus(live: Live, status: InstanceStatus, opts: { reason?: string; question?: NewMessage } = {}) {
    if (!this.live.has(live.id)) return;
    const prev = this.deps.instances.get(live.id).status;
    if (prev === status && !opts.question) return;
    if (prev === 'awaiting_input' && status !== 'awaiting_input') this.settleQuestions(live.id);
    this.update(live.id, { status, statusReason: opts.reason ?? null, lastActivityAt: new Date().toISOString() });
    live.lastActivityWrite = Date.now();
    const s = live.agent.settings;
    if (status === 'awaiting_input') {
      if (opts.question) {
        this.settleQuestions(live.id);
        this.addMessage(live.id, opts.question);
      }
      this.notify(live, 'awaiting_input', opts.question?.content ?? 'needs your input');
    }
    if (status === 'idle') {
      if (prev === 'active' && s.notifyOnTurnEnd) this.notify(live, 'turn_end', 'finished its turn');
      void this.deliverNext(live);
    }
  }

  private touch(live: Live) {
    const now = Date.now();
    if (now - live.lastActivityWrite < ACTIVITY_EVERY_MS) return;
    live.lastActivityWrite = now;
    this.update(live.id, { lastActivityAt: new Date(now).toISOString() });
  }

  private exitWaiters = new Map<string, (() => void)[]>();
  private exited(id: string): Promise<void> {
    if (!this.live.has(id)) return Promise.resolve();
    return new Promise((r) => this.exitWaiters.set(id, [...(this.exitWaiters.get(id) ?? []), r]));
  }

  private onExit(live: Live, info: ExitInfo) {
    if (this.live.get(live.id) !== live) return;
    this.forget(live);
    this.ended(live.id, info, live);
    void this.deps.link.release(live.id).catch(() => { /* host gone */ });
    this.wakeExitWaiters(live.id);
  }

  /** The pty host was lost with this instance's program: it ends as host_lost (its processes are reaped by the next host). */
  private lost(live: Live) {
    if (this.live.get(live.id) !== live) return;
    this.forget(live);
    this.cancelQueue(live.id, HOST_LOST);
    try {
      this.update(live.id, { status: 'error', statusReason: HOST_LOST, completedAt: new Date().toISOString(), pid: null });
      this.notify(live, 'error', 'its pty host was lost');
    } catch { /* deleted meanwhile */ }
    this.wakeExitWaiters(live.id);
  }

  private forget(live: Live) {
    live.driver.dispose();
    live.driver.ended?.();
    this.live.delete(live.id);
    this.settleQuestions(live.id);
  }

  private wakeExitWaiters(id: string) {
    for (const w of this.exitWaiters.get(id) ?? []) w();
    this.exitWaiters.delete(id);
  }

  /** Records how a program ended (from its exit; `live` is null when it ended while no server was up). */
  private ended(id: string, info: ExitInfo, live: Live | null) {
    const ok = info.exitCode === 0 && !info.signal;
    const terminated = live?.terminateReason ?? info.terminated ?? null;
    const status: InstanceStatus = terminated !== null ? 'terminated' : ok ? 'completed' : 'error';
    const reason = terminated !== null ? terminated
      : ok ? 'exited' : info.error ?? (info.signal ? `killed by signal ${info.signal}` : `exit code ${info.exitCode}`);
    this.cancelQueue(id, status);
    try {
      this.update(id, { status, statusReason: reason, exitCode: info.exitCode, completedAt: new Date().toISOString(), pid: null });
      if (status === 'error' && live) this.notify(live, 'error', reason);
    } catch { /* deleted meanwhile */ }
  }

  /** Decision hooks waiting for the user, by the host's id: aborted when the agent stops waiting. */
  private decisionsWaiting = new Map<number, AbortController>();

  /** A decision hook (relayed by the pty host): the driver's answer, or none, goes back to the agent. */
  private async onDecision(sid: string, did: number, body: string) {
    const driver = this.live.get(sid)?.driver;
    let out: object | null = null;
    if (driver?.decision) {
      const gone = new AbortController();
      this.decisionsWaiting.set(did, gone);
      try { out = await driver.decision(parseBody(body), gone.signal); } catch (e) {
        process.stderr.write(`[areyouj] decision hook for ${sid} failed: ${(e as Error).message}\n`);
      } finally { this.decisionsWaiting.delete(did); }
      if (gone.signal.aborted) return;
    }
    this.deps.link.decided(did, out);
  }

  private onHook(sid: string, seq: number, body: string) {
    const live = this.live.get(sid);
    if (live?.driver.hook) {
      try { live.driver.hook(parseBody(body)); } catch (e) {
        process.stderr.write(`[areyouj] hook for ${sid} failed: ${(e as Error).stack ?? e}\n`);
      }
    }
    this.deps.link.ackHook(sid, seq);
  }

  // ---------- messages ----------
  addMessage(instanceId: string, m: NewMessage): Message {
    // A message mirrored twice (same external key) is stored and announced once.
    const existing = m.externalKey ? this.deps.instances.findMessageByKey(instanceId, m.externalKey) : undefined;
    if (existing) return existing;
    const msg = this.deps.instances.addMessage(instanceId, m);
    this.deps.bus.publish('message.created', { message: msg });
    return msg;
  }

  updateMessage(id: number, patch: MessagePatch): Message {
    const msg = this.deps.instances.updateMessage(id, patch);
    this.deps.bus.publish('message.updated', { message: msg });
    return msg;
  }

  /** Records a user message and types it now (idle, or mode now) or queues it for the next idle. */
  async send(id: string, content: string, mode: 'auto' | 'now' | 'queue'): Promise<{ message: Message; delivery: 'sent' | 'queued' }> {
    const inst = this.deps.instances.get(id);
    const live = this.live.get(id);
    if (!live || !isLive(inst.status)) throw conflict('not_running', `instance ${id} is ${inst.status}; start or restart it to send messages`);
    const now = mode === 'now' || (mode === 'auto' && inst.status === 'idle' && !this.deps.instances.nextQueued(id));
    const message = this.addMessage(id, { senderType: 'user', content, delivery: now ? 'sent' : 'queued' });
    if (now) await this.type(live, content);
    return { message, delivery: now ? 'sent' : 'queued' };
  }

  private delivering = new Set<string>();
  /** Delivers the oldest queued message when the instance is idle. */
  async deliverNext(live: Live): Promise<void> {
    if (this.delivering.has(live.id)) return;
    const next = this.deps.instances.nextQueued(live.id);
    if (!next || this.deps.instances.get(live.id).status !== 'idle') return;
    this.delivering.add(live.id);
    try {
      this.updateMessage(next.id, { delivery: 'sent' });
      await this.type(live, next.content);
    } finally { this.delivering.delete(live.id); }
  }

  private async type(live: Live, content: string) {
    await live.driver.deliver(content);
    if (this.live.has(live.id) && this.deps.instances.get(live.id).status === 'idle') this.setStatus(live, 'active', { reason: 'message_sent' });
  }

  private settleQuestions(id: string) {
    for (const m of this.deps.instances.settleQuestions(id)) this.deps.bus.publish('message.updated', { message: m });
  }

  private cancelQueue(id: string, reason: string) {
    for (const m of this.deps.instances.queued(id)) this.updateMessage(m.id, { delivery: 'cancelled', metadata: { ...m.metadata, cancelReason: reason } });
  }

  private makeHost(live: Live, adopted: boolean): DriverHost {
    return {
      instanceId: live.id, agent: live.agent, session: live.session, adopted,
      status: () => this.deps.instances.get(live.id).status,
      setStatus: (status, opts) => this.setStatus(live, status, opts),
      addMessage: (m) => this.addMessage(live.id, m),
      updateQuestion: (key, question) => {
        const cur = this.deps.instances.findMessageByKey(live.id, key);
        if (cur) this.updateMessage(cur.id, { question });
      },
      notify: (kind, body) => this.notify(live, kind, body),
      openQuestion: () => this.deps.instances.openQuestion(live.id),
      sentUserMessages: () => this.deps.instances.sentUserMessages(live.id),
      setAgentSessionId: (sessionId) => {
        if (!this.live.has(live.id) || this.deps.instances.get(live.id).agentSessionId === sessionId) return;
        this.update(live.id, { agentSessionId: sessionId });
        this.deps.link.setMeta(live.id, live.driver.meta?.() ?? {}).catch(() => { /* the instance row has it */ });
      },
    };
  }

  private notify(live: Live, kind: NotificationKind, body: string) {
    if (!live.agent.settings.notificationEnabled) return;
    const inst = this.deps.instances.find(live.id);
    this.deps.bus.publish('notification', {
      instanceId: live.id, agentId: live.agent.id, kind, body: body.slice(0, 500),
      title: `${live.agent.name} ${inst?.name ?? ''}: ${TITLES[kind]}`,
    });
  }
}

const TITLES: Record<NotificationKind, string> = { awaiting_input: 'needs your input', turn_end: 'finished its turn', error: 'failed', idle_prompt: 'is waiting for you' };

/** A hook's JSON body; null when it is not JSON (the driver ignores it). */
function parseBody(body: string): unknown {
  try { return JSON.parse(body); } catch { return null; }
}


