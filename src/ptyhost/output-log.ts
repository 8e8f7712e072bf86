// The output stream of one session, for readers that lag behind it (the headless terminal's parser, viewers
// catching up after attach): the raw log file (always written, in order) plus a bounded in-memory window of
// the chunks some reader has not passed yet, and the resizes at their stream offsets.
//
// A reader is a cursor { pos, rseq }: the byte offset it has consumed up to and the last resize it applied.
// `next(cursor)` says what comes next for it: a resize, bytes from memory, a range to read from the log
// (`LogFile.read`, after the log stream has flushed that far), or null when it has caught up.
import fs from 'node:fs';

export interface Cursor { pos: number; rseq: number }

export type StreamItem =
  | { kind: 'resize'; seq: number; cols: number; rows: number }
  | { kind: 'data'; buf: Buffer }
  | { kind: 'log'; start: number; end: number };

/** Output gathered before it is written to the log: at most this much, for at most this long. */
const LOG_BATCH = 256 << 10;
const LOG_DELAY_MS = 5;

/** The append-only raw log: a write stream plus a read descriptor, with stream offsets (0 = the session's first byte). */
export class LogFile {
  readonly stream: fs.WriteStream;
  /** Bytes of the stream handed to write() (the next stream offset). */
  written = 0;
  failed = false;
  private readonly base: number;
  private readFd: number | null = null;
  private flushWaiters: { at: number; resolve: () => void }[] = [];
  private readonly onWritten = () => this.flushed();
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly file: string, fd: number, onError: (e: Error) => void, onDrain: () => void) {
    this.base = fs.fstatSync(fd).size; // opened for append: earlier content stays before ours
    this.stream = fs.createWriteStream('', { fd, flags: 'a', highWaterMark: 1 << 20 });
    this.stream.on('error', (e) => {
      this.failed = true;
      this.flushed(true);
      onError(e);
    });
    this.stream.on('drain', onDrain);
  }

  /**
   * Appends; returns false when the stream is backed up (the caller may pause the producer). Chunks are gathered
   * and written together (at LOG_BATCH bytes or LOG_DELAY_MS after the first): a pty read is ~4 KB, and one write
   * per read cost a thread-pool round trip each (bench 1). A read of what is gathered writes it at once.
   */
  write(chunk: Buffer): boolean {
    this.written += chunk.length;
    if (this.failed) return true;
    this.gathered.push(chunk);
    this.gatheredBytes += chunk.length;
    if (this.gatheredBytes >= LOG_BATCH) this.flush();
    else this.timer ??= setTimeout(this.flush, LOG_DELAY_MS);
    return !this.stream.writableNeedDrain;
  }

  /** Hands what is gathered to the file stream. */
  private readonly flush = () => {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (!this.gatheredBytes) return;
    const buf = this.gathered.length === 1 ? this.gathered[0] : Buffer.concat(this.gathered, this.gatheredBytes);
    this.gathered = [];
    this.gatheredBytes = 0;
    if (!this.failed) this.stream.write(buf, this.onWritten);
  };

  /** Bytes of the stream on disk (readable). */
  get flushedBytes(): number { return this.stream.bytesWritten; }

  /** Reads stream bytes [start, end) once they are on disk; shorter if the log failed (those bytes are lost). */
  async read(start: number, end: number): Promise<Buffer> {
    if (this.flushedBytes < end && !this.failed) {
      this.flush();
      await new Promise<void>((resolve) => this.flushWaiters.push({ at: end, resolve }));
    }
    end = Math.min(end, this.flushedBytes);
    if (end <= start) return Buffer.alloc(0);
    this.readFd ??= fs.openSync(this.file, 'r');
    const buf = Buffer.allocUnsafe(end - start);
    let got = 0;
    while (got < buf.length) {
      const n = await new Promise<number>((resolve, reject) =>
        fs.read(this.readFd!, buf, got, buf.length - got, this.base + start + got, (e, n) => (e ? reject(e) : resolve(n))));
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  }

  /** Flushes and closes the write side; reads keep working until closeRead(). */
  end(): Promise<void> {
    this.flush();
    return new Promise<void>((r) => { this.stream.end(() => r()); this.stream.once('error', () => r()); });
  }

  closeRead(): void {
    if (this.readFd !== null) { try { fs.closeSync(this.readFd); } catch { /* closed */ } this.readFd = null; }
  }

  private flushed(all = false): void {
    if (!this.flushWaiters.length) return;
    const done = this.flushedBytes;
    this.flushWaiters = this.flushWaiters.filter((w) => {
      if (!all && w.at > done) return true;
      w.resolve();
      return false;
    });
  }
}

/**
 * The memory all log-backed OutputBuffers of this process may hold together: past it, a buffer that grows drops
 * its oldest chunks to the log even below its own limit. The pty host sets it (--memory); unbounded otherwise.
 */
export const memoryPool = { total: 0, max: Infinity };

/** Chunks kept in memory (those some reader has not consumed), bounded when a log file backs them. */
export class OutputBuffer {
  /** Bytes received (the stream's length). */
  received = 0;
  /** Sequence number of the last resize. */
  resizeSeq = 0;
  private chunks: { start: number; buf: Buffer; pooled: boolean }[] = [];
  private head = 0;
  private mem = 0;
  private resizes: { at: number; seq: number; cols: number; rows: number }[] = [];
  private readers = new Set<Cursor>();
  /** The most bytes ever held in memory at once (for tests). */
  peakMemory = 0;

  /** `maxMemory`: past it the oldest chunks are dropped (readers get them from the log); Infinity without a log. */
  constructor(public maxMemory: number) {}

  get memoryBytes(): number { return this.mem; }

  addReader(c: Cursor): void { this.readers.add(c); }
  removeReader(c: Cursor): void { this.readers.delete(c); this.trim(); }

  push(buf: Buffer): void {
    const start = this.received;
    this.received += buf.length;
    if (!this.readers.size) return; // nobody behind: nothing to keep
    const pooled = this.maxMemory !== Infinity;
    this.chunks.push({ start, buf, pooled });
    this.mem += buf.length;
    if (pooled) memoryPool.total += buf.length;
    while ((this.mem > this.maxMemory || (pooled && memoryPool.total > memoryPool.max)) && this.head < this.chunks.length) this.drop();
    if (this.mem > this.peakMemory) this.peakMemory = this.mem;
  }

  pushResize(cols: number, rows: number): number {
    const seq = ++this.resizeSeq;
    if (this.readers.size) this.resizes.push({ at: this.received, seq, cols, rows });
    return seq;
  }

  /** What comes next for a reader at `c` (at most `max` bytes), or null when it has caught up. */
  next(c: Cursor, max: number): StreamItem | null {
    let r = 0;
    while (r < this.resizes.length && this.resizes[r].seq <= c.rseq) r++;
    const rz = this.resizes[r];
    if (rz && rz.at <= c.pos) return { kind: 'resize', seq: rz.seq, cols: rz.cols, rows: rz.rows };
    const limit = Math.min(rz ? rz.at : this.received, c.pos + max);
    if (c.pos >= limit) return null;
    const first = this.chunks[this.head];
    if (!first || c.pos < first.start) return { kind: 'log', start: c.pos, end: first ? Math.min(first.start, limit) : limit };
    // Binary search for the chunk holding c.pos.
    let lo = this.head, hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.chunks[mid].start <= c.pos) lo = mid; else hi = mid - 1;
    }
    const ch = this.chunks[lo];
    const from = c.pos - ch.start;
    const to = Math.min(ch.buf.length, limit - ch.start);
    return { kind: 'data', buf: from === 0 && to === ch.buf.length ? ch.buf : ch.buf.subarray(from, to) };
  }

  /** Forgets what every reader has consumed. */
  trim(): void {
    let min = Infinity, minSeq = Infinity;
    for (const r of this.readers) { min = Math.min(min, r.pos); minSeq = Math.min(minSeq, r.rseq); }
    while (this.head < this.chunks.length && this.chunks[this.head].start + this.chunks[this.head].buf.length <= min) this.drop();
    let k = 0;
    while (k < this.resizes.length && this.resizes[k].seq <= minSeq) k++;
    if (k) this.resizes.splice(0, k);
  }

  /** Forgets everything held (the session is over). */
  clear(): void {
    while (this.head < this.chunks.length) this.drop();
  }

  private drop(): void {
    const c = this.chunks[this.head];
    this.mem -= c.buf.length;
    if (c.pooled) memoryPool.total -= c.buf.length;
    this.head++;
    if (this.head === this.chunks.length) { this.chunks = []; this.head = 0; }
    else if (this.head > 1024 && this.head * 2 > this.chunks.length) { this.chunks = this.chunks.slice(this.head); this.head = 0; }
  }
}
