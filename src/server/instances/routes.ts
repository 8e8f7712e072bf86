import type { FastifyInstance } from 'fastify';
import {
  InputSend, InstanceCreate, InstanceStatus, InstanceUpdate, isLive, MessageEdit, MessageSend, RespondBody, WORKTREE_ON_DELETE,
} from '../../common/schema.js';
import { ApiError } from '../http/errors.js';
import { intParam, parse } from '../http/validate.js';
import { MESSAGE_PAGE, OUTPUT_READ } from '../limits.js';
import { keysBytes } from '../sessions/keys.js';
import { attachSocket, CLOSE_HOST_GONE } from '../sessions/terminal-channel.js';
import type { AgentStore } from '../agents/store.js';
import type { TaskService } from '../tasks/service.js';
import type { InstanceManager } from './manager.js';
import type { InstanceStore } from './store.js';
import { readRange, replaySnapshot } from './output.js';

type P = { Params: { id: string } };
type PM = { Params: { id: string; messageId: string } };

export interface InstanceRoutesDeps {
  agents: AgentStore; instances: InstanceStore; tasks: TaskService; manager: InstanceManager;
  /** Lines of scrollback in the screen rebuilt for an ended instance. */
  scrollback: number;
}

export function instanceRoutes(app: FastifyInstance, deps: InstanceRoutesDeps) {
  const m = deps.manager;
  const running = (id: string) => {
    const inst = deps.instances.get(id);
    const live = m.get(id);
    if (!live) throw new ApiError(409, 'not_running', `instance ${id} is ${inst.status}`);
    return live;
  };
  const queuedMessage = (req: { params: { id: string; messageId: string } }) => {
    deps.instances.get(req.params.id);
    const msg = deps.instances.findMessage(Number(req.params.messageId));
    if (!msg || msg.instanceId !== req.params.id) throw new ApiError(404, 'not_found', `message ${req.params.messageId} does not exist on this instance`);
    if (msg.delivery !== 'queued') throw new ApiError(409, 'not_queued', `message ${msg.id} is ${msg.delivery ?? 'not a queued message'}; only queued messages can change`);
    return msg;
  };

  app.get<{ Querystring: { status?: string; agentId?: string } }>('/api/instances', async (req) => {
    const statuses = req.query.status ? req.query.status.split(',').map((x) => parse(InstanceStatus, x)) : undefined;
    return deps.instances.list({ agentId: req.query.agentId, statuses });
  });
  app.get<P>('/api/agents/:id/instances', async (req) => {
    deps.agents.get(req.params.id);
    return deps.instances.list({ agentId: req.params.id });
  });
  app.post<P>('/api/agents/:id/instances', async (req, reply) => {
    const inst = await m.start(req.params.id, parse(InstanceCreate, req.body));
    reply.status(201);
    return inst;
  });
  app.get<P>('/api/instances/:id', async (req) => deps.instances.get(req.params.id));
  app.put<P>('/api/instances/:id', async (req) => {
    const body = parse(InstanceUpdate, req.body);
    const inst = deps.instances.get(req.params.id);
    const patch: Parameters<typeof m.update>[1] = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.taskId === null) Object.assign(patch, { taskId: null, taskProject: null });
    else if (body.taskId !== undefined) {
      const project = deps.tasks.resolveProject(body.taskProject ?? inst.taskProject ?? inst.projectPath);
      m.checkTask(project, body.taskId);
      Object.assign(patch, { taskId: body.taskId, taskProject: project });
    }
    return m.update(req.params.id, patch);
  });
  app.post<P>('/api/instances/:id/terminate', async (req) => m.terminate(req.params.id));
  // Stop all: every live instance ends (the dashboard's "Stop all", `areyouj stop --all` while a server runs).
  app.post('/api/instances/stop-all', async () => ({ stopped: await m.stopAll() }));
  // Resume: an ended instance starts again as the same conversation (claude --resume, codex resume, gemini --resume
  // of its agent_session_id).
  app.post<P>('/api/instances/:id/resume', async (req, reply) => {
    reply.status(201);
    return m.resume(req.params.id);
  });
  app.post<P>('/api/instances/:id/restart', async (req, reply) => {
    reply.status(201);
    return m.restart(req.params.id);
  });
  app.delete<P & { Querystring: { worktree?: string } }>('/api/instances/:id', async (req) => {
    const choice = req.query.worktree ?? 'keep';
    if (!(WORKTREE_ON_DELETE as readonly string[]).includes(choice)) {
      throw new ApiError(400, 'validation_failed', `worktree must be one of ${WORKTREE_ON_DELETE.join(', ')}`, [{ path: ['worktree'], message: 'invalid' }]);
    }
    await m.remove(req.params.id, choice as (typeof WORKTREE_ON_DELETE)[number]);
    return { deleted: req.params.id };
  });

  app.get<P & { Querystring: { offset?: string; limit?: string } }>('/api/instances/:id/output', async (req, reply) => {
    deps.instances.get(req.params.id);
    const offset = intParam(req.query.offset, 'offset', 0);
    const limit = intParam(req.query.limit, 'limit', OUTPUT_READ.default, 1, OUTPUT_READ.max);
    const { data, total } = readRange(m.logFile(req.params.id), offset, limit);
    reply.header('x-total-bytes', String(total)).header('x-offset', String(offset)).header('x-next-offset', String(offset + data.length));
    reply.type('application/octet-stream');
    return data;
  });

  // ---------- messages ----------
  app.get<P & { Querystring: { after?: string; limit?: string } }>('/api/instances/:id/messages', async (req) => {
    deps.instances.get(req.params.id);
    return deps.instances.messages(req.params.id, intParam(req.query.after, 'after', 0), intParam(req.query.limit, 'limit', MESSAGE_PAGE.default, 1, MESSAGE_PAGE.max));
  });
  app.post<P>('/api/instances/:id/messages', async (req, reply) => {
    const body = parse(MessageSend, req.body);
    const r = await m.send(req.params.id, body.content, body.mode);
    reply.status(r.delivery === 'sent' ? 201 : 202);
    return r;
  });
  app.put<PM>('/api/instances/:id/messages/:messageId', async (req) => {
    const msg = queuedMessage(req);
    return m.updateMessage(msg.id, { content: parse(MessageEdit, req.body).content });
  });
  app.delete<PM>('/api/instances/:id/messages/:messageId', async (req) => {
    const msg = queuedMessage(req);
    return m.updateMessage(msg.id, { delivery: 'cancelled', metadata: { ...msg.metadata, cancelReason: 'cancelled_by_user' } });
  });

  // ---------- answering without a terminal ----------
  app.post<P>('/api/instances/:id/input', async (req) => {
    const body = parse(InputSend, req.body);
    const live = running(req.params.id);
    if (body.text !== undefined) live.session.write(body.text);
    if (body.keys) live.session.write(keysBytes(body.keys, { applicationCursor: live.session.applicationCursorKeys }));
    return { ok: true };
  });
  app.post<P>('/api/instances/:id/respond', async (req) => {
    const reply = parse(RespondBody, req.body);
    const live = running(req.params.id);
    if (deps.instances.get(req.params.id).status !== 'awaiting_input') {
      // Answered meanwhile (in the terminal, or by another client): say how, when the driver knows.
      const note = live.driver.answeredNote?.();
      throw new ApiError(409, note ? 'already_answered' : 'not_awaiting_input', note ?? 'nothing is waiting for an answer');
    }
    const ok = await live.driver.respond(reply);
    if (!ok) throw new ApiError(400, 'invalid_choice', `${JSON.stringify('choice' in reply ? reply.choice : reply)} is not one of the options offered`);
    return deps.instances.get(req.params.id);
  });

  // ---------- terminal channel ----------
  app.get<P>('/api/instances/:id/terminal', { websocket: true }, async (socket, req) => {
    const inst = deps.instances.find(req.params.id);
    if (!inst) return socket.close(4404, 'no such instance');
    const live = m.get(inst.id);
    if (live) return void attachSocket(live.session, socket);
    // Live but its program not there yet (starting, resuming, or re-adopted in a moment): the client comes back.
    if (isLive(inst.status)) return socket.close(CLOSE_HOST_GONE, 'starting: reconnect');
    // Ended: the screen it left, rebuilt from its log, then the exit notice.
    const data = await replaySnapshot(m.logFile(inst.id), inst.cols, inst.rows, deps.scrollback);
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify({ type: 'snapshot', data, cols: inst.cols, rows: inst.rows }));
    socket.send(JSON.stringify({ type: 'exit', exitCode: inst.exitCode, signal: null, status: inst.status }));
    socket.close(1000, 'program exited');
  });
}
