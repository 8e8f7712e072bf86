// The client's one source of truth: what the server told us (agents, instances, messages, tasks) plus UI state.
// Immutable updates; components subscribe with a selector through useStore().
import { useSyncExternalStore } from 'react';
import type { Agent, Instance, Message, TaskList } from '../../common/schema.js';
import type { Info } from './api.js';

/** `logged_out`: the server answered 401 (the session expired or was revoked): only a new login helps. */
export type Connection = 'connecting' | 'online' | 'offline' | 'logged_out';

export interface Toast { id: number; kind: 'error' | 'info'; text: string }

export interface State {
  info: Info | null;
  connection: Connection;
  loaded: boolean;
  agents: Record<string, Agent>;
  instances: Record<string, Instance>;
  /** Messages per instance, oldest first; may hold only live ones until the history is loaded. */
  messages: Record<string, Message[]>;
  historyLoaded: Record<string, boolean>;
  tasks: Record<string, TaskList>;
  taskErrors: Record<string, string>;
  openTabs: string[];
  toasts: Toast[];
  dialog: Dialog | null;
  drawerOpen: boolean;
  notificationsOn: boolean;
}

export type Dialog =
  | { type: 'agent'; agentId?: string }
  | { type: 'help' }
  | { type: 'palette' }
  | { type: 'confirm'; title: string; body: string; confirmLabel: string; danger?: boolean; onConfirm: () => Promise<void> | void }
  | { type: 'task'; project: string; taskId?: string; parentId?: string }
  | { type: 'handoff'; project: string; taskId: string }
  | { type: 'start'; agentId: string }
  | { type: 'delete-instance'; instanceId: string };

const TABS_KEY = 'areyouj.tabs';
const NOTIFY_KEY = 'areyouj.notify';

function readJSON<T>(key: string, fallback: T): T {
  try { const v = localStorage.getItem(key); return v ? (JSON.parse(v) as T) : fallback; } catch { return fallback; }
}

let state: State = {
  info: null,
  connection: 'connecting',
  loaded: false,
  agents: {},
  instances: {},
  messages: {},
  historyLoaded: {},
  tasks: {},
  taskErrors: {},
  openTabs: readJSON<string[]>(TABS_KEY, []),
  toasts: [],
  dialog: null,
  drawerOpen: false,
  notificationsOn: readJSON<boolean>(NOTIFY_KEY, false),
};

const listeners = new Set<() => void>();

export function getState(): State { return state; }

export function setState(update: Partial<State> | ((s: State) => Partial<State>)) {
  const patch = typeof update === 'function' ? update(state) : update;
  const next = { ...state, ...patch };
  if (next.openTabs !== state.openTabs) try { localStorage.setItem(TABS_KEY, JSON.stringify(next.openTabs)); } catch { /* private mode */ }
  if (next.notificationsOn !== state.notificationsOn) try { localStorage.setItem(NOTIFY_KEY, JSON.stringify(next.notificationsOn)); } catch { /* */ }
  state = next;
  for (const l of listeners) l();
}

function subscribe(l: () => void) {
  listeners.add(l);
  return () => { listeners.delete(l); };
}

export function useStore<T>(selector: (s: State) => T): T {
  return useSyncExternalStore(subscribe, () => selector(state));
}

// ---------- updates used by the sync layer and the actions ----------

export function upsertInstance(i: Instance) {
  setState((s) => ({ instances: { ...s.instances, [i.id]: i } }));
}

export function removeInstance(id: string) {
  setState((s) => {
    const { [id]: _gone, ...instances } = s.instances;
    const { [id]: _m, ...messages } = s.messages;
    return { instances, messages, openTabs: s.openTabs.filter((t) => t !== id) };
  });
}

export function upsertAgent(a: Agent) {
  setState((s) => ({ agents: { ...s.agents, [a.id]: a } }));
}

export function removeAgent(id: string) {
  setState((s) => {
    const { [id]: _gone, ...agents } = s.agents;
    const instances = Object.fromEntries(Object.entries(s.instances).filter(([, i]) => i.agentId !== id));
    return { agents, instances, openTabs: s.openTabs.filter((t) => instances[t]) };
  });
}

/** Insert or replace messages by id, keeping the list ordered by id. */
export function mergeMessages(instanceId: string, incoming: Message[], historyLoaded?: boolean) {
  setState((s) => {
    const byId = new Map<number, Message>();
    for (const m of s.messages[instanceId] ?? []) byId.set(m.id, m);
    for (const m of incoming) byId.set(m.id, m);
    const list = [...byId.values()].sort((a, b) => a.id - b.id);
    return {
      messages: { ...s.messages, [instanceId]: list },
      historyLoaded: historyLoaded ? { ...s.historyLoaded, [instanceId]: true } : s.historyLoaded,
    };
  });
}

export function removeMessage(instanceId: string, id: number) {
  setState((s) => {
    const list = s.messages[instanceId];
    if (!list) return {};
    return { messages: { ...s.messages, [instanceId]: list.filter((m) => m.id !== id) } };
  });
}

let toastSeq = 0;
export function toast(text: string, kind: Toast['kind'] = 'error') {
  const id = ++toastSeq;
  setState((s) => ({ toasts: [...s.toasts.slice(-4), { id, kind, text }] }));
  setTimeout(() => setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), kind === 'error' ? 7000 : 3500);
}

export function openDialog(d: Dialog | null) { setState({ dialog: d }); }
