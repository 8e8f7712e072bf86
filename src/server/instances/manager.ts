// The instance manager: starts agents in pseudo-terminals, keeps their state, delivers their messages.
// One Live record per running instance; the database row is the truth that clients read.
import { agentBaseEnv } from './agent-env.js';
import fs from 'node:fs';
import path from 'node:path';
import {
  isLive, LIVE_STATUSES, type Agent, type Instance, type InstanceCreate, type InstanceStatus, type InstanceWorktree, type Message,
  type NotificationKind, type WorktreeOnDelete,
} from '../../common/schema.js';
import { DEFAULT_TERMINAL_SIZE } from '../../common/limits.js';
import { conflict, invalid } from '../errors.js';
import { checkProjectPath } from '../agents/store.js';
import { PtySession, SpawnError, type ExitInfo } from '../sessions/pty-session.js';
import type { AgentStore } from '../agents/store.js';
import type { Config } from '../config.js';
import type { EventBus } from '../events/bus.js';
import type { TaskService } from '../tasks/service.js';
import type { Driver, DriverHost, LaunchOptions, LaunchSpec } from './driver.js';
import { GenericDriver } from './generic-driver.js';
import { repoInfo } from '../git/repo.js';
import { createWorktree, cwdIn, discardWorktree, unmergedWork } from '../git/worktree.js';
import { nextNumberName, restartName } from './names.js';
import type { InstancePatch, InstanceStore, MessagePatch, NewMessage } from './store.js';

export interface Live {
  id: string;
  agent: Agent;
  session: PtySession;
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
  /** The changes watcher: told when an agent prints (look at its files soon) and when an instance goes. */
  changes: { nudge(id: string): void; forget(id: string): void };
}

export type DriverFactory = (agent: Agent, instanceId: string) => Driver;
export interface DriverKindOptions {
  /** Whether an ended instance of this kind can continue its CLI session (POST /api/instances/:id/resume). */
  resumable?: (instanceId: string) => boolean;
  /** Called when an instance is deleted: remove what the kind keeps for it (e.g. the CLI's home). */
  removed?: (instanceId: string) => void;
}

const ACTIVITY_EVERY_MS = 5000; // output refreshes last_activity_at at most this often
const AUTO_NAME = 'auto'; // the name of an agent's auto-started instance

export class InstanceManager {
  url = '';
  readonly live = new Map<string, Live>();
  private drivers: Partial<Record<Agent['kind'], DriverFactory>> = { generic: () => new GenericDriver() };
  private kindOptions: Partial<Record<Agent['kind'], DriverKindOptions>> = {};

  constructor(private readonly deps: ManagerDeps) {}

  registerDriver(kind: Agent['kind'], f: DriverFactory, opts: DriverKindOptions = {}) {
    this.drivers[kind] = f;
    this.kindOptions[kind] = opts;
  }

  logFile(id: string) { return path.join(this.deps.config.logsDir, `${id}.log`); }

  /** On start: instances a crashed server left live are marked error (server_restarted); then autoStart agents start. */
  async recover(url: string): Promise<void> {
    this.url = url;
    for (const i of this.deps.instances.list({ statuses: LIVE_STATUSES })) {
      this.update(i.id, { status: 'error', statusReason: 'server_restarted', completedAt: new Date().toISOString(), pid: null });
      this.cancelQueue(i.id, 'server_restarted');
    }
    for (const agent of this.deps.agents.list()) {
      if (!agent.settings.autoStart) continue;
      try { await this.autoStart(agent.id); } catch (e) {
        process.stderr.write(`[areyouj] auto-start of ${agent.name} failed: ${(e as Error).message}\n`);
      }
    }
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
    let inst = this.deps.instances.create({
      agentId, name: req.name ?? nextNumberName(this.deps.instances.names(agentId)), projectPath, cols: req.cols ?? DEFAULT_TERMINAL_SIZE.cols, rows: req.rows ?? DEFAULT_TERMINAL_SIZE.rows,
      taskId: req.taskId ?? null, taskProject, worktree: place.worktree, worktreeNote: place.note,
    });
    if (keep && continueFrom) {
      this.deps.instances.moveWorktree(continueFrom.id, inst.id);
      inst = this.deps.instances.get(inst.id);
      this.deps.bus.publish('instance.updated', { instance: this.deps.instances.get(continueFrom.id) });
    }
    return this.launch(agent, inst, req);
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

  private launch(agent: Agent, created: Instance, req: InstanceCreate): Instance {
    this.deps.bus.publish('instance.created', { instance: created });
    if (req.prompt) this.addMessage(created.id, { senderType: 'user', content: req.prompt, delivery: 'queued' });
    return this.spawn(agent, created, {});
  }

  /**
   * Continues an ended instance's CLI session in the same instance (and its worktree, if it has one), with the CLI's
   * own resume command (kinds whose driver supports it: codex, gemini). Its conversation goes on in the same messages.
   */
  resume(id: string): Instance {
    const inst = this.deps.instances.get(id);
    if (this.live.has(id) || isLive(inst.status)) throw conflict('already_running', `instance ${id} is ${inst.status}`);
    const agent = this.deps.agents.get(inst.agentId);
    const resumable = this.kindOptions[agent.kind]?.resumable;
    if (!resumable) throw conflict('not_resumable', `instances of kind ${agent.kind} cannot be resumed; restart starts a new session`);
    if (!resumable(id)) throw conflict('not_resumable', `instance ${id} has no ${agent.kind} session to resume (it never started one)`);
    if (inst.worktree && (inst.worktree.state === 'removed' || !fs.existsSync(inst.worktree.path))) {
      throw conflict('not_resumable', `instance ${id}'s worktree is gone`);
    }
    this.checkLimits(agent);
    const started = this.update(id, { status: 'starting', statusReason: 'resumed', exitCode: null, completedAt: null });
    return this.spawn(agent, started, { resume: true });
  }

  /** Prepares the driver and starts the program for an instance row in `starting`. */
  private spawn(agent: Agent, created: Instance, opts: LaunchOptions): Instance {
    let inst = created;
    const projectPath = inst.worktree ? cwdIn(inst.worktree.path, inst.worktree.repoRoot, inst.projectPath) : inst.projectPath;
    const driver = (this.drivers[agent.kind] ?? this.drivers.generic!)(agent, inst.id);
    let spec: LaunchSpec = {
      command: agent.command, args: agent.args,
      env: { ...agentBaseEnv(), ...agent.env, AREYOUJ_INSTANCE_ID: inst.id, AREYOUJ_URL: this.url },
    };
    let session: PtySession;
    try {
      spec = driver.prepare?.(spec, opts) ?? spec;
      session = PtySession.start({
        ...spec, cwd: projectPath, cols: inst.cols, rows: inst.rows, logFile: this.logFile(inst.id), scrollback: this.deps.config.scrollback,
      });
    } catch (e) {
      driver.dispose();
      const reason = e instanceof SpawnError ? e.message : `cannot start: ${(e as Error).message}`;
      this.cancelQueue(inst.id, 'start_failed');
      return this.update(inst.id, { status: 'error', statusReason: reason, completedAt: new Date().toISOString() });
    }
    inst = this.update(inst.id, { pid: session.pid, ptySessionId: String(session.pid) }, false);
    const live: Live = { id: inst.id, agent, session, driver, terminateReason: null, lastActivityWrite: Date.now() };
    this.live.set(inst.id, live);
    // Queued messages an ended instance of this agent still holds (an imported queue) come to this one, once it runs.
    for (const m of this.deps.instances.adoptQueued(agent.id, inst.id)) this.deps.bus.publish('message.updated', { message: m });
    // A redraw for a viewer (right after a resize) is not activity: it does not touch lastActivityAt.
    session.on('data', () => { if (!session.viewOnlyOutput()) this.touch(live); this.deps.changes.nudge(live.id); });
    session.on('exit', (info) => this.onExit(live, info));
    driver.start(this.makeHost(live));
    return inst;
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
    await live.session.terminate(this.deps.config.graceMs);
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
    if (kind) this.kindOptions[kind]?.removed?.(id);
    this.deps.bus.publish('instance.deleted', { id });
  }

  /** Before an agent is deleted: its live instances are stopped and every instance's log goes (the database cascades the rest). */
  /** Before an agent's rows go (the database cascades its instances): its live instances stopped, their logs and what
   *  their kind keeps for them (Codex's and Gemini CLI's homes) removed. */
  async removeAgent(agentId: string): Promise<void> {
    await Promise.all([...this.live.values()].filter((l) => l.agent.id === agentId).map((l) => this.terminate(l.id, 'agent_deleted')));
    const kind = this.deps.agents.get(agentId).kind;
    for (const i of this.deps.instances.list({ agentId })) {
      fs.rmSync(this.logFile(i.id), { force: true });
      this.kindOptions[kind]?.removed?.(i.id);
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.terminate(id, 'server_stopped')));
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
    live.driver.dispose();
    this.live.delete(live.id);
    this.settleQuestions(live.id);
    const ok = info.exitCode === 0 && !info.signal;
    const status: InstanceStatus = live.terminateReason !== null ? 'terminated' : ok ? 'completed' : 'error';
    const reason = live.terminateReason !== null ? live.terminateReason
      : ok ? 'exited' : info.error ?? (info.signal ? `killed by signal ${info.signal}` : `exit code ${info.exitCode}`);
    this.cancelQueue(live.id, status);
    try {
      this.update(live.id, { status, statusReason: reason, exitCode: info.exitCode, completedAt: new Date().toISOString(), pid: null });
      if (status === 'error') this.notify(live, 'error', reason);
    } catch { /* deleted meanwhile */ }
    for (const w of this.exitWaiters.get(live.id) ?? []) w();
    this.exitWaiters.delete(live.id);
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

  private makeHost(live: Live): DriverHost {
    return {
      instanceId: live.id, agent: live.agent, session: live.session,
      status: () => this.deps.instances.get(live.id).status,
      setStatus: (status, opts) => this.setStatus(live, status, opts),
      addMessage: (m) => this.addMessage(live.id, m),
      updateQuestion: (key, question) => {
        const cur = this.deps.instances.findMessageByKey(live.id, key);
        if (cur) this.updateMessage(cur.id, { question });
      },
      notify: (kind, body) => this.notify(live, kind, body),
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


