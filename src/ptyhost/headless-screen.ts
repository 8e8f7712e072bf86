// The session's headless terminal, as seen from the pty host's main thread. The terminal itself (xterm.js headless
// + serialize addon) lives in a worker thread (parser-worker.ts), so parsing never delays a pty read or a socket
// write. This side feeds it the output in order, as a lagging reader of the session's OutputBuffer (from memory,
// or from the log file once the parser is far behind), with at most IN_FLIGHT bytes handed over and not yet
// parsed; it tracks the parsed position and the terminal modes the worker reports, and asks the worker for
// snapshots and screen contents (taken at a block boundary, so their stream offset is exact).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Cursor, LogFile, OutputBuffer } from './output-log.js';
import type { FromWorker, SnapshotResult, ToWorker } from './parser-worker.js';
import type { ScreenState } from './protocol.js';

export type { SnapshotResult } from './parser-worker.js';

/** Bytes handed to the worker at once, and at most in flight (handed over, not yet parsed) per session. */
const BLOCK = 64 << 10;
const IN_FLIGHT = 512 << 10;
/**
 * whenParsed() settles on a screen that has parsed everything received: once its target is parsed, output that
 * arrived meanwhile (the rest of an echo, a prompt) is waited for too, once, when it is less than this.
 */
const SETTLE = 64 << 10;
/** Bytes read from the log at once when the parser catches up from it. */
const LOG_BLOCK = 1 << 20;

/** The worker thread shared by every session of this process; referenced (keeps the process alive) while sessions are open. */
class ParserWorker {
  private static instance: ParserWorker | null = null;
  private worker: Worker;
  private sessions = new Map<number, HeadlessScreen>();
  private requests = new Map<number, (v: unknown) => void>();
  private nextReq = 1;
  private nextSid = 1;

  static get(): ParserWorker { return (ParserWorker.instance ??= new ParserWorker()); }

  private constructor() {
    const self = fileURLToPath(import.meta.url);
    const file = path.join(path.dirname(self), `parser-worker${path.extname(self)}`);
    // From the sources (tsx): workers do not inherit tsx's loader hooks, so the worker registers them first.
    this.worker = path.extname(self) === '.ts'
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })`, { eval: true })
      : new Worker(file);
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => {
      // A parser crash must not take the sessions down: their screens stop updating (logged), output and logs go on.
      console.error(`[ptyhost] parser worker failed: ${e.stack ?? e}`);
      ParserWorker.instance = null;
      for (const s of this.sessions.values()) s.parserLost();
      for (const r of this.requests.values()) r(null);
      this.requests.clear();
    });
    this.worker.unref();
  }

  open(screen: HeadlessScreen, cols: number, rows: number, scrollback: number): number {
    const sid = this.nextSid++;
    if (!this.sessions.size) this.worker.ref();
    this.sessions.set(sid, screen);
    this.post({ t: 'open', sid, cols, rows, scrollback });
    return sid;
  }

  close(sid: number) {
    if (!this.sessions.delete(sid)) return;
    this.post({ t: 'close', sid });
    if (!this.sessions.size && !this.requests.size) this.worker.unref();
  }

  post(m: ToWorker, transfer?: ArrayBuffer[]) { this.worker.postMessage(m, transfer ?? []); }

  request<T>(m: { t: 'snapshot' | 'screen'; sid: number }): Promise<T | null> {
    const req = this.nextReq++;
    this.worker.ref();
    return new Promise<T | null>((resolve) => {
      this.requests.set(req, resolve as (v: unknown) => void);
      this.post({ ...m, req });
    });
  }

  private onMessage(m: FromWorker) {
    if (m.t === 'result') {
      const r = this.requests.get(m.req);
      this.requests.delete(m.req);
      if (!this.sessions.size && !this.requests.size) this.worker.unref();
      r?.(m.value);
      return;
    }
    const s = this.sessions.get(m.sid);
    if (!s) return;
    if (m.t === 'parsed') s.onParsed(m.pos, m.rseq, m.bracketed, m.appCursor);
    else s.onReply?.(m.data, m.pos);
  }
}

export class HeadlessScreen {
  /** The stream position the terminal's state reflects (registered as a reader of the buffer). */
  readonly parsed: Cursor = { pos: 0, rseq: 0 };
  /** Terminal modes as of the parsed position. */
  bracketed = false;
  appCursor = false;
  /** Called with the terminal's answer to a query (DA, cursor position…) found in the output at `pos`. */
  onReply: ((data: string, pos: number) => void) | null = null;
  /** Called after each step of progress (a block parsed, a resize applied). */
  onProgress: (() => void) | null = null;
  private fed: Cursor = { pos: 0, rseq: 0 };
  private cols: number;
  private rows: number;
  private readonly sid: number;
  private readonly worker = ParserWorker.get();
  private reading = false; // a log read is under way
  private scheduled = false; // a pump is due on the next turn
  private waiters: { pos: number; rseq: number; settled: boolean; resolve: () => void }[] = [];
  /** Stream ranges some viewer received (its terminal answers the queries in them). */
  private viewed: [number, number][] = [];
  private disposed = false;
  private lost = false;

  constructor(private out: OutputBuffer, private log: LogFile | null, cols: number, rows: number, scrollback: number) {
    this.cols = cols;
    this.rows = rows;
    this.sid = this.worker.open(this, cols, rows, scrollback);
    out.addReader(this.parsed);
  }

  /** Whether the terminal has parsed everything received (and applied every resize). */
  get caughtUp(): boolean { return this.parsed.pos >= this.out.received && this.parsed.rseq >= this.out.resizeSeq; }

  /** Bytes received but not parsed yet. */
  get behind(): number { return this.out.received - this.parsed.pos; }

  /** New output or a resize was added to the buffer: fed to the worker on the next turn (chunks coalesced). */
  wake(): void {
    if (this.scheduled || this.disposed || this.lost) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.pump(); });
  }

  private pump(): void {
    if (this.disposed || this.lost || this.reading) return;
    for (;;) {
      if (this.fed.pos - this.parsed.pos >= IN_FLIGHT) return;
      const item = this.out.next(this.fed, BLOCK);
      if (!item) return;
      if (item.kind === 'resize') {
        this.fed.rseq = item.seq;
        this.cols = item.cols; this.rows = item.rows;
        this.worker.post({ t: 'resize', sid: this.sid, seq: item.seq, cols: item.cols, rows: item.rows });
      } else if (item.kind === 'data') {
        // Consecutive chunks (a pty read is ~4 KB) go as one block, in a copy the worker owns (transferred, not cloned
        // again): the chunks themselves stay with the log and the viewers.
        const parts = [item.buf];
        let n = item.buf.length;
        for (;;) {
          const more = n < BLOCK ? this.out.next({ pos: this.fed.pos + n, rseq: this.fed.rseq }, BLOCK - n) : null;
          if (!more || more.kind !== 'data') break;
          parts.push(more.buf);
          n += more.buf.length;
        }
        const copy = new Uint8Array(n);
        let off = 0;
        for (const p of parts) { copy.set(p, off); off += p.length; }
        this.fed.pos += n;
        this.worker.post({ t: 'feed', sid: this.sid, buf: copy }, [copy.buffer]);
      } else {
        this.readLog(item.start, Math.min(item.end, item.start + LOG_BLOCK));
        return;
      }
    }
  }

  private readLog(start: number, end: number) {
    this.reading = true;
    this.log!.read(start, end).then((buf) => {
      this.reading = false;
      if (this.disposed || this.fed.pos !== start) return;
      if (!buf.length) {
        // The log lost these bytes (it failed): the screen skips them.
        console.error(`[session] output ${start}..${end} missing from the log; the screen skips it`);
        this.fed.pos = this.parsed.pos = end;
        this.out.trim();
      } else {
        for (let off = 0; off < buf.length; off += BLOCK) {
          const copy = new Uint8Array(buf.subarray(off, Math.min(buf.length, off + BLOCK)));
          this.fed.pos += copy.length;
          this.worker.post({ t: 'feed', sid: this.sid, buf: copy }, [copy.buffer]);
        }
      }
      this.pump();
    }, (e: Error) => {
      this.reading = false;
      console.error(`[session] reading the log failed: ${e.message}`);
      if (!this.disposed) { this.fed.pos = this.parsed.pos = end; this.out.trim(); this.pump(); }
    });
  }

  /** From the worker: everything up to pos (and resize rseq) is parsed. */
  onParsed(pos: number, rseq: number, bracketed: boolean, appCursor: boolean): void {
    if (this.disposed) return;
    this.parsed.pos = pos;
    this.parsed.rseq = rseq;
    this.bracketed = bracketed;
    this.appCursor = appCursor;
    this.out.trim();
    if (this.waiters.length) {
      this.waiters = this.waiters.filter((w) => {
        if (pos < w.pos || rseq < w.rseq) return true;
        // Reached. Output that arrived meanwhile and is small (an echo's tail, a prompt) is waited for too, once.
        if (!w.settled && !this.caughtUp && this.behind < SETTLE) {
          w.settled = true;
          w.pos = this.out.received;
          w.rseq = this.out.resizeSeq;
          return true;
        }
        w.resolve();
        return false;
      });
    }
    this.onProgress?.();
    this.pump();
  }

  /** The worker is gone: nothing will be parsed any more; waiters are released. */
  parserLost(): void {
    this.lost = true;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  /** Resolves when the output received so far (and the resizes so far) have been parsed. */
  whenParsed(): Promise<void> {
    if (this.caughtUp || this.disposed || this.lost) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pos: this.out.received, rseq: this.out.resizeSeq, settled: false, resolve }));
  }

  /** The parsed screen and scrollback serialized, with its exact stream position and the incomplete tail. */
  async snapshot(): Promise<SnapshotResult> {
    const r = this.disposed || this.lost ? null : await this.worker.request<SnapshotResult>({ t: 'snapshot', sid: this.sid });
    return r ?? { data: '', pos: this.parsed.pos, rseq: this.parsed.rseq, tail: new Uint8Array(0), cols: this.cols, rows: this.rows, serializations: 0 };
  }

  /** The viewport's rendered lines (right-trimmed), cursor and modes, as of the parsed position. */
  async screen(): Promise<ScreenState> {
    const r = this.disposed || this.lost ? null : await this.worker.request<ScreenState>({ t: 'screen', sid: this.sid });
    return r ?? { lines: [], cursor: { x: 0, y: 0 }, top: 0, cols: this.cols, rows: this.rows, pos: this.parsed.pos, bracketed: this.bracketed, appCursor: this.appCursor };
  }

  markViewed(start: number, end: number): void {
    if (end <= start) return;
    const last = this.viewed[this.viewed.length - 1];
    if (last && last[1] >= start) last[1] = Math.max(last[1], end);
    else this.viewed.push([start, end]);
  }

  /** Whether the output at `at` reached a viewer (so its terminal answers the queries in it). */
  viewedAt(at: number): boolean {
    while (this.viewed.length && this.viewed[0][1] <= at) this.viewed.shift();
    return this.viewed.length > 0 && this.viewed[0][0] <= at;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.out.removeReader(this.parsed);
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    this.worker.close(this.sid);
  }
}
