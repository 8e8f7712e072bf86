// The instance manager: starts agents in pseudo-terminals, keeps their state, delivers their messages.
// One Live record per running instance; the database row is the truth that clients read.
import fs from 'node:fs';
import path from 'node:path';
import {
  isLive, LIVE_STATUSES, type Agent, type Instance, type InstanceCreate, type InstanceStatus, type Message, type NotificationKind,
} from '../../common/schema.js';
import { DEFAULT_TERMINAL_SIZE } from '../../common/limits.js';
import { conflict, invalid } from '../errors.js';
import { checkProjectPath } from '../agents/store.js';
import { PtySession, SpawnError, type ExitInfo } from '../../ptyhost/pty-session.js';
import type { AgentStore } from '../agents/store.js';
import type { Config } from '../config.js';
import type { EventBus } from '../events/bus.js';
import type { TaskService } from '../tasks/service.js';
import type { Driver, DriverHost, LaunchSpec } from './driver.js';
import { GenericDriver } from './generic-driver.js';
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
  config: Pick<Config, 'logsDir' | 'maxInstances' | 'scrollback' | 'graceMs'>;
  bus: EventBus;
  agents: AgentStore;
  instances: InstanceStore;
  tasks: TaskService;
}

export type DriverFactory = (agent: Agent, instanceId: string) => Driver;

const ACTIVITY_EVERY_MS = 5000; // output refreshes last_activity_at at most this often

export class InstanceManager {
  url = '';
  readonly live = new Map<string, Live>();
  private drivers: Partial<Record<Agent['kind'], DriverFactory>> = { generic: () => new GenericDriver() };

  constructor(private readonly deps: ManagerDeps) {}

  registerDriver(kind: Agent['kind'], f: DriverFactory) { this.drivers[kind] = f; }

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
      try { this.start(agent.id, { name: 'auto' }); } catch (e) {
        process.stderr.write(`[areyouj] auto-start of ${agent.name} failed: ${(e as Error).message}\n`);
      }
    }
  }

  start(agentId: string, req: InstanceCreate): Instance {
    const agent = this.deps.agents.get(agentId);
    const projectPath = req.projectPath ? checkProjectPath(req.projectPath) : agent.projectPath;
    const taskProject = req.taskId ? (req.taskProject ? this.deps.tasks.resolveProject(req.taskProject) : projectPath) : null;
    if (req.taskId) this.checkTask(taskProject!, req.taskId);
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
    const count = this.deps.instances.count(agentId);
    let inst = this.deps.instances.create({
      agentId, name: req.name ?? `#${count + 1}`, projectPath, cols: req.cols ?? DEFAULT_TERMINAL_SIZE.cols, rows: req.rows ?? DEFAULT_TERMINAL_SIZE.rows,
      taskId: req.taskId ?? null, taskProject,
    });
    this.deps.bus.publish('instance.created', { instance: inst });
    if (req.prompt) this.addMessage(inst.id, { senderType: 'user', content: req.prompt, delivery: 'queued' });

    const driver = (this.drivers[agent.kind] ?? this.drivers.generic!)(agent, inst.id);
    let spec: LaunchSpec = {
      command: agent.command, args: agent.args,
      env: { ...cleanEnv(process.env), ...agent.env, AREYOUJ_INSTANCE_ID: inst.id, AREYOUJ_URL: this.url },
    };
    let session: PtySession;
    try {
      spec = driver.prepare?.(spec) ?? spec;
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
    session.on('data', () => this.touch(live));
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
    return this.start(old.agentId, {
      name: old.name, cols: old.cols, rows: old.rows, projectPath: old.projectPath,
      ...(old.taskId ? { taskId: old.taskId, taskProject: old.taskProject ?? undefined } : {}),
    });
  }

  async remove(id: string): Promise<void> {
    this.deps.instances.get(id);
    if (this.live.has(id)) await this.terminate(id, 'deleted');
    this.deps.instances.delete(id);
    fs.rmSync(this.logFile(id), { force: true });
    this.deps.bus.publish('instance.deleted', { id });
  }

  async stopAgent(agentId: string): Promise<void> {
    await Promise.all([...this.live.values()].filter((l) => l.agent.id === agentId).map((l) => this.terminate(l.id, 'agent_deleted')));
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
    const now = mode === 'now' || (mode === 'auto' && inst.status === 'idle' && this.deps.instances.queued(id).length === 0);
    const message = this.addMessage(id, { senderType: 'user', content, delivery: now ? 'sent' : 'queued' });
    if (now) await this.type(live, content);
    return { message, delivery: now ? 'sent' : 'queued' };
  }

  private delivering = new Set<string>();
  /** Delivers the oldest queued message when the instance is idle. */
  async deliverNext(live: Live): Promise<void> {
    if (this.delivering.has(live.id)) return;
    const next = this.deps.instances.queued(live.id)[0];
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

/** The server's environment minus what must not leak into agents (our token, npm's script variables). */
function cleanEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || k === 'AREYOUJ_TOKEN' || k.startsWith('npm_')) continue;
    out[k] = v;
  }
  return out;
}

