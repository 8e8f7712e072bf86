// A thin, typed fetch wrapper for the REST API. Errors come back as ApiError with the server's code and details.
import type {
  Agent, AgentCreate, AgentUpdate, ApiErrorBody, CommandResolution, Instance, InstanceCreate, InstanceUpdate, LegacyImportReport, Message, PlanRequest, Project,
  RespondBody, Task, TaskCreate, TaskList, TaskUpdate,
} from '../../common/schema.js';
import type { TaskFilter } from '../../common/task-filter.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

/** Field → message, from a `validation_failed` error (details: [{path, message}]) or a path error (details: {field}). */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ApiError)) return out;
  const d = err.details as unknown;
  if (Array.isArray(d)) {
    for (const item of d) {
      if (!item || typeof item !== 'object') continue;
      const path = Array.isArray((item as { path?: unknown }).path) ? (item as { path: unknown[] }).path : [];
      const key = fieldKey(path);
      if (!out[key]) out[key] = String((item as { message?: unknown }).message ?? err.message);
    }
  } else if (d && typeof d === 'object' && typeof (d as { field?: unknown }).field === 'string') {
    out[(d as { field: string }).field] = err.message;
  }
  return out;
}

function fieldKey(path: unknown[]): string {
  if (path.length === 0) return '_';
  // settings.quietMs and settings.idlePatterns.3 → 'settings.quietMs' / 'settings.idlePatterns'; env.FOO → 'env'; args.2 → 'args'
  if (path[0] === 'settings' && path.length > 1) return `settings.${String(path[1])}`;
  return String(path[0]);
}

let onNetwork: ((ok: boolean) => void) | null = null;
export function onNetworkChange(fn: (ok: boolean) => void) { onNetwork = fn; }
let onLoggedOut: (() => void) | null = null;
/** Called when the server answers 401: this browser's session expired or was revoked. */
export function onUnauthorized(fn: () => void) { onLoggedOut = fn; }

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (e) {
    onNetwork?.(false);
    throw new ApiError(0, 'network', 'The server is unreachable');
  }
  if (res.status === 401) onLoggedOut?.();
  else onNetwork?.(true);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  try { json = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  if (!res.ok) {
    const e = (json as Partial<ApiErrorBody> | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? (res.statusText || `HTTP ${res.status}`), e?.details);
  }
  return json as T;
}

/**
 * GET /api/tasks with the ETag of the list we hold: null when it has not changed (304: no body to download, parse or
 * render again). The browser's own cache is bypassed so that a 304 reaches us as one.
 */
async function tasksIfChanged(project: string | undefined, etag: string | undefined): Promise<{ list: TaskList; etag: string } | null> {
  let res: Response;
  try {
    res = await fetch(`/api/tasks${q(project)}`, { cache: 'no-store', credentials: 'same-origin', headers: { accept: 'application/json', ...(etag ? { 'if-none-match': etag } : {}) } });
  } catch {
    onNetwork?.(false);
    throw new ApiError(0, 'network', 'The server is unreachable');
  }
  if (res.status === 401) onLoggedOut?.();
  else onNetwork?.(true);
  if (res.status === 304) return null;
  const json = await res.json().catch(() => undefined) as (TaskList & Partial<ApiErrorBody>) | undefined;
  if (!res.ok || !json) throw new ApiError(res.status, json?.error?.code ?? `http_${res.status}`, json?.error?.message ?? `HTTP ${res.status}`, json?.error?.details);
  return { list: json, etag: res.headers.get('etag') ?? '' };
}

/** The URL of the board as a spreadsheet (a download: the browser fetches it with its cookie). */
export function exportUrl(project: string | undefined, o: { format: 'csv' | 'xlsx'; details: boolean; filter?: TaskFilter }): string {
  const p = new URLSearchParams();
  if (project) p.set('project', project);
  p.set('format', o.format);
  if (o.details) p.set('details', '1');
  if (o.filter?.q?.trim()) p.set('q', o.filter.q.trim());
  if (o.filter?.status) p.set('status', o.filter.status);
  if (o.filter?.priority) p.set('priority', o.filter.priority);
  return `/api/tasks/export?${p.toString()}`;
}

const q = (project?: string) => (project ? `?project=${encodeURIComponent(project)}` : '');
const enc = encodeURIComponent;

export interface Info { version: string; schemaVersion: number; home: string; maxInstances: number }
export interface DirListing { path: string; parent: string | null; dirs: { name: string; path: string }[] }
export type SendMode = 'auto' | 'now' | 'queue';

export const api = {
  info: () => request<Info>('GET', '/api/info'),
  dirs: (path?: string) => request<DirListing>('GET', `/api/fs/dirs${path ? `?path=${enc(path)}` : ''}`),

  tasks: (project?: string) => request<TaskList>('GET', `/api/tasks${q(project)}`),
  tasksIfChanged,
  task: (project: string | undefined, id: string) => request<Task>('GET', `/api/tasks/${enc(id)}${q(project)}`),
  createTask: (project: string | undefined, body: TaskCreate) => request<Task>('POST', `/api/tasks${q(project)}`, body),
  updateTask: (project: string | undefined, id: string, body: TaskUpdate) => request<Task>('PUT', `/api/tasks/${enc(id)}${q(project)}`, body),
  deleteTask: (project: string | undefined, id: string) => request<unknown>('DELETE', `/api/tasks/${enc(id)}${q(project)}`),

  projects: () => request<Project[]>('GET', '/api/projects'),
  rememberProject: (path: string) => request<Project[]>('POST', '/api/projects', { path }),
  importLegacy: (path: string) => request<LegacyImportReport>('POST', '/api/projects/import-legacy', { path }),
  plan: (body: PlanRequest) => request<Instance>('POST', '/api/projects/plan', body),

  agents: () => request<Agent[] | { agents: Agent[] }>('GET', '/api/agents').then(unwrap<Agent>('agents')),
  createAgent: (body: AgentCreate) => request<Agent>('POST', '/api/agents', body),
  updateAgent: (id: string, body: AgentUpdate) => request<Agent>('PUT', `/api/agents/${enc(id)}`, body),
  deleteAgent: (id: string) => request<unknown>('DELETE', `/api/agents/${enc(id)}`),
  resolveCommand: (command: string, projectPath?: string) =>
    request<CommandResolution>('GET', `/api/agents/resolve?command=${enc(command)}${projectPath ? `&projectPath=${enc(projectPath)}` : ''}`),

  instances: () => request<Instance[] | { instances: Instance[] }>('GET', '/api/instances').then(unwrap<Instance>('instances')),
  branches: (agentId: string) => request<{ repository: boolean; current: string | null; branches: string[] }>('GET', `/api/agents/${enc(agentId)}/branches`),
  startInstance: (agentId: string, body: InstanceCreate) => request<Instance>('POST', `/api/agents/${enc(agentId)}/instances`, body),
  updateInstance: (id: string, body: InstanceUpdate) => request<Instance>('PUT', `/api/instances/${enc(id)}`, body),
  terminate: (id: string) => request<Instance>('POST', `/api/instances/${enc(id)}/terminate`),
  restart: (id: string) => request<Instance>('POST', `/api/instances/${enc(id)}/restart`),
  /** An ended instance starts again as the same conversation (Claude Code: claude --resume <its session id>). */
  resume: (id: string) => request<Instance>('POST', `/api/instances/${enc(id)}/resume`),
  stopAll: () => request<{ stopped: number }>('POST', '/api/instances/stop-all'),
  deleteInstance: (id: string, worktree: 'keep' | 'discard' | 'discard-force' = 'keep') => request<unknown>('DELETE', `/api/instances/${enc(id)}?worktree=${worktree}`),

  messages: (id: string, after?: number, limit = 500) =>
    request<Message[] | { messages: Message[] }>('GET', `/api/instances/${enc(id)}/messages?limit=${limit}${after ? `&after=${after}` : ''}`)
      .then(unwrap<Message>('messages')),
  send: (id: string, content: string, mode: SendMode) =>
    request<{ message: Message; delivery: 'sent' | 'queued' }>('POST', `/api/instances/${enc(id)}/messages`, { content, mode }),
  editQueued: (id: string, messageId: number, content: string) =>
    request<Message>('PUT', `/api/instances/${enc(id)}/messages/${messageId}`, { content }),
  cancelQueued: (id: string, messageId: number) => request<unknown>('DELETE', `/api/instances/${enc(id)}/messages/${messageId}`),
  input: (id: string, body: { text?: string; keys?: string[] }) => request<unknown>('POST', `/api/instances/${enc(id)}/input`, body),
  /** `allow` / `allow_always` / `deny`, an option's number, or an option key (`y`, `n`, `enter`…). */
  /** {choice} (with text for a feedback option), {answers} for Claude's questions, {cancel: true} as Esc. */
  respond: (id: string, body: RespondBody) => request<Instance>('POST', `/api/instances/${enc(id)}/respond`, body),
};

function unwrap<T>(key: string) {
  return (v: T[] | Record<string, T[]>): T[] => (Array.isArray(v) ? v : (v?.[key] ?? []));
}
