// The pty host: owns the sessions (pty, log, screen) of one home and serves one controlling server at a time over
// the control socket (protocol.ts), plus the agents' hooks over the hooks socket (hooks.ts). Runs in its own
// detached process (main.ts) and outlives any number of servers.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { PtySession, type ExitInfo } from './pty-session.js';
import { memoryPool } from './output-log.js';
import { prepareDirs, readOrCreateKey, type HostPaths } from './paths.js';
import { HEARTBEAT_MS, PROTOCOL_VERSION, type Request, type SessionInfo, type WireExit } from './protocol.js';
import { Connection } from './connection.js';
import { HostError } from './errors.js';

export { HostError } from './errors.js';
import { bootId, MARKER_ENV, procStartTime, reap, Records, type SessionRecord } from './records.js';
import { HookServer } from './hooks.js';

/** Hooks kept per session for a server that is away (or has not acknowledged them), at most. */
const MAX_HOOKS = 512;
const MAX_HOOK_BYTES = 4 << 20;
/** Decision hooks one session may have waiting at once (Claude shows one dialog at a time; a few for races). */
const MAX_DECISIONS = 4;

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
  /** Decision hooks held for the server's answer. */
  private decisions = new Map<number, { sid: string; answer: (out: string | null) => void; conn: Connection }>();
  private decisionSeq = 0;
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
    this.hooks = new HookServer((sid, secret) => this.checkHookSecret(sid, secret), (sid, body) => this.onHook(sid, body),
      (sid, body, answer, gone) => this.onDecision(sid, body, answer, gone));
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
    this.dropDecisions(null);
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

  /**
   * A decision hook waits for the user's answer: relayed to the server, whose answer (decided()) goes back to the agent.
   * With no server, or past MAX_DECISIONS waiting for the session, there is no answer (204): the agent keeps its dialog.
   */
  private onDecision(sid: string, body: string, answer: (out: string | null) => void, gone: (f: () => void) => void) {
    const conn = this.conn;
    const waiting = [...this.decisions.values()].filter((d) => d.sid === sid).length;
    if (!conn || !this.sessions.has(sid) || waiting >= MAX_DECISIONS) return answer(null);
    const did = ++this.decisionSeq;
    this.decisions.set(did, { sid, answer, conn });
    gone(() => { if (this.decisions.delete(did)) this.conn?.event({ ev: 'decision_gone', sid, did }); });
    conn.event({ ev: 'decision', sid, did, body });
  }

  /** The server's answer to decision `did` (null: none). */
  decided(did: number, out: object | null) {
    const d = this.decisions.get(did);
    if (!d) return;
    this.decisions.delete(did);
    d.answer(out === null ? null : JSON.stringify(out));
  }

  /** The server that was to answer is gone: no answer comes (the agent keeps its dialog). */
  private dropDecisions(conn: Connection | null) {
    for (const [did, d] of this.decisions) {
      if (conn && d.conn !== conn) continue;
      this.decisions.delete(did);
      d.answer(null);
    }
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
          void this.conn.close();
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
      this.dropDecisions(c);
      if (this.conn === c) { this.conn = null; this.log(`server pid ${c.peerPid} disconnected`); }
    };
  }
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
