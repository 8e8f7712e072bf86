// The pty host: owns the sessions (pty, log, screen) of one home and serves one controlling server at a time over
// the control socket (protocol.ts), plus the agents' hooks over the hooks socket (hooks.ts). Runs in its own
// detached process (main.ts) and outlives any number of servers.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { PtySession, SpawnError, type ExitInfo, type SessionClient } from './pty-session.js';
import { memoryPool } from './output-log.js';
import { prepareDirs, readOrCreateKey, type HostPaths } from './paths.js';
import {
  DEAD_AFTER_MS, FRAME_ACK, FRAME_INPUT, FRAME_JSON, FrameDecoder, HEARTBEAT_MS, MAX_VIEWER_LAG, PROTOCOL_VERSION, ProtocolError,
  Request, STREAM_WINDOW, dataHeader, encodeJson, outputFrame, type SessionInfo, type WireExit,
} from './protocol.js';
import { bootId, MARKER_ENV, procStartTime, reap, Records, type SessionRecord } from './records.js';
import { HookServer } from './hooks.js';

/** Hooks kept per session for a server that is away (or has not acknowledged them), at most. */
const MAX_HOOKS = 512;
const MAX_HOOK_BYTES = 4 << 20;
/** A controlling connection whose unsent output passes this is dropped (flow control keeps it far below). */
const MAX_SOCKET_BACKLOG = 256 << 20;
const HELLO_TIMEOUT_MS = 5000;
/**
 * Output for the server is sent once per event-loop turn (a pty read is ~4 KB: coalescing makes one frame, one socket
 * write and one WebSocket message out of many), or at once when this much is waiting.
 */
const FLUSH_AT = 256 << 10;

export interface HostOptions {
  paths: HostPaths;
  /** Default scrollback lines of a session's screen. */
  scrollback?: number;
  /** Output all sessions may hold in memory together (the rest is read back from the logs). */
  memoryBytes?: number;
  log?: (msg: string) => void;
}

interface Hook { seq: number; body: string; at: number }

interface HostSession {
  sid: string;
  session: PtySession;
  cwd: string;
  meta: Record<string, unknown>;
  hookSecret: Buffer | null;
  exit: WireExit | null;
  record: SessionRecord;
  hooks: Hook[];
  hookBytes: number;
  hookSeq: number;
  hooksDropped: number;
  /** Why it is being terminated (a terminate request or the shutdown), kept in its exit. */
  terminateReason: string | null;
}

/** A session the host knows only from its record: ended while no server listened, or left by a lost host. */
interface Orphan { record: SessionRecord }

export class PtyHost {
  readonly startedAt = new Date();
  private sessions = new Map<string, HostSession>();
  private orphans = new Map<string, Orphan>();
  private records: Records;
  private key = '';
  private control: net.Server | null = null;
  private hooks: HookServer | null = null;
  private conn: Connection | null = null;
  private closing = false;
  private log: (m: string) => void;
  private reaping: Promise<void> = Promise.resolve();
  /** Called once shutdown() has ended every session and closed the sockets. */
  onShutdown: (() => void) | null = null;

  constructor(private opts: HostOptions) {
    this.records = new Records(opts.paths.records);
    this.log = opts.log ?? ((m) => process.stderr.write(`[ptyhost ${new Date().toISOString()}] ${m}\n`));
    if (opts.memoryBytes) memoryPool.max = opts.memoryBytes;
  }

  /** Sessions whose program is still running. */
  get running(): number { let n = 0; for (const s of this.sessions.values()) if (!s.exit) n++; return n; }
  get connected(): boolean { return this.conn !== null; }

  /** Reaps what lost hosts left, then listens. The caller holds the home's host lock (stale sockets are ours to remove). */
  async start(): Promise<void> {
    const p = this.opts.paths;
    prepareDirs(p);
    this.key = readOrCreateKey(p);
    this.adoptRecords();
    for (const f of [p.control, p.hooks]) fs.rmSync(f, { force: true }); // a crashed host's sockets: stale
    this.control = net.createServer((s) => this.onConnection(s));
    await listen(this.control, p.control);
    this.hooks = new HookServer((sid, secret) => this.checkHookSecret(sid, secret), (sid, body) => this.onHook(sid, body));
    await this.hooks.listen(p.hooks);
    this.log(`listening on ${p.control} (pid ${process.pid})`);
  }

  /** Records of sessions this host does not run: a lost host's (reap, report lost) or ended ones (report the exit). */
  private adoptRecords() {
    const reaps: Promise<unknown>[] = [];
    for (const rec of this.records.list()) {
      if (this.sessions.has(rec.sid)) continue;
      if (!rec.exit && !rec.lost) {
        rec.lost = true;
        this.records.write(rec);
        reaps.push(reap(rec).then((pids) => { if (pids.length) this.log(`reaped ${pids.length} process(es) of lost session ${rec.sid}: ${pids.join(' ')}`); }));
      }
      this.orphans.set(rec.sid, { record: rec });
    }
    this.reaping = Promise.all(reaps).then(() => undefined);
  }

  /** Resolves once the processes of lost sessions found at start are gone. */
  whenReaped(): Promise<void> { return this.reaping; }

  /** Terminates every session (SIGTERM, SIGKILL after graceMs) and closes the sockets. */
  async shutdown(graceMs = 3000, reason = 'host_shutdown'): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all([...this.sessions.values()].map((s) => this.terminate(s, graceMs, reason)));
    await this.conn?.close(true);
    this.control?.close();
    await this.hooks?.close();
    for (const f of [this.opts.paths.control, this.opts.paths.hooks]) fs.rmSync(f, { force: true });
    this.log('shut down');
    this.onShutdown?.();
  }

  // ---------- sessions ----------
  info(s: HostSession): SessionInfo {
    const ps = s.session;
    return {
      id: s.sid, pid: ps.pid, command: ps.command, cwd: s.cwd, startedAt: ps.startedAt.toISOString(), cols: ps.cols, rows: ps.rows,
      outputBytes: ps.outputBytes, bracketed: ps.bracketedPasteEnabled, appCursor: ps.applicationCursorKeys, exit: s.exit, meta: s.meta,
    };
  }

  private orphanInfo(o: Orphan) {
    const r = o.record;
    let size = 0;
    try { size = fs.statSync(path.join(this.opts.paths.logs, `${r.sid}.log`)).size; } catch { /* no log */ }
    return {
      id: r.sid, pid: r.pid, command: r.command, cwd: r.cwd, startedAt: r.createdAt, cols: 0, rows: 0, outputBytes: size,
      bracketed: false, appCursor: false, exit: r.exit, meta: r.meta, lost: !!r.lost,
    };
  }

  list() {
    return [...[...this.sessions.values()].map((s) => this.info(s)), ...[...this.orphans.values()].map((o) => this.orphanInfo(o))];
  }

  spawn(req: Extract<Request, { op: 'spawn' }>): SessionInfo {
    if (this.closing) throw new HostError('shutting_down', 'the pty host is shutting down');
    if (this.sessions.has(req.sid) || this.orphans.has(req.sid)) throw new HostError('exists', `session ${req.sid} exists; release it first`);
    const logFile = path.join(this.opts.paths.logs, `${req.sid}.log`);
    const session = PtySession.start({
      command: req.command, args: req.args, cwd: req.cwd, env: { ...req.env, [MARKER_ENV]: req.sid }, cols: req.cols, rows: req.rows,
      logFile, scrollback: req.scrollback ?? this.opts.scrollback,
    });
    const record: SessionRecord = {
      sid: req.sid, pid: session.pid, startTime: procStartTime(session.pid), bootId: bootId(), hostPid: process.pid,
      command: req.command, cwd: req.cwd, meta: req.meta ?? {}, createdAt: session.startedAt.toISOString(), exit: null,
    };
    this.records.write(record);
    const s: HostSession = {
      sid: req.sid, session, cwd: req.cwd, meta: req.meta ?? {}, hookSecret: req.hookSecret ? Buffer.from(req.hookSecret) : null,
      exit: null, record, hooks: [], hookBytes: 0, hookSeq: 0, hooksDropped: 0, terminateReason: null,
    };
    this.sessions.set(req.sid, s);
    session.on('data', () => this.conn?.outputFor(s));
    session.on('modes', (bracketed, appCursor) => this.conn?.event({ ev: 'modes', sid: s.sid, bracketed, appCursor }));
    session.on('resize', (cols, rows) => this.conn?.event({ ev: 'resize', sid: s.sid, cols, rows }));
    session.on('exit', (e) => this.onExit(s, e));
    this.log(`spawned ${req.sid}: ${req.command} (pid ${session.pid}${session.isolated ? '' : ', NOT isolated'})`);
    return this.info(s);
  }

  private onExit(s: HostSession, e: ExitInfo) {
    s.exit = { exitCode: e.exitCode, signal: e.signal, ...(e.error ? { error: e.error } : {}), ...(s.terminateReason ? { terminated: s.terminateReason } : {}) };
    s.record.exit = s.exit;
    this.records.write(s.record);
    this.conn?.event({ ev: 'exit', sid: s.sid, exit: s.exit });
    this.log(`${s.sid} exited: ${JSON.stringify(s.exit)}`);
  }

  terminate(s: HostSession, graceMs: number | undefined, reason: string): Promise<unknown> {
    if (s.exit) return Promise.resolve();
    s.terminateReason ??= reason;
    return s.session.terminate(graceMs);
  }

  get(sid: string): HostSession {
    const s = this.sessions.get(sid);
    if (!s) throw new HostError('not_found', this.orphans.has(sid) ? `session ${sid} is not running` : `no session ${sid}`);
    return s;
  }

  /** Forgets an ended (or lost) session: its record goes; its log stays. */
  release(sid: string) {
    const s = this.sessions.get(sid);
    if (s && !s.exit) throw new HostError('running', `session ${sid} is running; terminate it first`);
    this.sessions.delete(sid);
    this.orphans.delete(sid);
    this.records.remove(sid);
  }

  setMeta(sid: string, meta: Record<string, unknown>) {
    const s = this.sessions.get(sid);
    const rec = s?.record ?? this.orphans.get(sid)?.record;
    if (!rec) throw new HostError('not_found', `no session ${sid}`);
    if (s) s.meta = { ...s.meta, ...meta };
    rec.meta = { ...rec.meta, ...meta };
    this.records.write(rec);
  }

  // ---------- hooks ----------
  private checkHookSecret(sid: string, secret: string): boolean {
    const s = this.sessions.get(sid);
    if (!s?.hookSecret || s.exit) return false;
    const given = Buffer.from(secret);
    return given.length === s.hookSecret.length && timingSafeEqual(given, s.hookSecret);
  }

  private onHook(sid: string, body: string) {
    const s = this.sessions.get(sid);
    if (!s) return;
    const h: Hook = { seq: ++s.hookSeq, body, at: Date.now() };
    s.hooks.push(h);
    s.hookBytes += body.length;
    while (s.hooks.length > MAX_HOOKS || s.hookBytes > MAX_HOOK_BYTES) {
      const old = s.hooks.shift()!;
      s.hookBytes -= old.body.length;
      s.hooksDropped++;
    }
    this.conn?.event({ ev: 'hook', sid, seq: h.seq, body, at: h.at });
  }

  /** The server has applied the hooks of `sid` up to `seq`: they need not be replayed. */
  ackHooks(sid: string, seq: number) {
    const s = this.sessions.get(sid);
    if (!s) return;
    while (s.hooks.length && s.hooks[0].seq <= seq) s.hookBytes -= s.hooks.shift()!.body.length;
  }

  // ---------- connections ----------
  private onConnection(socket: net.Socket) {
    const c = new Connection(this, socket, this.log);
    c.onHello = (req) => {
      if (req.key.length !== this.key.length || !timingSafeEqual(Buffer.from(req.key), Buffer.from(this.key))) {
        throw new HostError('unauthorized', 'wrong key');
      }
      if (req.version !== PROTOCOL_VERSION) {
        throw new HostError('version', `this server speaks pty host protocol ${req.version}, the running pty host (pid ${process.pid}) ${PROTOCOL_VERSION}: `
          + 'end it with `areyouj stop --all` (its agents stop) to use this version');
      }
      if (this.conn && this.conn !== c) {
        // The one connected has not been heard of for a while (it pings every HEARTBEAT_MS): it is gone or hung.
        if (this.conn.silentFor > 2.5 * HEARTBEAT_MS) {
          this.log(`server pid ${this.conn.peerPid} silent for ${this.conn.silentFor} ms: replaced by pid ${req.pid}`);
          this.conn.close();
        } else throw new HostError('busy', `another AreYouJ server (pid ${this.conn.peerPid}) is connected to this pty host`);
      }
      this.conn = c;
      c.peerPid = req.pid;
      this.log(`server pid ${req.pid} connected`);
      return { hostPid: process.pid, version: PROTOCOL_VERSION, startedAt: this.startedAt.toISOString(), sessions: this.list(), memoryLimit: memoryPool.max };
    };
    c.afterHello = () => {
      // Hooks that fired while no server listened (or that the last one did not acknowledge), in order.
      for (const s of this.sessions.values()) {
        if (s.hooksDropped) c.event({ ev: 'hooks_dropped', sid: s.sid, count: s.hooksDropped });
        for (const h of s.hooks) c.event({ ev: 'hook', sid: s.sid, seq: h.seq, body: h.body, at: h.at });
      }
    };
    c.onClose = () => {
      if (this.conn === c) { this.conn = null; this.log(`server pid ${c.peerPid} disconnected`); }
    };
  }
}

export class HostError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

function listen(server: net.Server, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // The directory is 0700 (nobody else can reach the socket between bind() and the chmod below).
    server.listen(file, () => {
      server.off('error', reject);
      fs.chmodSync(file, 0o600);
      resolve();
    });
  });
}

interface Stream { sid: string; detach: () => void; unacked: number; waiter: (() => void) | null }

/** One connection on the control socket: hello first, then requests, input and acks; output and events back. */
class Connection {
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
  private lastHeard = Date.now();
  private heartbeat: NodeJS.Timeout;
  get silentFor(): number { return Date.now() - this.lastHeard; }
  private helloTimer: NodeJS.Timeout;

  constructor(private host: PtyHost, private socket: net.Socket, private log: (m: string) => void) {
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('end', () => this.close());
    socket.on('close', () => this.close());
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
    this.helloTimer = setTimeout(() => { if (!this.hello) this.close(); }, HELLO_TIMEOUT_MS);
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
      this.close();
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
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.pendingBytes) this.flushData();
      for (const d of this.dirty) this.send(outputFrame(d.sid, d.session.outputBytes));
      this.dirty.clear();
    });
  }

  /** Activity of a session, coalesced per event-loop turn. */
  outputFor(s: HostSessionLike) {
    if (!this.hello) return;
    this.dirty.add(s);
    this.schedule();
  }

  private onData(chunk: Buffer) {
    this.lastHeard = Date.now();
    let frames;
    try { frames = this.decoder.push(chunk); } catch (e) {
      this.log(`protocol error from pid ${this.peerPid}: ${(e as Error).message}; closing the connection`);
      return this.close();
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
        if (e instanceof ProtocolError) { this.log(`protocol error from pid ${this.peerPid}: ${e.message}`); return this.close(); }
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
    if (err.code === 'unauthorized' || err.code === 'busy' || err.code === 'version') setImmediate(() => this.close());
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
