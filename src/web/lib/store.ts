// The client's one source of truth: what the server told us (agents, instances, messages, tasks) plus UI state.
// Immutable updates; components subscribe with a selector through useStore().
import { useRef, useSyncExternalStore } from 'react';
import type { Agent, Instance, Message, TaskList } from '../../common/schema.js';
import type { TaskFilter } from '../../common/task-filter.js';
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
  /** Failed instances whose error card the user dismissed (kept in this browser, the newest 200). */
  dismissedErrors: string[];
  /** The one-time "notifications are off" notice was answered (turned on or dismissed). */
  notifyNoticeDone: boolean;
}

export type Dialog =
  | { type: 'agent'; agentId?: string }
  | { type: 'help' }
  | { type: 'palette' }
  | { type: 'confirm'; title: string; body: string; confirmLabel: string; danger?: boolean; onConfirm: () => Promise<void> | void }
  | { type: 'task'; project: string; taskId?: string; parentId?: string }
  | { type: 'handoff'; project: string; taskId: string }
  | { type: 'start'; agentId: string }
  | { type: 'delete-instance'; instanceId: string }
  | { type: 'export'; project: string; filter?: TaskFilter }
  | { type: 'plan'; project: string }
  | { type: 'import' };

const TABS_KEY = 'areyouj.tabs';
const NOTIFY_KEY = 'areyouj.notify';
const DISMISSED_KEY = 'areyouj.dismissedErrors';
const NOTICE_KEY = 'areyouj.notifyNotice';
const MAX_DISMISSED = 200;

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
  dismissedErrors: readJSON<string[]>(DISMISSED_KEY, []),
  notifyNoticeDone: readJSON<boolean>(NOTICE_KEY, false),
};

const PERSISTED: [keyof State, string][] = [['openTabs', TABS_KEY], ['notificationsOn', NOTIFY_KEY], ['dismissedErrors', DISMISSED_KEY], ['notifyNoticeDone', NOTICE_KEY]];

const listeners = new Set<() => void>();

export function getState(): State { return state; }

export function setState(update: Partial<State> | ((s: State) => Partial<State>)) {
  const patch = typeof update === 'function' ? update(state) : update;
  const next = { ...state, ...patch };
  for (const [k, key] of PERSISTED) {
    if (next[k] !== state[k]) try { localStorage.setItem(key, JSON.stringify(next[k])); } catch { /* private mode */ }
  }
  state = next;
  for (const l of listeners) l();
}

function subscribe(l: () => void) {
  listeners.add(l);
  return () => { listeners.delete(l); };
}

/** One empty list for selectors to fall back on (`s.messages[id] ?? NONE`): a selector must not make a new [] per read. */
export const NONE: readonly never[] = Object.freeze([]);

function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * A slice of the state. React asks for it again and again (useSyncExternalStore) and expects the same value while the
 * state is the same, or it re-renders for ever (React error #185): so the result is kept per state, and a new array
 * or object that holds the same items as the last one is replaced by the last one.
 */
export function useStore<T>(selector: (s: State) => T): T {
  const last = useRef<{ state: State; selector: (s: State) => T; value: T } | null>(null);
  const get = () => {
    const l = last.current;
    if (l && l.state === state && l.selector === selector) return l.value;
    const next = selector(state);
    const value = l && shallowEqual(l.value, next) ? l.value : next;
    last.current = { state, selector, value };
    return value;
  };
  return useSyncExternalStore(subscribe, get);
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

export function dismissErrors(ids: string[]) {
  setState((s) => ({ dismissedErrors: [...s.dismissedErrors.filter((x) => !ids.includes(x)), ...ids].slice(-MAX_DISMISSED) }));
}
