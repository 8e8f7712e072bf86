// The server-side screen of a session: an @xterm/headless terminal fed from the OutputBuffer as a lagging
// reader. It never holds the program or the viewers back: it parses one block per event-loop turn (after
// the pty reads and socket writes of that turn), falls behind under a flood, and catches up from memory or,
// past the memory bound, from the log file. Its state (snapshot, lines, modes) is the state at `parsed`.
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { VtBoundary } from './vt-boundary.js';
import type { Cursor, LogFile, OutputBuffer } from './output-log.js';

type HeadlessTerminal = InstanceType<typeof xtermHeadless.Terminal>;
type Serializer = InstanceType<typeof serializeAddon.SerializeAddon>;

/** Bytes handed to the parser per event-loop turn while output is flowing, and when it is not. */
const BLOCK_BUSY = 16 << 10;
const BLOCK_IDLE = 256 << 10;
/**
 * whenParsed() settles on a screen that has parsed everything received: once its target is parsed, a backlog
 * smaller than this that arrived meanwhile (the rest of an echo, a prompt) is parsed at once before it resolves.
 */
const SETTLE = 64 << 10;
/** Bytes read from the log at once when catching up. */
const LOG_BLOCK = 1 << 20;

export class HeadlessScreen {
  readonly term: HeadlessTerminal;
  readonly boundary = new VtBoundary();
  /** The stream position the terminal's state reflects (registered as a reader of the buffer). */
  readonly parsed: Cursor = { pos: 0, rseq: 0 };
  /** Snapshots taken (serializations run), for tests. */
  serializations = 0;
  private serializer: Serializer;
  private fed: Cursor = { pos: 0, rseq: 0 };
  private busy = false; // a block is with the parser, a log read or a scheduled turn is under way
  private logData: { start: number; buf: Buffer } | null = null;
  private waiters: { pos: number; rseq: number; resolve: () => void }[] = [];
  private snap: { pos: number; rseq: number; data: string } | null = null;
  /** Stream ranges some viewer received (its terminal answers the queries in them). */
  private viewed: [number, number][] = [];
  private arrived = false; // output came in since the last block was handed over
  private disposed = false;
  /** Called after each step of progress (a block parsed, a resize applied). */
  onProgress: (() => void) | null = null;

  constructor(private out: OutputBuffer, private log: LogFile | null, cols: number, rows: number, private scrollback: number) {
    this.term = new xtermHeadless.Terminal({ cols, rows, scrollback, allowProposedApi: true });
    this.serializer = new serializeAddon.SerializeAddon();
    // The addon's typings name @xterm/xterm's Terminal; the headless one has the same API.
    this.term.loadAddon(this.serializer as unknown as Parameters<HeadlessTerminal['loadAddon']>[0]);
    out.addReader(this.parsed);
  }

  /** Whether the terminal has parsed everything received (and applied every resize). */
  get caughtUp(): boolean { return this.parsed.pos >= this.out.received && this.parsed.rseq >= this.out.resizeSeq; }

  /** Bytes received but not parsed yet. */
  get behind(): number { return this.out.received - this.parsed.pos; }

  /** New output or a resize was added to the buffer. */
  wake(): void {
    this.arrived = true;
    this.pump();
  }

  whenParsed(): Promise<void> {
    if (this.caughtUp || this.disposed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pos: this.out.received, rseq: this.out.resizeSeq, resolve }));
  }

  /** The parsed screen and scrollback, serialized; cached until the parsed state changes. */
  snapshot(): string {
    const s = this.snap;
    if (s && s.pos === this.parsed.pos && s.rseq === this.parsed.rseq) return s.data;
    this.serializations++;
    const data = this.serializer.serialize({ scrollback: this.scrollback });
    this.snap = { pos: this.parsed.pos, rseq: this.parsed.rseq, data };
    return data;
  }

  markViewed(start: number, end: number): void {
    if (end <= start) return;
    const last = this.viewed[this.viewed.length - 1];
    if (last && last[1] >= start) last[1] = Math.max(last[1], end);
    else this.viewed.push([start, end]);
  }

  /** Whether the output now being parsed reached a viewer (so its terminal answers its queries). */
  parsingViewed(): boolean {
    const at = this.parsed.pos;
    while (this.viewed.length && this.viewed[0][1] <= at) this.viewed.shift();
    return this.viewed.length > 0 && this.viewed[0][0] <= at;
  }

  dispose(): void {
    this.disposed = true;
    this.out.removeReader(this.parsed);
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    this.snap = null;
    this.term.dispose();
  }

  private pump(): void {
    if (this.busy || this.disposed) return;
    // One block per turn: xterm parses it on its next timer; the next block is handed over from a
    // setImmediate, i.e. after the following poll phase (pty reads, socket writes) has run.
    const flowing = this.arrived;
    this.arrived = false;
    const item = this.takeLogData(flowing ? BLOCK_BUSY : BLOCK_IDLE) ?? this.out.next(this.fed, flowing ? BLOCK_BUSY : BLOCK_IDLE);
    if (!item) return;
    this.busy = true;
    if (item.kind === 'resize') {
      this.fed.rseq = item.seq;
      this.term.write('', () => {
        this.term.resize(item.cols, item.rows);
        this.parsed.rseq = item.seq;
        this.done();
      });
      return;
    }
    if (item.kind === 'log') {
      const start = item.start;
      this.log!.read(start, Math.min(item.end, start + LOG_BLOCK)).then((buf) => {
        if (this.disposed) return;
        if (!buf.length) {
          // The log lost these bytes (it failed): skip them; the screen misses them too.
          console.error(`[session] output ${start}..${item.end} missing from the log; the server screen skips it`);
          this.boundary.reset();
          this.fed.pos = this.parsed.pos = item.end;
          this.out.trim();
        } else this.logData = { start, buf };
        this.busy = false;
        this.pump();
      }, (e: Error) => {
        console.error(`[session] reading the log failed: ${e.message}`);
        this.busy = false;
        if (!this.disposed) { this.fed.pos = this.parsed.pos = item.end; this.boundary.reset(); this.done(); }
      });
      return;
    }
    const buf = item.buf;
    this.fed.pos += buf.length;
    this.term.write(buf, () => {
      this.boundary.feed(buf);
      this.parsed.pos += buf.length;
      this.done();
    });
  }

  private takeLogData(max: number): { kind: 'data'; buf: Buffer } | null {
    const d = this.logData;
    if (!d) return null;
    // A resize recorded inside the range comes first: let the buffer say.
    const next = this.out.next(this.fed, max);
    if (next?.kind === 'resize') return null;
    const limit = next ? (next.kind === 'log' ? next.end : this.fed.pos + next.buf.length) : this.fed.pos;
    const from = this.fed.pos - d.start;
    const to = Math.min(d.buf.length, from + max, limit - d.start);
    if (to <= from) { this.logData = null; return null; }
    if (to >= d.buf.length) this.logData = null;
    return { kind: 'data', buf: d.buf.subarray(from, to) };
  }

  private done(): void {
    this.out.trim();
    const small = !this.caughtUp && this.behind < SETTLE;
    if (this.waiters.length && !small) {
      const p = this.parsed;
      this.waiters = this.waiters.filter((w) => {
        if (p.pos < w.pos || p.rseq < w.rseq) return true;
        w.resolve();
        return false;
      });
    }
    this.onProgress?.();
    if (this.waiters.length && small) {
      // Someone waits and little is left: go on in this same parser slice (no yield) to settle the screen.
      this.busy = false;
      this.pump();
      return;
    }
    setImmediate(() => { this.busy = false; this.pump(); });
  }
}
