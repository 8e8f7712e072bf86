// `instance.changes` events from the event stream: the latest summary per instance (for the "Changes" count on each
// tab) and a callback for whichever changes panels are open. Kept tiny: the sync layer imports it, and the panel
// itself (with its diff renderer) loads only when it is opened.
import { useSyncExternalStore } from 'react';
import type { Changes, ChangesEvent } from '../../common/changes.js';
import { changesApi } from './api.js';

type Listener = (e: ChangesEvent) => void;
const listeners = new Set<Listener>();
const latest = new Map<string, ChangesEvent>();
const watchers = new Set<() => void>();

export function onChangesEvent(fn: Listener): () => void {
  listeners.add(fn);
  return () => { listeners.delete(fn); };
}

export function emitChangesEvent(e: ChangesEvent) {
  latest.set(e.instanceId, e);
  for (const w of watchers) w();
  for (const l of listeners) {
    try { l(e); } catch { /* a panel's own failure */ }
  }
}

/** The last summary the server sent for an instance, if any. */
export function useChangesSummary(id: string): ChangesEvent | undefined {
  return useSyncExternalStore((w) => { watchers.add(w); return () => { watchers.delete(w); }; }, () => latest.get(id));
}

// The click on "Changes" asks the server at once, while the panel's code loads; the panel takes that answer.
const early = new Map<string, { at: number; p: Promise<Changes> }>();
export function prefetchChanges(id: string) {
  const p = changesApi.get(id, true);
  p.catch(() => undefined);
  early.set(id, { at: Date.now(), p });
}
export function takePrefetched(id: string): Promise<Changes> | null {
  const e = early.get(id);
  early.delete(id);
  return e && Date.now() - e.at < 3000 ? e.p : null;
}
