// One connection on the pty host's control socket: hello first, then requests, input and acknowledgements; output
// (coalesced per turn, within each stream's window) and events back; heartbeats both ways. See protocol.ts.
import type net from 'node:net';
import { SpawnError, type PtySession, type SessionClient } from './pty-session.js';
import {
  DEAD_AFTER_MS, FRAME_ACK, FRAME_INPUT, FRAME_JSON, FrameDecoder, HEARTBEAT_MS, MAX_VIEWER_LAG, ProtocolError,
  Request, STREAM_WINDOW, dataHeader, encodeJson, outputFrame,
} from './protocol.js';
import { HostError } from './errors.js';
import type { PtyHost } from './host.js';

/** A controlling connection whose unsent output passes this is dropped (flow control keeps it far below). */
const MAX_SOCKET_BACKLOG = 256 << 20;
const HELLO_TIMEOUT_MS = 5000;
/**
 * Output for the server is sent on the next event-loop turn (a keystroke's echo goes at once), or, while a stream
 * floods (the previous send carried at least BUSY_BYTES, less than BUSY_WITHIN_MS ago), COALESCE_MS later: a pty read
 * is ~4 KB and each turn reads one, so without this every 4 KB cost a frame, a socket write, an acknowledgement and
 * a WebSocket message (measured: 5× the server's and the client's CPU, bench 1). At once when FLUSH_AT is waiting.
 */
const FLUSH_AT = 256 << 10;
const COALESCE_MS = 4;
const BUSY_BYTES = 2048;
const BUSY_WITHIN_MS = 10;

interface Stream { sid: string; detach: () => void; unacked: number; waiter: (() => void) | null }

/** One connection on the control socket: hello first, then requests, input and acks; output and events back. */
export class Connection {
  peerPid = 0;
  onHello: ((req: Extract<Request, { op: 'hello' }>) => unknown) | null = null;
  afterHello: (() => void) | null = null;
  onClose: (() => void) | null = null;
  private decoder = new FrameDecoder();
  private hello = false;
  private closed = false;
  private streams = new Map<number, Stream>();
  private dirty = new Set<HostSessionLike>();
  private flushScheduled = false;
  private pending = new Map<number, Buffer[]>();
  private pendingBytes = 0;
  /** The last output sent: its size and when (flood detection for coalescing). */
  private lastSent = { bytes: 0, at: -Infinity };
  private lastHeard = Date.now();
  private heartbeat: NodeJS.Timeout;
  get silentFor(): number { return Date.now() - this.lastHeard; }
  private helloTimer: NodeJS.Timeout;

  constructor(private host: PtyHost, private socket: net.Socket, private log: (m: string) => void) {
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('end', () => void this.close());
    socket.on('close', () => void this.close());
    socket.on('error', () => { /* close follows */ });
    let lastTick = Date.now();
    this.heartbeat = setInterval(() => {
      const now = Date.now();
      // This process was stopped or starved (SIGSTOP, a suspended machine): the silence was ours, not the server's.
      if (now - lastTick > DEAD_AFTER_MS / 2) this.lastHeard = now;
      lastTick = now;
      if (now - this.lastHeard > DEAD_AFTER_MS) {
        this.log(`server pid ${this.peerPid} silent for ${DEAD_AFTER_MS} ms: dropping its connection`);
        return void this.close();
      }
      if (this.hello) this.send(encodeJson({ t: 'ping' }));
    }, HEARTBEAT_MS);
    this.helloTimer = setTimeout(() => { if (!this.hello) void this.close(); }, HELLO_TIMEOUT_MS);
  }

  /** Ends the connection; graceful: what is written (the shutdown's reply, exits) is flushed first (1 s at most). */
  close(graceful = false): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.helloTimer);
    for (const st of this.streams.values()) { st.detach(); st.waiter?.(); }
    this.streams.clear();
    const done = new Promise<void>((r) => {
      if (this.socket.destroyed) return r();
      this.socket.once('close', () => r());
      if (graceful) {
        this.socket.end();
        setTimeout(() => this.socket.destroy(), 1000).unref();
      } else this.socket.destroy();
    });
    this.onClose?.();
    return done;
  }

  private send(...bufs: Buffer[]) {
    if (this.closed) return;
    for (const b of bufs) this.socket.write(b);
    if (this.socket.writableLength > MAX_SOCKET_BACKLOG) {
      this.log(`server pid ${this.peerPid} is not reading (${this.socket.writableLength} bytes unsent): dropping its connection`);
      void this.close();
    }
  }

  /** A control event; a stream's data queued before it goes first (stream order). */
  event(ev: Record<string, unknown>) {
    if (!this.hello) return;
    if (this.pendingBytes) this.flushData();
    this.send(encodeJson({ t: 'ev', ...ev }));
  }

  /** Output of a stream, sent on the next turn with whatever else arrives meanwhile. */
  data(stream: number, chunk: Buffer) {
    const list = this.pending.get(stream);
    if (list) list.push(chunk); else this.pending.set(stream, [chunk]);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= FLUSH_AT) this.flushData();
    else this.schedule();
  }

  private flushData() {
    this.lastSent = { bytes: this.pendingBytes, at: performance.now() };
    if (this.closed) { this.pending.clear(); this.pendingBytes = 0; return; }
    this.socket.cork();
    for (const [stream, list] of this.pending) {
      let n = 0;
      for (const c of list) n += c.length;
      this.socket.write(dataHeader(stream, n));
      for (const c of list) this.socket.write(c);
    }
    this.pending.clear();
    this.pendingBytes = 0;
    this.socket.uncork();
    this.send(); // the backlog check
  }

  private schedule() {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const busy = this.lastSent.bytes >= BUSY_BYTES && performance.now() - this.lastSent.at < BUSY_WITHIN_MS;
    if (busy) setTimeout(this.flushTurn, COALESCE_MS); else setImmediate(this.flushTurn);
  }

  private readonly flushTurn = () => {
    this.flushScheduled = false;
    if (this.pendingBytes) this.flushData();
    for (const d of this.dirty) this.send(outputFrame(d.sid, d.session.outputBytes));
    this.dirty.clear();
  };

  /** Activity of a session, coalesced per event-loop turn. */
  outputFor(s: HostSessionLike) {
    if (!this.hello) return;
    this.dirty.add(s);
    this.schedule();
  }

  private onData(chunk: Buffer): void {
    this.lastHeard = Date.now();
    let frames;
    try { frames = this.decoder.push(chunk); } catch (e) {
      this.log(`protocol error from pid ${this.peerPid}: ${(e as Error).message}; closing the connection`);
      return void this.close();
    }
    for (const f of frames) {
      if (this.closed) return;
      try {
        if (f.type === FRAME_JSON) this.onControl(f.msg as Record<string, unknown>);
        else if (!this.hello) throw new ProtocolError('hello first');
        else if (f.type === FRAME_INPUT) { const s = this.host.get(f.sid); s.session.write(f.data); }
        else if (f.type === FRAME_ACK) this.onAck(f.stream, f.bytes);
        else throw new ProtocolError(`unexpected frame type ${f.type}`);
      } catch (e) {
        if (e instanceof ProtocolError) { this.log(`protocol error from pid ${this.peerPid}: ${e.message}`); return void this.close(); }
        if (!(e instanceof HostError)) this.log(`error: ${(e as Error).stack ?? e}`);
        // Input for a session that is gone: nothing to answer (input frames have no reply).
      }
    }
  }

  private onAck(stream: number, bytes: number) {
    const st = this.streams.get(stream);
    if (!st) return;
    st.unacked = Math.max(0, st.unacked - bytes);
    if (st.waiter && st.unacked <= STREAM_WINDOW / 2) { const w = st.waiter; st.waiter = null; w(); }
  }

  private onControl(msg: Record<string, unknown>) {
    if (msg.t === 'ping') return;
    if (msg.t !== 'req') throw new ProtocolError(`unexpected control message ${String(msg.t)}`);
    const id = msg.id as number;
    const parsed = Request.safeParse(msg);
    if (!parsed.success) {
      return this.send(encodeJson({ t: 'res', id, ok: false, error: { code: 'bad_request', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } }));
    }
    const req = parsed.data;
    if (!this.hello && req.op !== 'hello') return this.reply(id, () => { throw new HostError('unauthorized', 'hello first'); });
    this.reply(id, () => this.handle(req), req.op === 'hello' ? () => this.afterHello?.() : undefined);
  }

  private reply(id: number, f: () => unknown, after?: () => void) {
    let r: unknown;
    try { r = f(); } catch (e) { return this.fail(id, e); }
    if (r instanceof Promise) {
      r.then((v) => { this.send(encodeJson({ t: 'res', id, ok: true, ...(v as object) })); after?.(); }, (e) => this.fail(id, e));
    } else { this.send(encodeJson({ t: 'res', id, ok: true, ...(r as object) })); after?.(); }
  }

  private fail(id: number, e: unknown) {
    const err = e instanceof HostError || e instanceof SpawnError ? { code: (e as HostError).code, message: (e as Error).message }
      : { code: 'host_error', message: (e as Error).message ?? String(e) };
    if (!(e instanceof HostError || e instanceof SpawnError)) this.log(`request failed: ${(e as Error).stack ?? e}`);
    this.send(encodeJson({ t: 'res', id, ok: false, error: err }));
    if (err.code === 'unauthorized' || err.code === 'busy' || err.code === 'version') setImmediate(() => void this.close());
  }

  private handle(req: Request): unknown {
    switch (req.op) {
      case 'hello': {
        const r = this.onHello!(req);
        this.hello = true;
        clearTimeout(this.helloTimer);
        return r;
      }
      case 'spawn': return { info: this.host.spawn(req) };
      case 'list': return { sessions: this.host.list() };
      case 'attach': return this.attach(req.sid, req.stream, req.from);
      case 'detach': {
        const st = this.streams.get(req.stream);
        if (st) { this.streams.delete(req.stream); st.detach(); st.waiter?.(); }
        return {};
      }
      case 'resize': this.host.get(req.sid).session.resize(req.cols, req.rows); return {};
      case 'screen': return this.host.get(req.sid).session.screen({ settle: req.settle }).then((screen) => ({ screen }));
      case 'snapshot': {
        const s = this.host.get(req.sid).session;
        return s.snapshot().then((data) => ({ data, cols: s.cols, rows: s.rows }));
      }
      case 'terminate': void this.host.terminate(this.host.get(req.sid), req.graceMs, req.reason ?? 'terminated'); return {};
      case 'release': this.host.release(req.sid); return {};
      case 'meta': this.host.setMeta(req.sid, req.meta); return {};
      case 'ackHooks': this.host.ackHooks(req.sid, req.seq); return {};
      case 'decided': this.host.decided(req.did, req.out); return {};
      case 'shutdown':
        setImmediate(() => void this.host.shutdown(req.graceMs, req.reason));
        return {};
    }
  }

  private attach(sid: string, stream: number, from?: number) {
    const s = this.host.get(sid);
    if (this.streams.has(stream)) throw new HostError('stream_exists', `stream ${stream} is open`);
    const st: Stream = { sid, detach: () => {}, unacked: 0, waiter: null };
    const end = () => { this.streams.delete(stream); st.waiter?.(); };
    const client: SessionClient = {
      onSnapshot: (snap) => this.event({ ev: 'snapshot', stream, data: snap.data, cols: snap.cols, rows: snap.rows }),
      onData: (chunk) => { st.unacked += chunk.length; this.data(stream, chunk); },
      onResize: (cols, rows) => this.event({ ev: 'sresize', stream, cols, rows }),
      onExit: (e) => { end(); this.event({ ev: 'sexit', stream, exit: e }); },
      onDrop: (reason) => { end(); this.event({ ev: 'sdrop', stream, reason }); },
      canTake: (n) => st.unacked === 0 || st.unacked + n <= STREAM_WINDOW,
      ready: () => (this.closed || st.unacked <= STREAM_WINDOW / 2 ? undefined : new Promise<void>((r) => { st.waiter = r; })),
    };
    this.streams.set(stream, st);
    st.detach = s.session.attach(client, { from, maxLag: MAX_VIEWER_LAG });
    return { pos: from ?? null };
  }
}

type HostSessionLike = { sid: string; session: PtySession };
