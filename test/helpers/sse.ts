// A small Server-Sent Events client over fetch that records events and lets a test await one. Every event is checked
// against its schema (src/common/events.ts): an unknown type or a payload that does not fit fails the waiting test,
// every later waitFor, and close().
import { z } from 'zod';
import { StreamEventSchemas } from '../../src/common/events.js';

export interface SseEvent { id: string | null; event: string; data: any }

export class SseClient {
  events: SseEvent[] = [];
  comments: string[] = [];
  /** Events that did not fit their schema, as readable errors. */
  problems: string[] = [];
  private waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private ctrl = new AbortController();
  ready: Promise<void>;
  /** Resolves when the stream ends (the server closed it, or close() did). */
  ended: Promise<void>;
  private end!: () => void;

  /** `headers`: how to authenticate (the test server's `headers()`): every client must. */
  constructor(url: string, headers: Record<string, string>) {
    this.ended = new Promise((r) => { this.end = r; });
    this.ready = this.run(url, headers);
  }

  private async run(url: string, headers: Record<string, string>) {
    const res = await fetch(url, { headers, signal: this.ctrl.signal });
    if (res.status !== 200) throw new Error(`SSE status ${res.status}`);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    const pump = async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return this.end();
          buf += dec.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            this.parse(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
        }
      } catch { this.end(); /* aborted, or the connection broke */ }
    };
    void pump();
  }

  private parse(block: string) {
    let id: string | null = null; let event = 'message'; const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) { this.comments.push(line.slice(1).trim()); continue; }
      const [k, ...rest] = line.split(':');
      const v = rest.join(':').replace(/^ /, '');
      if (k === 'id') id = v; else if (k === 'event') event = v; else if (k === 'data') data.push(v);
    }
    if (!data.length) return;
    const e = { id, event, data: JSON.parse(data.join('\n')) };
    this.check(e);
    this.events.push(e);
    for (const w of [...this.waiters]) {
      if (w.pred(e)) { clearTimeout(w.timer); this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(e); }
    }
  }

  private check(e: SseEvent) {
    const schema = (StreamEventSchemas as Record<string, z.ZodType | undefined>)[e.event];
    const r = schema?.safeParse(e.data);
    if (r?.success) return;
    const problem = `SSE event ${e.event} (id ${e.id}) does not fit its schema: ${r ? z.prettifyError(r.error) : 'unknown event type'}\n${JSON.stringify(e.data).slice(0, 500)}`;
    this.problems.push(problem);
    for (const w of this.waiters.splice(0)) { clearTimeout(w.timer); w.reject(new Error(problem)); }
  }

  /** Resolves with the first event (already received or coming) that matches. */
  waitFor(pred: (e: SseEvent) => boolean, timeoutMs = 15_000, what = 'event'): Promise<SseEvent> {
    if (this.problems.length) return Promise.reject(new Error(this.problems[0]));
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${this.events.map((e) => e.event).join(', ')}`)), timeoutMs);
      this.waiters.push({ pred, resolve, reject, timer });
    });
  }

  close() {
    this.ctrl.abort();
    for (const w of this.waiters) clearTimeout(w.timer);
    if (this.problems.length) throw new Error(this.problems.join('\n'));
  }
}
