// Follows a JSONL file another program appends to (an agent CLI's transcript) and emits each complete line's JSON
// value once, in file order. Watches the file (or its directory until it exists), backed by a slow poll for
// filesystems where fs.watch misses events. A line longer than maxLineBytes is skipped (bounded memory whatever the
// file holds). Same approach as the Claude transcript tailer (claude/transcript.ts).
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';

export interface JsonlTailerEvents {
  /** A line's JSON value and the file offset just past the line. */
  entry: [unknown, number];
  error: [Error];
}

export class JsonlTailer extends EventEmitter<JsonlTailerEvents> {
  private file: string | null = null;
  private offset = 0;
  private rest: Buffer[] = [];
  private restBytes = 0;
  private skipping = false;
  private watcher: fs.FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private reading = false;
  private again = false;
  private closed = false;

  constructor(private opts: { pollMs?: number; maxLineBytes?: number } = {}) {
    super();
  }

  get path(): string | null {
    return this.file;
  }

  /** Follows `file` from its beginning (callers skip what they already have by key). */
  follow(file: string): void {
    if (this.closed || file === this.file) return;
    this.unwatch();
    this.file = file;
    this.offset = 0;
    this.rest = [];
    this.restBytes = 0;
    this.skipping = false;
    this.watch();
    this.poll = setInterval(() => this.read(), this.opts.pollMs ?? 1000);
    this.poll.unref();
    this.read();
  }

  private watch(): void {
    const file = this.file!;
    try {
      this.watcher = fs.watch(file, () => this.read());
    } catch {
      try {
        this.watcher = fs.watch(path.dirname(file), (_ev, name) => {
          if (name && String(name) !== path.basename(file)) return;
          if (fs.existsSync(file) && this.file === file) {
            this.watcher?.close();
            this.watch();
            this.read();
          }
        });
      } catch {
        this.watcher = null; /* no directory yet: the poll finds the file */
      }
    }
    this.watcher?.on('error', () => {
      this.watcher?.close();
      this.watcher = null;
    });
  }

  /** Reads whatever was appended since the last read; safe to call any time (e.g. when a hook says "turn over"). */
  read(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    const file = this.file;
    if (!file || this.closed) return;
    this.reading = true;
    try {
      if (!this.watcher && fs.existsSync(file)) this.watch();
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        return;
      }
      try {
        const size = fs.fstatSync(fd).size;
        if (size < this.offset) {
          this.offset = 0;
          this.rest = [];
          this.restBytes = 0;
          this.skipping = false;
        } // replaced
        const buf = Buffer.alloc(64 * 1024);
        while (this.offset < size && this.file === file && !this.closed) {
          const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - this.offset), this.offset);
          if (n <= 0) break;
          this.offset += n;
          this.push(buf.subarray(0, n));
        }
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      this.emit('error', err as Error);
    } finally {
      this.reading = false;
      if (this.again) {
        this.again = false;
        this.read();
      }
    }
  }

  private push(chunk: Buffer): void {
    const max = this.opts.maxLineBytes ?? 16 << 20;
    const base = this.offset - chunk.length; // the file offset of chunk[0]
    let start = 0;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, i);
      start = i + 1;
      if (this.skipping || this.restBytes + part.length > max) {
        this.skipping = false;
        this.rest = [];
        this.restBytes = 0;
        continue;
      }
      const line = this.restBytes ? Buffer.concat([...this.rest, part]).toString('utf8') : part.toString('utf8');
      this.rest = [];
      this.restBytes = 0;
      this.line(line, base + start);
    }
    const tail = chunk.subarray(start);
    if (!tail.length || this.skipping) return;
    if (this.restBytes + tail.length > max) {
      this.skipping = true;
      this.rest = [];
      this.restBytes = 0;
      return;
    }
    this.rest.push(Buffer.from(tail));
    this.restBytes += tail.length;
  }

  private line(line: string, end: number): void {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return;
    }
    this.emit('entry', v, end);
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  close(): void {
    this.closed = true;
    this.unwatch();
    this.removeAllListeners();
  }
}
