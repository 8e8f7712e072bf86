// The instance manager: starts agents in pseudo-terminals, keeps their state, delivers their messages.
// One Live record per running instance; the database row is the truth that clients read.
import fs from 'node:fs';
import path from 'node:path';
import {
  isLive, LIVE_STATUSES, type Agent, type Instance, type InstanceCreate, type InstanceStatus, type Message,
} from '../../common/schema.js';
import { ApiError, conflict } from '../http/errors.js';
import { checkProjectPath } from '../agents/store.js';
import { PtySession, SpawnError, type ExitInfo } from '../sessions/pty-session.js';
import type { Ctx } from '../server.js';
import type { Driver, DriverHost, LaunchSpec } from './driver.js';
import { GenericDriver } from './generic-driver.js';
import type { NewMessage } from './store.js';

export interface Live {
  id: string;
  agent: Agent;
  session: PtySession;
  driver: Driver;
  host: DriverHost & { terminateReason?: string };
  terminating: boolean;
  lastActivityWrite: number;
}

export type DriverFactory = (agent: Agent, instanceId: string) => Driver;

const ACTIVITY_EVERY_MS = 5000; // output refreshes last_activity_at at most this often

export class InstanceManager {
  url = '';
  readonly live = new Map<string, Live>();
  private drivers: Partial<Record<Agent['kind'], DriverFactory>> = { generic: () => new GenericDriver() };

  constructor(private ctx: Ctx) {}

  registerDriver(kind: Agent['kind'], f: DriverFactory) { this.drivers[kind] = f; }

  logFile(id: string) { return path.join(this.ctx.config.logsDir, `${id}.log`); }

  /** On start: instances a crashed server left live are marked error (server_restarted); then autoStart agents start. */
  async recover(url: string): Promise<void> {
    this.url = url;
    for (const i of this.ctx.instances.list({ statuses: LIVE_STATUSES })) {
      this.update(i.id, { status: 'error', statusReason: 'server_restarted', completedAt: new Date().toISOString(), pid: null });
      this.cancelQueue(i.id, 'server_restarted');
    }
    for (const agent of this.ctx.agents.list()) {
      if (!agent.settings.autoStart) continue;
      try { this.start(agent.id, { name: 'auto' }); } catch (e) {
        process.stderr.write(`[areyouj] auto-start of ${agent.name} failed: ${(e as Error).message}\n`);
      }
    }
  }

  start(agentId: string, req: InstanceCreate): Instance {
    const agent = this.ctx.agents.get(agentId);
    const projectPath = req.projectPath ? checkProjectPath(req.projectPath) : agent.projectPath;
    const taskProject = req.taskId ? (req.taskProject ? this.ctx.tasks.resolveProject(req.taskProject) : projectPath) : null;
    if (req.taskId) this.checkTask(taskProject!, req.taskId);
    const perAgent = this.ctx.instances.countLive(agentId);
    if (perAgent >= agent.settings.maxConcurrentInstances) {
      throw conflict('limit_reached', `agent ${agent.name} already runs ${perAgent} of its ${agent.settings.maxConcurrentInstances} allowed instances`,
        { scope: 'agent', running: perAgent, limit: agent.settings.maxConcurrentInstances });
    }
    const total = this.ctx.instances.countLive();
    if (total >= this.ctx.config.maxInstances) {
      throw conflict('limit_reached', `${total} of the server's ${this.ctx.config.maxInstances} allowed instances are running`,
        { scope: 'server', running: total, limit: this.ctx.config.maxInstances });
    }
    const count = this.ctx.instances.count(agentId);
    let inst = this.ctx.instances.create({
      agentId, name: req.name ?? `#${count + 1}`, projectPath, cols: req.cols ?? 120, rows: req.rows ?? 32,
      taskId: req.taskId ?? null, taskProject,
    });
    this.ctx.bus.publish('instance.created', { instance: inst });
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
        ...spec, cwd: projectPath, cols: inst.cols, rows: inst.rows, logFile: this.logFile(inst.id), scrollback: this.ctx.config.scrollback,
      });
    } catch (e) {
      driver.dispose();
      const reason = e instanceof SpawnError ? e.message : `cannot start: ${(e as Error).message}`;
      this.cancelQueue(inst.id, 'start_failed');
      return this.update(inst.id, { status: 'error', statusReason: reason, completedAt: new Date().toISOString() });
    }
    inst = this.update(inst.id, { pid: session.pid, ptySessionId: String(session.pid) }, false);
    const live: Live = { id: inst.id, agent, session, driver, terminating: false, lastActivityWrite: Date.now(), host: null! };
    live.host = this.makeHost(live);
    this.live.set(inst.id, live);
    session.on('data', () => this.touch(live));
    session.on('exit', (info) => this.onExit(live, info));
    driver.start(live.host);
    return inst;
  }

  get(id: string): Live | undefined { return this.live.get(id); }

  /** A task an instance is linked to must exist (400 otherwise). */
  checkTask(project: string, taskId: string) {
    if (!this.ctx.tasks.store(project).find(taskId)) {
      throw new ApiError(400, 'invalid_task', `task ${JSON.stringify(taskId)} does not exist in ${project}`, { field: 'taskId' });
    }
  }

  /** SIGTERM to the process group, SIGKILL after the grace period; resolves when it has exited. */
  async terminate(id: string, reason = 'terminated_by_user'): Promise<Instance> {
    const live = this.live.get(id);
    const inst = this.ctx.instances.get(id);
    if (!live) {
      if (isLive(inst.status)) return this.update(id, { status: 'terminated', statusReason: reason, completedAt: new Date().toISOString(), pid: null });
      return inst;
    }
    live.terminating = true;
    live.host.terminateReason = reason;
    await live.session.terminate(this.ctx.config.graceMs);
    await this.exited(id);
    return this.ctx.instances.get(id);
  }

  async restart(id: string): Promise<Instance> {
    const old = this.ctx.instances.get(id);
    if (this.live.has(id)) await this.terminate(id, 'restarted');
    return this.start(old.agentId, {
      name: old.name, cols: old.cols, rows: old.rows, projectPath: old.projectPath,
      ...(old.taskId ? { taskId: old.taskId, taskProject: old.taskProject ?? undefined } : {}),
    });
  }

  async remove(id: string): Promise<void> {
    this.ctx.instances.get(id);
    if (this.live.has(id)) await this.terminate(id, 'deleted');
    this.ctx.instances.delete(id);
    fs.rmSync(this.logFile(id), { force: true });
    this.ctx.bus.publish('instance.deleted', { id });
  }

  async stopAgent(agentId: string): Promise<void> {
    await Promise.all([...this.live.values()].filter((l) => l.agent.id === agentId).map((l) => this.terminate(l.id, 'agent_deleted')));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.terminate(id, 'server_stopped')));
  }

  // ---------- state ----------
  update(id: string, patch: Parameters<Ctx['instances']['update']>[1], publish = true): Instance {
    const inst = this.ctx.instances.update(id, patch);
    if (publish) this.ctx.bus.publish('instance.updated', { instance: inst });
    return inst;
  }

  setStatus(live: Live, status: InstanceStatus, opts: { reason?: string; question?: NewMessage } = {}) {
    if (!this.live.has(live.id)) return;
    const prev = this.ctx.instances.get(live.id).status;
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
      live.host.notify('awaiting_input', opts.question?.content ?? 'needs your input');
    }
    if (status === 'idle') {
      if (prev === 'active' && s.notifyOnTurnEnd) live.host.notify('turn_end', 'finished its turn');
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
    const status: InstanceStatus = live.terminating ? 'terminated' : ok ? 'completed' : 'error';
    const reason = live.terminating ? live.host.terminateReason ?? 'terminated_by_user'
      : ok ? 'exited' : info.error ?? (info.signal ? `killed by signal ${info.signal}` : `exit code ${info.exitCode}`);
    this.cancelQueue(live.id, status);
    try {
      this.update(live.id, { status, statusReason: reason, exitCode: info.exitCode, completedAt: new Date().toISOString(), pid: null });
      if (status === 'error') live.host.notify('error', reason);
    } catch { /* deleted meanwhile */ }
    for (const w of this.exitWaiters.get(live.id) ?? []) w();
    this.exitWaiters.delete(live.id);
  }

  // ---------- messages ----------
  addMessage(instanceId: string, m: NewMessage): Message {
    // A message mirrored twice (same external key) is stored and announced once.
    const existing = m.externalKey ? this.ctx.instances.findMessageByKey(instanceId, m.externalKey) : undefined;
    if (existing) return existing;
    const msg = this.ctx.instances.addMessage(instanceId, m);
    this.ctx.bus.publish('message.created', { message: msg });
    return msg;
  }

  updateMessage(id: number, patch: Parameters<Ctx['instances']['updateMessage']>[1]): Message {
    const msg = this.ctx.instances.updateMessage(id, patch);
    this.ctx.bus.publish('message.updated', { message: msg });
    return msg;
  }

  /** Records a user message and types it now (idle, or mode now) or queues it for the next idle. */
  async send(id: string, content: string, mode: 'auto' | 'now' | 'queue'): Promise<{ message: Message; delivery: 'sent' | 'queued' }> {
    const inst = this.ctx.instances.get(id);
    const live = this.live.get(id);
    if (!live || !isLive(inst.status)) throw new ApiError(409, 'not_running', `instance ${id} is ${inst.status}; start or restart it to send messages`);
    const now = mode === 'now' || (mode === 'auto' && inst.status === 'idle' && this.ctx.instances.queued(id).length === 0);
    const message = this.addMessage(id, { senderType: 'user', content, delivery: now ? 'sent' : 'queued' });
    if (now) await this.type(live, content);
    return { message, delivery: now ? 'sent' : 'queued' };
  }

  private delivering = new Set<string>();
  /** Delivers the oldest queued message when the instance is idle. */
  async deliverNext(live: Live): Promise<void> {
    if (this.delivering.has(live.id)) return;
    const next = this.ctx.instances.queued(live.id)[0];
    if (!next || this.ctx.instances.get(live.id).status !== 'idle') return;
    this.delivering.add(live.id);
    try {
      this.updateMessage(next.id, { delivery: 'sent' });
      await this.type(live, next.content);
    } finally { this.delivering.delete(live.id); }
  }

  private async type(live: Live, content: string) {
    await live.driver.deliver(content);
    if (this.live.has(live.id) && this.ctx.instances.get(live.id).status === 'idle') this.setStatus(live, 'active', { reason: 'message_sent' });
  }

  private settleQuestions(id: string) {
    for (const m of this.ctx.instances.settleQuestions(id)) this.ctx.bus.publish('message.updated', { message: m });
  }

  private cancelQueue(id: string, reason: string) {
    for (const m of this.ctx.instances.queued(id)) this.updateMessage(m.id, { delivery: 'cancelled', metadata: { ...m.metadata, cancelReason: reason } });
  }

  private makeHost(live: Live): DriverHost & { terminateReason?: string } {
    return {
      instanceId: live.id, agent: live.agent, session: live.session,
      status: () => this.ctx.instances.get(live.id).status,
      setStatus: (status, opts) => this.setStatus(live, status, opts),
      addMessage: (m) => this.addMessage(live.id, m),
      updateQuestion: (key, question) => {
        const cur = this.ctx.instances.findMessageByKey(live.id, key);
        if (cur) this.updateMessage(cur.id, { question });
      },
      notify: (kind, body) => {
        if (!live.agent.settings.notificationEnabled) return;
        const inst = this.ctx.instances.find(live.id);
        this.ctx.bus.publish('notification', {
          instanceId: live.id, agentId: live.agent.id, kind, body: body.slice(0, 500),
          title: `${live.agent.name} ${inst?.name ?? ''}: ${TITLES[kind]}`,
        });
      },
    };
  }
}

const TITLES = { awaiting_input: 'needs your input', turn_end: 'finished its turn', error: 'failed', idle_prompt: 'is waiting for you' };

/** The server's environment minus what must not leak into agents (our token, npm's script variables). */
function cleanEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || k === 'AREYOUJ_TOKEN' || k.startsWith('npm_')) continue;
    out[k] = v;
  }
  return out;
}

