// The event bus: every domain change becomes one event with a monotonically increasing id.
// The last `capacity` events are kept so that a client reconnecting with Last-Event-ID can catch up.
import type { EventType } from '../../common/constants.js';
import type { EventData, ServerEvent } from '../../common/events.js';
import { EVENT_HISTORY } from '../limits.js';

export type Listener = (e: ServerEvent) => void;

export class EventBus {
  private ring: ServerEvent[] = [];
  private start = 0; // index in ring of the oldest event
  private nextId: number;
  private listeners = new Set<Listener>();

  // Ids start from the clock so that ids from an earlier server run are older than this run's.
  constructor(readonly capacity = EVENT_HISTORY, firstId = Date.now()) {
    this.nextId = firstId;
  }

  publish<K extends EventType>(type: K, data: EventData<K>): void {
    // K is one event type, so this is that type's member of the ServerEvent union (TS cannot correlate the two).
    const e = { id: this.nextId++, type, data, at: new Date().toISOString() } as ServerEvent;
    if (this.ring.length < this.capacity) this.ring.push(e);
    else {
      this.ring[this.start] = e;
      this.start = (this.start + 1) % this.capacity;
    }
    for (const l of this.listeners) {
      try { l(e); } catch { /* a listener's failure is its own */ }
    }
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get lastId(): number { return this.nextId - 1; }

  /** Events after `id`, oldest first; null when `id` is older than the retained history. */
  since(id: number): ServerEvent[] | null {
    if (id === this.lastId) return [];
    if (id > this.lastId) return null; // from another server run: refetch
    const n = this.ring.length;
    const oldest = n === 0 ? this.nextId : this.ring[this.start].id;
    if (id < oldest - 1) return null;
    const out: ServerEvent[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.ring[(this.start + i) % n];
      if (e.id > id) out.push(e);
    }
    return out;
  }
}
