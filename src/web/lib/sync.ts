// Keeps the store in step with the server: the first load, the SSE event stream (with Last-Event-ID on reconnect,
// handled by EventSource itself), a full refetch on `reset` or when the stream had to be recreated, and task refetches.
import { STREAM_EVENT_TYPES, type StreamEventType } from '../../common/constants.js';
import type { StreamEventMap } from '../../common/events.js';
import type { Instance, Message } from '../../common/schema.js';
import { emitChangesEvent } from '../changes/live.js';
import { api, ApiError, onNetworkChange, onUnauthorized } from './api.js';
import { onServerNotification } from './notify.js';
import { agentGone, instanceGone } from './gone.js';
import { onePerKey } from './one-per-key.js';
import { getState, mergeMessages, setState, upsertAgent, upsertInstance } from './store.js';

const byId = <T extends { id: string }>(list: T[]) => Object.fromEntries(list.map((x) => [x.id, x]));

/** Instance events applied so far, and the count at each instance's last one: a refetch never undoes a newer event. */
let instanceEvents = 0;
const instanceTouched = new Map<string, number>();

export async function loadAll() {
  const since = instanceEvents;
  const [info, agents, fetched] = await Promise.all([api.info(), api.agents(), api.instances()]);
  // An event that came while the list was on its way is newer than the list (a Stop all right after a reconnect's
  // `reset`): keep what it said.
  const instances = byId(fetched);
  const now = getState().instances;
  for (const [id, n] of instanceTouched) {
    if (n <= since) continue;
    if (now[id]) instances[id] = now[id]; else delete instances[id];
  }
  setState((s) => ({
    info,
    agents: byId(agents),
    instances,
    loaded: true,
    openTabs: s.openTabs.filter((id) => id in instances),
  }));
  const s = getState();
  // Full histories only for open tabs (the overview shows each instance's `lastMessage`); for an instance waiting
  // on the user elsewhere, just its newest messages, for the banner's question and options.
  const want = new Set([...s.openTabs, ...Object.keys(s.historyLoaded)]);
  await Promise.all([
    ...[...want].map((id) => loadHistory(id).catch(() => undefined)),
    ...Object.values(instances).filter((i) => i.status === 'awaiting_input' && !want.has(i.id)).map((i) => loadAwaiting(i.id).catch(() => undefined)),
    ...Object.keys(s.tasks).map((p) => loadTasks(p)),
  ]);
}

const hasQuestion = (id: string) => (getState().messages[id] ?? []).some((m) => m.senderType === 'agent' && m.requiresUserInput);

/** The message an instance is waiting on: its newest ones (from `lastMessage`), or its whole history if that is not enough. */
export async function loadAwaiting(id: string): Promise<void> {
  if (hasQuestion(id) || getState().historyLoaded[id] || getState().instances[id]?.status !== 'awaiting_input') return;
  const last = getState().instances[id]?.lastMessage;
  if (last) {
    const tail = await api.messages(id, Math.max(0, last.id - 1), 50);
    if (tail.some((m) => m.senderType === 'agent' && m.requiresUserInput)) { mergeMessages(id, tail); return; }
  }
  await loadHistory(id);
}

/** A message event: the instance's `lastMessage` moves on; the message itself is kept where it is shown. */
function onMessage(m: Message) {
  const s = getState();
  if (m.delivery === null || m.delivery === 'sent') {
    const inst = s.instances[m.instanceId];
    if (inst && (!inst.lastMessage || inst.lastMessage.id <= m.id)) {
      upsertInstance({ ...inst, lastMessage: { id: m.id, senderType: m.senderType, kind: m.kind, content: m.content.slice(0, 200), createdAt: m.createdAt } });
    }
  }
  // Unopened instances keep only what their banner needs (questions and their settling), not a growing history.
  if (s.historyLoaded[m.instanceId] || historyInFlight.has(m.instanceId) || m.requiresUserInput || s.messages[m.instanceId]?.some((x) => x.id === m.id)) mergeMessages(m.instanceId, [m]);
}

/** An instance from an event: never step back to an older lastMessage than a message event already gave us. */
function onInstance(inst: Instance) {
  instanceTouched.set(inst.id, ++instanceEvents);
  const prev = getState().instances[inst.id]?.lastMessage;
  const next = prev && (!inst.lastMessage || inst.lastMessage.id < prev.id) ? { ...inst, lastMessage: prev } : inst;
  upsertInstance(next);
  // The question usually comes as its own message event right along; fetch it only if it did not.
  if (inst.status === 'awaiting_input') setTimeout(() => void loadAwaiting(inst.id).catch(() => undefined), 250);
}

const historyInFlight = new Map<string, Promise<void>>();
export function loadHistory(id: string): Promise<void> {
  const running = historyInFlight.get(id);
  if (running) return running;
  const p = (async () => {
    const all: Message[] = [];
    let after: number | undefined;
    for (let page = 0; page < 40; page++) {
      const batch = await api.messages(id, after, 500);
      all.push(...batch);
      if (batch.length < 500) break;
      after = batch[batch.length - 1].id;
    }
    mergeMessages(id, all, true);
  })().finally(() => historyInFlight.delete(id));
  historyInFlight.set(id, p);
  return p;
}

/** The ETag of each project's list we hold: an unchanged list is not downloaded again (304). */
const taskEtags = new Map<string, string>();

/**
 * A project's task list, fresh from the server. One request at a time per project (onePerKey): a reload asked for
 * while one is in flight follows it, so an answer never lands after a newer one, and the ETag we send is always the
 * one of the list we hold. Each project's answer is stored under that project only.
 */
export const loadTasks = onePerKey(async (project: string) => {
  try {
    const held = getState().tasks[project];
    const r = await api.tasksIfChanged(project, held ? taskEtags.get(project) : undefined);
    if (!r) { if (getState().taskErrors[project]) setState((s) => ({ taskErrors: { ...s.taskErrors, [project]: '' } })); return; }
    taskEtags.set(project, r.etag);
    const list = r.list;
    setState((s) => ({ tasks: { ...s.tasks, [project]: list }, taskErrors: { ...s.taskErrors, [project]: '' } }));
  } catch (e) {
    const msg = e instanceof ApiError ? e.message : String(e);
    setState((s) => ({ taskErrors: { ...s.taskErrors, [project]: msg } }));
  }
});

const taskTimers = new Map<string, ReturnType<typeof setTimeout>>();
function scheduleTasks(project: string | undefined) {
  const s = getState();
  for (const [key, list] of Object.entries(s.tasks)) {
    if (project && key !== project && list.project !== project) continue;
    clearTimeout(taskTimers.get(key));
    taskTimers.set(key, setTimeout(() => { taskTimers.delete(key); void loadTasks(key); }, 60));
  }
}

// ---------- the event stream ----------

// Each event's `data` is that event's payload as typed in src/common/events.ts (the server validates nothing here:
// it wrote it from the same types); one handler per type, so a type without one fails to compile.
type Handlers = { [K in StreamEventType]: (data: StreamEventMap[K], eventId: string) => void };

const tasksChanged = (d: { project: string }) => scheduleTasks(d.project);
const handlers: Handlers = {
  'agent.created': (d) => upsertAgent(d.agent),
  'agent.updated': (d) => upsertAgent(d.agent),
  'agent.deleted': (d) => agentGone(d.id, 'elsewhere'),
  'instance.created': (d) => onInstance(d.instance),
  'instance.updated': (d) => onInstance(d.instance),
  'instance.deleted': (d) => { instanceTouched.set(d.id, ++instanceEvents); instanceGone(d.id, 'elsewhere'); },
  'instance.changes': (d) => emitChangesEvent(d),
  'message.created': (d) => onMessage(d.message),
  'message.updated': (d) => onMessage(d.message),
  'task.created': tasksChanged,
  'task.updated': tasksChanged,
  'task.deleted': tasksChanged,
  'tasks.changed': tasksChanged,
  'notification': (d, eventId) => onServerNotification(d, eventId),
  'reset': () => void loadAll().catch(() => undefined),
};

function applyEvent<K extends StreamEventType>(type: K, raw: string, eventId: string) {
  let data: StreamEventMap[K];
  try { data = JSON.parse(raw) as StreamEventMap[K]; } catch { return; }
  handlers[type](data, eventId);
}

let es: EventSource | null = null;
let retry = 1000;

export function startSync() {
  onNetworkChange((ok) => { if (!ok) setState({ connection: 'offline' }); });
  onUnauthorized(() => setState({ connection: 'logged_out' }));
  connect();
}

function connect() {
  es?.close();
  const source = new EventSource('/api/events');
  es = source;
  for (const t of STREAM_EVENT_TYPES) source.addEventListener(t, (e) => applyEvent(t, e.data as string, e.lastEventId));
  let loaded = false;
  source.onopen = () => {
    retry = 1000;
    setState({ connection: 'online' });
    // A new stream starts "now": load the state once it is open so nothing falls between the two.
    // When the browser reconnects by itself it sends Last-Event-ID and the server replays (or sends `reset`).
    if (!loaded) {
      loaded = true;
      loadAll().catch(() => { loaded = false; });
    }
  };
  source.onerror = () => {
    // EventSource does not say why: a request tells a server that is down (offline) from a session that ended (401).
    if (getState().connection !== 'logged_out') setState({ connection: 'offline' });
    void api.info().catch(() => undefined);
    if (source.readyState === EventSource.CLOSED) {
      // The browser gave up (e.g. a proxy answered with an error): start a new stream, which reloads everything.
      source.close();
      if (es === source) es = null;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    }
  };
}
