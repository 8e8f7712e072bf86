// A session that runs in the pty host, as the server sees it: what the instance manager, the drivers, the terminal
// channel and the routes need from a pty (write, resize, terminate, exit, attach with snapshot then live bytes,
// the screen for state detection). Screen reads are asynchronous round trips to the host (~0.1-1 ms): they are
// needed after quiet periods and around dialogs, never per byte. Modes, size and output counts are mirrored.
import { EventEmitter } from 'node:events';
import { validTerminalSize } from '../../common/limits.js';
import { viewOnly, type ScreenState, type SessionInfo, type WireExit } from '../../ptyhost/protocol.js';
import { HostError, type HostClient } from './host-client.js';

export type { ScreenState } from '../../ptyhost/protocol.js';
export type ExitInfo = WireExit;
export interface SnapshotInfo { data: string; cols: number; rows: number }

/** A viewer of a session: the snapshot, then every byte once, in order. */
export interface ViewerClient {
  onSnapshot(s: SnapshotInfo): void;
  /** Call sent() once the bytes have left (e.g. the socket write completed): the host sends more as they do. */
  onData(chunk: Buffer, sent: () => void): void;
  onResize?(cols: number, rows: number): void;
  onExit?(e: ExitInfo): void;
  /** The stream ended before the program: 'slow' (fell too far behind: reattach for a fresh snapshot), 'host_gone'. */
  onDrop?(reason: string): void;
}

export interface RemoteSessionEvents {
  /** New output (the total is in outputBytes). */
  data: [];
  input: [data: string | Buffer];
  resize: [cols: number, rows: number];
  modes: [];
  exit: [info: ExitInfo];
}

export class RemoteSession extends EventEmitter<RemoteSessionEvents> {
  readonly id: string;
  readonly pid: number;
  readonly command: string;
  readonly startedAt: Date;
  outputBytes: number;
  lastOutputAt: number | null = null;
  /** When a resize of the pty was requested or reported (a viewer attaching or reshaping), or -Infinity. */
  lastResizeAt = -Infinity;
  exitInfo: ExitInfo | null;
  cols: number;
  rows: number;
  bracketedPasteEnabled: boolean;
  applicationCursorKeys: boolean;
  meta: Record<string, unknown>;
  private exitPromise: Promise<ExitInfo>;
  private resolveExit!: (e: ExitInfo) => void;
  private viewers = new Set<() => void>();

  constructor(private host: () => HostClient | null, info: SessionInfo) {
    super();
    this.id = info.id;
    this.pid = info.pid;
    this.command = info.command;
    this.startedAt = new Date(info.startedAt);
    this.outputBytes = info.outputBytes;
    this.cols = info.cols;
    this.rows = info.rows;
    this.bracketedPasteEnabled = info.bracketed;
    this.applicationCursorKeys = info.appCursor;
    this.meta = info.meta;
    this.exitInfo = info.exit;
    this.exitPromise = new Promise((r) => { this.resolveExit = r; });
    if (info.exit) this.resolveExit(info.exit);
  }

  get exited(): boolean { return this.exitInfo !== null; }
  get viewerCount(): number { return this.viewers.size; }

  private client(): HostClient {
    const c = this.host();
    if (!c || c.isClosed) throw new HostError('host_gone', 'the pty host is not connected');
    return c;
  }

  // ---------- from the host ----------
  /** @internal */ onOutput(total: number) {
    if (total <= this.outputBytes) return;
    this.outputBytes = total;
    this.lastOutputAt = Date.now();
    this.emit('data');
  }
  /** @internal */ onModes(bracketed: boolean, appCursor: boolean) {
    this.bracketedPasteEnabled = bracketed;
    this.applicationCursorKeys = appCursor;
    this.emit('modes');
  }
  /** @internal */ onResize(cols: number, rows: number) {
    if (cols === this.cols && rows === this.rows) return;
    this.lastResizeAt = Date.now();
    this.cols = cols;
    this.rows = rows;
    this.emit('resize', cols, rows);
  }
  /** @internal */ onExit(e: ExitInfo) {
    if (this.exitInfo) return;
    this.exitInfo = e;
    this.emit('exit', e);
    this.removeAllListeners();
    this.resolveExit(e);
  }

  // ---------- to the host ----------
  whenExited(): Promise<ExitInfo> { return this.exitPromise; }

  write(data: string | Buffer): boolean {
    if (this.exitInfo) return false;
    const c = this.host();
    if (!c || c.isClosed) return false;
    c.input(this.id, data);
    this.emit('input', data);
    return true;
  }

  resize(cols: number, rows: number): void {
    if (!validTerminalSize(cols, rows)) {
      throw new RangeError(`invalid terminal size ${cols}x${rows}`);
    }
    if (this.exitInfo) return;
    if (cols !== this.cols || rows !== this.rows) this.lastResizeAt = Date.now();
    this.client().request('resize', { sid: this.id, cols, rows }).catch((e: Error) => console.error(`[areyouj] resize of ${this.id}: ${e.message}`));
  }

  /** Whether the latest output came within VIEW_REDRAW_MS after a resize: a redraw for the viewers, not activity. */
  viewOnlyOutput(): boolean {
    return viewOnly(this.lastOutputAt, this.lastResizeAt);
  }

  /** SIGTERM to the program's tree (SIGHUP to a shell), SIGKILL after graceMs; resolves on exit (whose `terminated` is the reason). */
  async terminate(graceMs: number, reason = 'terminated'): Promise<ExitInfo> {
    if (!this.exitInfo) await this.client().request('terminate', { sid: this.id, graceMs, reason });
    return this.exitPromise;
  }

  /** The screen (viewport lines, cursor, modes) as parsed; with settle, once everything received so far is parsed. */
  async screen(opts: { settle?: boolean } = {}): Promise<ScreenState> {
    const r = await this.client().request<{ screen: ScreenState }>('screen', { sid: this.id, settle: !!opts.settle });
    this.bracketedPasteEnabled = r.screen.bracketed;
    this.applicationCursorKeys = r.screen.appCursor;
    return r.screen;
  }

  /** Resolves once the output received so far has been parsed by the host's screen. */
  async whenParsed(): Promise<void> { await this.screen({ settle: true }); }

  async snapshot(): Promise<SnapshotInfo> {
    return this.client().request<SnapshotInfo>('snapshot', { sid: this.id });
  }

  /** Attaches a viewer: the snapshot, then the bytes after it and live output, paced by the viewer. Returns detach. */
  attach(v: ViewerClient, opts: { from?: number } = {}): () => void {
    let gone = false;
    const c = this.host();
    let stream = 0;
    const detach = () => {
      if (gone) return;
      gone = true;
      this.viewers.delete(detach);
      if (stream) c?.closeStream(stream);
    };
    if (!c || c.isClosed) { queueMicrotask(() => v.onDrop?.('host_gone')); return detach; }
    this.viewers.add(detach);
    const end = () => { gone = true; this.viewers.delete(detach); };
    const s = c.openStream(this.id, {
      snapshot: (snap) => { if (!gone) v.onSnapshot(snap); },
      data: (buf) => { if (!gone) v.onData(buf, () => c.ack(stream, buf.length)); },
      resize: (cols, rows) => { if (!gone) v.onResize?.(cols, rows); },
      exit: (e) => { if (gone) return; end(); v.onExit?.(e); },
      drop: (reason) => { if (gone) return; end(); v.onDrop?.(reason); },
    }, opts.from);
    stream = s.id;
    s.opened.catch((e: Error) => {
      if (gone) return;
      end();
      v.onDrop?.(e instanceof HostError ? e.code : 'host_error');
    });
    return detach;
  }
}
