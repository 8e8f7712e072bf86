// The server's link to its home's pty host: finds or starts the host, keeps one connection, routes the host's
// events to the sessions (RemoteSession), and tells the instance manager when the host is lost. A connection that
// breaks is tried again at once: a host that still runs is re-adopted (its sessions' exits while we were away are
// applied); a host that is gone means its sessions are lost (`lost`), and the next host is started right away (it
// reaps what the lost one ran and reports those sessions, see src/ptyhost/records.ts).
import { EventEmitter } from 'node:events';
import type { SessionInfo, WireExit } from '../../ptyhost/protocol.js';
import { hostPaths, type HostPaths } from '../../ptyhost/paths.js';
import { HostClient, HostError, type HelloResult, type HostEvent } from './host-client.js';
import { ensureHost, type HostStartOptions } from './host-process.js';
import { RemoteSession } from './remote-session.js';

export interface SpawnRequest {
  sid: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  scrollback?: number;
  hookSecret?: string;
  meta?: Record<string, unknown>;
}

export interface HostStatus { connected: boolean; responsive: boolean; pid: number | null; startedAt: string | null; hooksSocket: string }

export interface PtyHostLinkEvents {
  /** A hook an agent posted to the host (in order, at least once: acknowledge with ackHook once applied). */
  hook: [sid: string, seq: number, body: string];
  /** A decision hook waits for an answer (answer it with decided(did, …); `decision_gone`: it stopped waiting). */
  decision: [sid: string, did: number, body: string];
  decision_gone: [did: number];
  /** The host is gone with these running sessions (their RemoteSessions are dropped). */
  lost: [sids: string[]];
  /** A new connection (at start, or after a loss): its hello lists every session the host knows. */
  connected: [hello: HelloResult];
  status: [HostStatus];
}

export class PtyHostLink extends EventEmitter<PtyHostLinkEvents> {
  readonly paths: HostPaths;
  private client: HostClient | null = null;
  private sessions = new Map<string, RemoteSession>();
  private connecting: Promise<HelloResult> | null = null;
  private closed = false;

  constructor(home: string, private readonly startOpts: HostStartOptions = {}) {
    super();
    this.paths = hostPaths(home);
  }

  get status(): HostStatus {
    const c = this.client;
    return {
      connected: !!c && !c.isClosed, responsive: !!c && !c.isClosed && !c.unresponsive, pid: c?.hello.hostPid ?? null,
      startedAt: c?.hello.startedAt ?? null, hooksSocket: this.paths.hooks,
    };
  }

  session(sid: string): RemoteSession | undefined { return this.sessions.get(sid); }

  /** Connects to the host, starting one when none runs. Rejects with HostError `busy` when another server drives it. */
  connect(): Promise<HelloResult> {
    this.connecting ??= (async () => {
      try {
        const c = await ensureHost(this.paths.home, this.startOpts, { hold: true });
        this.attach(c);
        return c.hello;
      } finally { this.connecting = null; }
    })();
    return this.connecting;
  }

  private attach(c: HostClient) {
    this.client = c;
    c.on('output', (sid, total) => this.sessions.get(sid)?.onOutput(total));
    c.on('event', (e) => this.onEvent(e));
    c.on('unresponsive', () => { console.error(`[areyouj] the pty host (pid ${c.hello.hostPid}) does not answer`); this.emit('status', this.status); });
    c.on('responsive', () => { console.error(`[areyouj] the pty host (pid ${c.hello.hostPid}) answers again`); this.emit('status', this.status); });
    c.on('closed', () => void this.onClosed(c));
    this.emit('connected', c.hello);
    this.emit('status', this.status);
    c.release();
  }

  private onEvent(e: HostEvent) {
    const s = e.sid ? this.sessions.get(e.sid) : undefined;
    switch (e.ev) {
      case 'exit': s?.onExit(e.exit as WireExit); return;
      case 'modes': s?.onModes(e.bracketed as boolean, e.appCursor as boolean); return;
      case 'resize': s?.onResize(e.cols as number, e.rows as number); return;
      case 'hook': if (e.sid) this.emit('hook', e.sid, e.seq as number, e.body as string); return;
      case 'decision': if (e.sid) this.emit('decision', e.sid, e.did as number, e.body as string); return;
      case 'decision_gone': this.emit('decision_gone', e.did as number); return;
      case 'hooks_dropped': console.error(`[areyouj] the pty host dropped ${String(e.count)} hooks of ${e.sid} while no server listened`); return;
    }
  }

  private async onClosed(c: HostClient) {
    if (this.client !== c || this.closed) return;
    this.client = null;
    this.emit('status', this.status);
    // The host may still run (the connection broke, or it restarted its socket): try it once before giving up on it.
    let again: HostClient | null = null;
    try { again = await HostClient.connect(this.paths, { hold: true }); } catch (e) {
      if (!(e instanceof HostError) || e.code !== 'no_host') console.error(`[areyouj] reconnecting to the pty host: ${(e as Error).message}`);
    }
    if (this.closed) { again?.close(); return; }
    if (again) {
      // Same host: its sessions go on; those that ended while we were away get their exit now.
      const known = new Map(again.hello.sessions.map((s) => [s.id, s]));
      const lost: string[] = [];
      for (const [sid, s] of this.sessions) {
        const info = known.get(sid);
        if (!info || (info as { lost?: boolean }).lost) lost.push(sid);
        else if (info.exit) s.onExit(info.exit);
      }
      this.attach(again);
      if (lost.length) this.drop(lost);
      return;
    }
    // Gone: its sessions with it. A new host reaps what they left and serves the next sessions.
    this.drop([...this.sessions.keys()]);
    this.connect().catch((e: Error) => console.error(`[areyouj] starting a new pty host: ${e.message}`));
  }

  private drop(sids: string[]) {
    for (const sid of sids) this.sessions.delete(sid);
    this.emit('lost', sids);
  }

  private requireClient(): HostClient {
    const c = this.client;
    if (!c || c.isClosed) throw new HostError('host_gone', 'the pty host is not connected');
    return c;
  }

  /** A session of the host, for the server to use (after connect(): a running one it re-adopts). */
  adopt(info: SessionInfo): RemoteSession {
    let s = this.sessions.get(info.id);
    if (!s) {
      s = new RemoteSession(() => this.client, info);
      this.sessions.set(info.id, s);
      const sid = info.id;
      s.once('exit', () => { if (this.sessions.get(sid) === s) this.sessions.delete(sid); });
    }
    return s;
  }

  /** Starts a program in the host (connecting first if needed). Rejects with HostError (SpawnError codes included). */
  async spawn(req: SpawnRequest): Promise<RemoteSession> {
    if (!this.client || this.client.isClosed) await this.connect();
    const r = await this.requireClient().request<{ info: SessionInfo }>('spawn', { ...req });
    return this.adopt(r.info);
  }

  /** Forgets an ended or lost session in the host (its record; the log stays). */
  async release(sid: string): Promise<void> {
    const c = this.client;
    if (!c || c.isClosed) return;
    await c.request('release', { sid }).catch((e: Error) => { if (!(e instanceof HostError && e.code === 'not_found')) throw e; });
  }

  async setMeta(sid: string, meta: Record<string, unknown>): Promise<void> {
    await this.requireClient().request('meta', { sid, meta });
  }

  /** The answer to a decision hook (null: none; the agent keeps its own dialog). */
  decided(did: number, out: object | null): void {
    this.client?.request('decided', { did, out }).catch(() => { /* the host answered it with none when the link broke */ });
  }

  ackHook(sid: string, seq: number): void {
    this.client?.request('ackHooks', { sid, seq }).catch(() => { /* replayed to the next server: applied twice at worst */ });
  }

  /** Ends every session and the host itself (areyouj stop --all). */
  async shutdownHost(reason: string, graceMs?: number): Promise<void> {
    const c = this.client;
    if (!c || c.isClosed) return;
    const closed = new Promise<void>((r) => c.once('closed', () => r()));
    this.closed = true;
    await c.request('shutdown', { reason, ...(graceMs !== undefined ? { graceMs } : {}) });
    await closed;
  }

  /** Disconnects (the server stops; the host and its sessions go on). */
  close(): void {
    this.closed = true;
    this.client?.close();
    this.client = null;
  }
}
