// The server's side of the pty host connection (protocol: src/ptyhost/protocol.ts): hello, requests with timeouts,
// input, streams with acknowledgements, heartbeats. Never hangs: a request the host does not answer fails with
// `host_timeout`; a host silent for DEAD_AFTER_MS is reported `unresponsive` (and `responsive` once it speaks again);
// a closed socket is reported `closed` with every pending request failed (`host_gone`).
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import {
  DEAD_AFTER_MS, FRAME_DATA, FRAME_JSON, FRAME_OUTPUT, FrameDecoder, HEARTBEAT_MS, PROTOCOL_VERSION, REQUEST_TIMEOUT_MS,
  ackFrame, encodeJson, inputFrame, type RequestOp, type SessionInfo, type WireExit,
} from '../../ptyhost/protocol.js';
import type { HostPaths } from '../../ptyhost/paths.js';

export class HostError extends Error {
  constructor(readonly code: string, message: string) { super(message); this.name = 'HostError'; }
}

export interface HelloResult { hostPid: number; version: number; startedAt: string; sessions: (SessionInfo & { lost?: boolean })[]; memoryLimit: number }

export interface StreamHandlers {
  snapshot?(s: { data: string; cols: number; rows: number }): void;
  data(buf: Buffer): void;
  resize?(cols: number, rows: number): void;
  exit?(e: WireExit): void;
  drop?(reason: string): void;
}

export interface HostEvent { ev: string; sid?: string; [k: string]: unknown }

export interface HostClientEvents {
  /** A session event: exit, modes, resize, hook, hooks_dropped. */
  event: [ev: HostEvent];
  /** A session's output total grew (coalesced by the host). */
  output: [sid: string, total: number];
  unresponsive: [];
  responsive: [];
  closed: [err: Error | null];
}

export interface ConnectOptions {
  timeoutMs?: number;
  /** How long a `busy` answer is retried (default 1.5 s). */
  busyRetryMs?: number;
  /** Hold the events that arrive right after the hello until release() (so that no hook is emitted before the listeners exist). */
  hold?: boolean;
}

interface Pending { resolve: (v: any) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; op: string }

export class HostClient extends EventEmitter<HostClientEvents> {
  hello!: HelloResult;
  private decoder = new FrameDecoder();
  private pending = new Map<number, Pending>();
  private streams = new Map<number, StreamHandlers>();
  private nextId = 1;
  private nextStream = 1;
  private lastHeard = Date.now();
  private silent = false;
  /** Events (and output) that arrive right after the hello wait here until the owner has set up its listeners. */
  private held: (() => void)[] | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(private socket: net.Socket) {
    super();
    socket.on('data', (c) => this.onData(c));
    socket.on('close', () => this.onClose(null));
    socket.on('error', (e) => this.onClose(e));
  }

  /**
   * Connects and says hello. Rejects with HostError: `no_host` (nothing listens), `busy` (another server is connected:
   * retried for a second and a half, the time the host takes to see a killed server's connection close),
   * `unauthorized`, `version`, `host_timeout`.
   */
  static async connect(paths: HostPaths, opts: ConnectOptions = {}): Promise<HostClient> {
    const until = Date.now() + (opts.busyRetryMs ?? 1500);
    for (;;) {
      try { return await HostClient.connectOnce(paths, opts); } catch (e) {
        if (!(e instanceof HostError) || e.code !== 'busy' || Date.now() > until) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private static async connectOnce(paths: HostPaths, opts: ConnectOptions): Promise<HostClient> {
    let key: string;
    try { key = fs.readFileSync(paths.key, 'utf8').trim(); } catch { throw new HostError('no_host', 'no pty host key (no host has run here yet)'); }
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection(paths.control);
      s.once('connect', () => { s.off('error', reject); resolve(s); });
      s.once('error', (e: NodeJS.ErrnoException) => {
        reject(['ENOENT', 'ECONNREFUSED'].includes(e.code ?? '') ? new HostError('no_host', `no pty host listens on ${paths.control}`) : e);
      });
    });
    const c = new HostClient(socket);
    if (opts.hold) c.held = [];
    try {
      c.hello = await c.request<HelloResult>('hello', { key, version: PROTOCOL_VERSION, pid: process.pid }, opts.timeoutMs);
    } catch (e) {
      c.close();
      throw e;
    }
    c.heartbeat = setInterval(() => c.beat(), HEARTBEAT_MS);
    c.heartbeat.unref();
    return c;
  }

  get isClosed(): boolean { return this.closed; }

  /** Delivers the events that arrived since the hello (queued hooks, exits…), then every event as it comes. */
  release(): void {
    const h = this.held;
    this.held = null;
    for (const f of h ?? []) f();
  }

  private dispatch(f: () => void) { if (this.held) this.held.push(f); else f(); }
  /** Whether the host has been silent for longer than DEAD_AFTER_MS. */
  get unresponsive(): boolean { return this.silent; }

  request<T = Record<string, unknown>>(op: RequestOp, body: Record<string, unknown> = {}, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    if (this.closed) return Promise.reject(new HostError('host_gone', 'the pty host connection is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HostError('host_timeout', `the pty host did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, op });
      this.socket.write(encodeJson({ t: 'req', id, op, ...body }));
    });
  }

  input(sid: string, data: string | Buffer): void {
    if (this.closed) return;
    for (const b of inputFrame(sid, typeof data === 'string' ? Buffer.from(data) : data)) this.socket.write(b);
  }

  /** Opens a stream of a session's output: a snapshot first (or the bytes from `from`), then live bytes. */
  openStream(sid: string, h: StreamHandlers, from?: number): { id: number; opened: Promise<void> } {
    const id = this.nextStream++;
    this.streams.set(id, h);
    const opened = this.request('attach', { sid, stream: id, ...(from !== undefined ? { from } : {}) }).then(() => undefined, (e: Error) => {
      this.streams.delete(id);
      throw e;
    });
    return { id, opened };
  }

  closeStream(stream: number): void {
    if (!this.streams.delete(stream)) return;
    this.request('detach', { stream }).catch(() => { /* gone with the connection */ });
  }

  /** The stream's bytes have been passed on: the host may send that many more (acknowledged once per turn). */
  ack(stream: number, bytes: number): void {
    if (this.closed || !this.streams.has(stream)) return;
    this.acks.set(stream, (this.acks.get(stream) ?? 0) + bytes);
    if (this.acks.size === 1 && !this.ackScheduled) {
      this.ackScheduled = true;
      setImmediate(() => {
        this.ackScheduled = false;
        if (!this.closed) {
          this.socket.cork();
          for (const [st, n] of this.acks) if (this.streams.has(st)) this.socket.write(ackFrame(st, n));
          this.socket.uncork();
        }
        this.acks.clear();
      });
    }
  }
  private acks = new Map<number, number>();
  private ackScheduled = false;

  close(): void {
    this.socket.destroy();
    this.onClose(null);
  }

  private lastTick = Date.now();
  private beat() {
    if (this.closed) return;
    const now = Date.now();
    // This process was stopped or starved: the silence was ours, not the host's.
    if (now - this.lastTick > DEAD_AFTER_MS / 2) this.lastHeard = now;
    this.lastTick = now;
    if (!this.silent && now - this.lastHeard > DEAD_AFTER_MS) {
      this.silent = true;
      this.emit('unresponsive');
    }
    this.socket.write(encodeJson({ t: 'ping' }));
  }

  private onData(chunk: Buffer) {
    this.lastHeard = Date.now();
    if (this.silent) { this.silent = false; this.emit('responsive'); }
    let frames;
    try { frames = this.decoder.push(chunk); } catch (e) {
      console.error(`[areyouj] pty host protocol error: ${(e as Error).message}`);
      return this.close();
    }
    for (const f of frames) {
      if (f.type === FRAME_DATA) { this.streams.get(f.stream)?.data(f.data); continue; }
      if (f.type === FRAME_OUTPUT) { const { sid, total } = f; this.dispatch(() => this.emit('output', sid, total)); continue; }
      if (f.type !== FRAME_JSON) continue;
      const m = f.msg as Record<string, any>;
      if (m.t === 'res') {
        const p = this.pending.get(m.id);
        if (!p) continue;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m);
        else p.reject(new HostError(m.error?.code ?? 'host_error', m.error?.message ?? `${p.op} failed`));
      } else if (m.t === 'ev') this.dispatch(() => this.onEvent(m as HostEvent));
    }
  }

  private onEvent(m: HostEvent) {
    if (typeof m.stream === 'number') {
      const h = this.streams.get(m.stream);
      if (!h) return;
      if (m.ev === 'snapshot') h.snapshot?.({ data: m.data as string, cols: m.cols as number, rows: m.rows as number });
      else if (m.ev === 'sresize') h.resize?.(m.cols as number, m.rows as number);
      else if (m.ev === 'sexit') { this.streams.delete(m.stream); h.exit?.(m.exit as WireExit); }
      else if (m.ev === 'sdrop') { this.streams.delete(m.stream); h.drop?.(m.reason as string); }
      return;
    }
    this.emit('event', m);
  }

  private onClose(err: Error | null) {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new HostError('host_gone', `the pty host connection closed (${p.op})`)); }
    this.pending.clear();
    for (const h of this.streams.values()) h.drop?.('host_gone');
    this.streams.clear();
    this.emit('closed', err);
  }
}
