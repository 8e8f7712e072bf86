// The event bus: every domain change becomes one event with a monotonically increasing id, serialized once (as the
// SSE frame every client gets, whatever their number). The last events are kept so that a client reconnecting with
// Last-Event-ID can catch up: at most `capacity` of them and `maxBytes` in total; an event above `inlineMax` (a 1 MB
// agent, a long message) is kept by reference only: a client that missed it is told to refetch (`reset`).
import type { EventType } from '../../common/constants.js';
import type { EventData, ServerEvent } from '../../common/events.js';
import { EVENT_HISTORY, EVENT_HISTORY_BYTES, EVENT_INLINE_MAX_BYTES } from '../limits.js';

/** One SSE frame: the event's data alone (no envelope) as `data:`, its type as `event:`. */
export const sseFrame = (id: number, type: string, data: unknown) => `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

/** A published event as listeners get it: the event, and its frame (the same string for every client). */
export type Listener = (e: ServerEvent, frame: string) => void;

/** A kept event: its frame, or null when it was too large to keep (a client that missed it must refetch). */
export interface Recorded { id: number; frame: string | null }

export interface BusLimits { capacity?: number; maxBytes?: number; inlineMax?: number }

export class EventBus {
  private ring: Recorded[] = [];
  private start = 0; // index in ring of the oldest event
  private bytes = 0; // frames kept, in UTF-16 code units (about bytes: frames are mostly ASCII JSON)
  private nextId: number;
  private listeners = new Set<Listener>();
  readonly capacity: number;
  private readonly maxBytes: number;
  private readonly inlineMax: number;

  // Ids start from the clock so that ids from an earlier server run are older than this run's.
  constructor(limits: BusLimits | number = {}, firstId = Date.now()) {
    const l = typeof limits === 'number' ? { capacity: limits } : limits;
    this.capacity = l.capacity ?? EVENT_HISTORY;
    this.maxBytes = l.maxBytes ?? EVENT_HISTORY_BYTES;
    this.inlineMax = l.inlineMax ?? EVENT_INLINE_MAX_BYTES;
    this.nextId = firstId;
  }

  publish<K extends EventType>(type: K, data: EventData<K>): void {
    // K is one event type, so this is that type's member of the ServerEvent union (TS cannot correlate the two).
    const e = { id: this.nextId++, type, data, at: new Date().toISOString() } as ServerEvent;
    const frame = sseFrame(e.id, type, data);
    this.keep({ id: e.id, frame: frame.length <= this.inlineMax ? frame : null });
    for (const l of this.listeners) {
      try { l(e, frame); } catch { /* a listener's failure is its own */ }
    }
  }

  private get size(): number { return this.ring.length - this.start; }

  private keep(r: Recorded) {
    this.ring.push(r);
    this.bytes += r.frame?.length ?? 0;
    while (this.size > this.capacity || (this.bytes > this.maxBytes && this.size > 1)) {
      this.bytes -= this.ring[this.start].frame?.length ?? 0;
      this.start++;
    }
    if (this.start > 1024 && this.start * 2 > this.ring.length) { this.ring = this.ring.slice(this.start); this.start = 0; }
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get lastId(): number { return this.nextId - 1; }

  /** Bytes of frames kept (for tests and figures). */
  get keptBytes(): number { return this.bytes; }

  /** Events after `id`, oldest first; null when `id` is older than the retained history (or from another run). */
  since(id: number): Recorded[] | null {
    if (id === this.lastId) return [];
    if (id > this.lastId) return null; // from another server run: refetch
    const oldest = this.size === 0 ? this.nextId : this.ring[this.start].id;
    if (id < oldest - 1) return null;
    const out: Recorded[] = [];
    for (let i = this.start; i < this.ring.length; i++) if (this.ring[i].id > id) out.push(this.ring[i]);
    return out;
  }
}
