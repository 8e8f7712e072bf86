// One program in one pseudo-terminal: output goes to a raw log file, a headless terminal (the screen, parsed in a
// worker thread: headless-screen.ts) and the attached viewers, in order. Runs in the pty host (and in tests).
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { DEFAULT_SCROLLBACK, DEFAULT_TERMINAL_SIZE, TERMINATE_GRACE_MS, validTerminalSize } from '../common/limits.js';
import { drainBeforeDestroy } from './pty-drain.js';
import { HeadlessScreen, type SnapshotResult } from './headless-screen.js';
import { LogFile, OutputBuffer, type Cursor } from './output-log.js';
import { viewOnly, type ScreenState } from './protocol.js';
import {
  SpawnError, TRAMPOLINE_NAME, checkCwd, descendants, ignoresSignal, isolatedSpawn, resolveCommand, signalTree, waitSessionGone,
} from './spawn-check.js';

export { SpawnError } from './spawn-check.js';
export type { ScreenState } from './protocol.js';

export interface PtyStartOptions {
  command: string;
  args?: string[];
  cwd: string;
  /** The complete environment of the program (not merged with process.env); TERM is set to xterm-256color. */
  env?: Record<string, string | undefined>;
  /** The terminal's size (default DEFAULT_TERMINAL_SIZE, within TERMINAL_SIZE_LIMITS). */
  cols?: number;
  rows?: number;
  /** Raw output is appended here (directories are created). */
  logFile?: string;
  /** With logFile: output bytes kept in memory for the lagging parser and viewers (default MAX_MEMORY); the rest is read back from the log. */
  memoryLimit?: number;
  /** Lines of scrollback kept by the headless terminal (default DEFAULT_SCROLLBACK). */
  scrollback?: number;
  /**
   * Who answers terminal queries (DA, cursor position report, mode reports) the program sends.
   * 'auto' (default): the headless terminal answers the output no viewer was attached for;
   * viewers (xterm.js) answer what they received. 'server' | 'clients' force one side.
   */
  queryReplies?: 'auto' | 'server' | 'clients';
}

export interface ExitInfo {
  exitCode: number;
  /** The signal number that ended the program, or null. */
  signal: number | null;
  /** Set when the program never ran (exec failed in the child). */
  error?: string;
}

export interface SnapshotInfo { data: string; cols: number; rows: number }

/** A viewer of the session; callbacks are called in stream order. */
export interface SessionClient {
  onSnapshot(s: SnapshotInfo): void;
  onData(chunk: Buffer): void;
  onResize?(cols: number, rows: number): void;
  onExit?(e: ExitInfo): void;
  /** Flow control: whether the viewer takes `bytes` more now. When it does not, it lags and is caught up later, paced by ready(). */
  canTake?(bytes: number): boolean;
  /** Flow control while catching up: the next block waits for the returned promise. */
  ready?(): Promise<void> | void;
  /** The session dropped the viewer: 'slow' when it fell maxLag further behind than it was when it started reading. */
  onDrop?(reason: 'slow'): void;
}

export interface AttachOptions {
  /** Start with the bytes from this stream offset (no snapshot) instead of a snapshot of the parsed screen. */
  from?: number;
  /** A viewer that falls this many bytes further behind than it was at attach is dropped (onDrop('slow')). Default: never. */
  maxLag?: number;
}

/** Without a log file to spill to: parser backlog past which the pty is paused (the program blocks on write), and where it resumes. */
const PAUSE_AT = 1 << 20;
const RESUME_AT = 256 << 10;
/** With a log file: unparsed output (or output a lagging viewer has not had) kept in memory at most; the rest is read back from the log. */
export const MAX_MEMORY = 8 << 20;
/** A catching-up viewer gets at most this much at once (then waits for its ready() when it has no canTake). */
const CATCHUP_BLOCK = 256 << 10;
/**
 * A pause never lasts longer than this: node-pty destroys the pty socket 200 ms after the child exits (what is left
 * then is drained first, pty-drain.ts), and reading as it comes keeps that drain small (see README.md, "Output at exit").
 */
const MAX_PAUSE_MS = 40;
/**
 * Backpressure: a live viewer that cannot take more (its window of unacknowledged bytes is full: the server or the
 * browser is slower than the program) holds the program back, as a terminal that cannot draw fast enough does, for
 * at most this long; after that it lags on its own (from memory, then the log) and the program runs free.
 */
const VIEWER_BLOCK_MS = 2000;

export interface PtySessionEvents {
  data: [chunk: Buffer];
  input: [data: string | Buffer];
  resize: [cols: number, rows: number];
  /** The terminal modes (bracketed paste, application cursor keys) changed, as of the parsed output. */
  modes: [bracketed: boolean, appCursor: boolean];
  exit: [info: ExitInfo];
}

interface Viewer {
  client: SessionClient;
  cur: Cursor | null; // set while it lags (a reader of the buffer); null while live or waiting for its snapshot
  maxLag: number;
  /** How far behind it was when it started reading (the backlog of its attach, which it may take its time with). */
  allowance: number;
  gone: boolean;
}

interface Final { snapshot: SnapshotResult; screen: ScreenState }

export class PtySession extends EventEmitter<PtySessionEvents> {
  readonly pid: number;
  readonly command: string;
  readonly startedAt = new Date();
  /** Whether the program started with no descriptor of this process above 2 (see spawn-check.ts). */
  readonly isolated: boolean;
  outputBytes = 0;
  lastOutputAt: number | null = null;
  /** When the pty was last resized (a viewer attaching or reshaping), or -Infinity. */
  lastResizeAt = -Infinity;
  exitInfo: ExitInfo | null = null;

  private proc: pty.IPty;
  private headless: HeadlessScreen;
  private out: OutputBuffer;
  /** Viewers receiving output as it arrives. */
  private live = new Set<Viewer>();
  /** Viewers reading output between their start and the live stream (after attach, or after lagging). */
  private catching = new Set<Viewer>();
  private pendingSnapshots = 0;
  private log: LogFile | null = null;
  private pauses = { headless: false, log: false, viewers: false };
  /** Viewers that were live and could not take more: the pty waits for them (VIEWER_BLOCK_MS at most each). */
  private blocked = new Map<Viewer, NodeJS.Timeout>();
  private paused = false;
  private pauseTimer: NodeJS.Timeout | null = null;
  private slaveFd: number | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  /** Descendants in sessions of their own, noted at terminate(), signalled with the session. */
  private detached = new Set<number>();
  private exitPromise: Promise<ExitInfo>;
  private resolveExit!: (e: ExitInfo) => void;
  private disposables: { dispose(): void }[] = [];
  private final: Final | null = null;
  private ending = false;
  private firstOutput = '';
  private serializations = 0;
  private modes = { bracketed: false, appCursor: false };
  private size: { cols: number; rows: number };
  private readonly queryReplies: 'auto' | 'server' | 'clients';

  /** Starts the program; throws SpawnError when it cannot (bad directory, unknown command, fork failure). */
  static start(opts: PtyStartOptions): PtySession {
    return new PtySession(opts);
  }

  private constructor(opts: PtyStartOptions) {
    super();
    const cols = opts.cols ?? DEFAULT_TERMINAL_SIZE.cols, rows = opts.rows ?? DEFAULT_TERMINAL_SIZE.rows;
    this.size = { cols, rows };
    this.queryReplies = opts.queryReplies ?? 'auto';
    this.command = opts.command;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.env ?? process.env)) if (v !== undefined) env[k] = v;
    delete env.COLUMNS; delete env.LINES;
    env.TERM = 'xterm-256color';
    env.COLORTERM ??= 'truecolor';

    checkCwd(opts.cwd);
    const file = resolveCommand(opts.command, opts.cwd, env);
    let logFd: number | null = null;
    if (opts.logFile) {
      try {
        fs.mkdirSync(path.dirname(opts.logFile), { recursive: true, mode: 0o700 });
        logFd = fs.openSync(opts.logFile, 'a', 0o600);
      } catch (e) {
        throw new SpawnError('log_failed', `cannot open log file ${opts.logFile}: ${(e as Error).message}`);
      }
    }
    const spawn = isolatedSpawn(file, opts.command, opts.args ?? [], env);
    this.isolated = spawn.isolated;
    try {
      this.proc = pty.spawn(spawn.file, spawn.args, { name: 'xterm-256color', cols, rows, cwd: opts.cwd, env: spawn.env, encoding: null });
    } catch (e) {
      if (logFd !== null) fs.closeSync(logFd);
      throw new SpawnError('spawn_failed', `cannot start ${opts.command}: ${(e as Error).message}`);
    }
    this.pid = this.proc.pid;
    drainBeforeDestroy(this.proc); // node-pty's destroy 200 ms after the exit must not lose the last output
    // Keep a slave fd open: on Linux, once the last slave fd closes, a read of the master can fail with
    // EIO before the output still in the kernel's buffer was read (node-pty #72/#85/#726), losing the
    // program's last output. With ours open, the buffer is read normally until node-pty closes.
    const ptsName = (this.proc as unknown as { ptsName?: string }).ptsName;
    if (ptsName) {
      try { this.slaveFd = fs.openSync(ptsName, fs.constants.O_RDWR | fs.constants.O_NOCTTY); } catch { /* best effort */ }
    }
    this.exitPromise = new Promise((r) => { this.resolveExit = r; });

    this.out = new OutputBuffer(logFd !== null ? opts.memoryLimit ?? MAX_MEMORY : Infinity);
    if (logFd !== null) {
      this.log = new LogFile(opts.logFile!, logFd, (e) => {
        console.error(`[session ${this.pid}] log write failed, output no longer logged: ${e.message}`);
        this.out.maxMemory = Infinity; // nothing to spill to any more: keep in memory, pause the pty instead
        this.setPause('log', false);
      }, () => this.setPause('log', false));
    }

    this.headless = new HeadlessScreen(this.out, this.log, cols, rows, opts.scrollback ?? DEFAULT_SCROLLBACK);
    this.headless.onProgress = () => {
      if (this.pauses.headless && this.headless.behind < RESUME_AT) this.setPause('headless', false);
      const { bracketed, appCursor } = this.headless;
      if (bracketed !== this.modes.bracketed || appCursor !== this.modes.appCursor) {
        this.modes = { bracketed, appCursor };
        this.emit('modes', bracketed, appCursor);
      }
    };
    this.headless.onReply = (reply, at) => this.onTerminalReply(reply, at);

    // node-pty delivers Buffers with encoding: null (its typings say string).
    this.disposables.push(this.proc.onData((d) => this.onOutput(d as unknown as Buffer)));
    this.disposables.push(this.proc.onExit((e) => void this.onProcExit(e.exitCode, e.signal ?? 0)));
    // A read error other than EIO would be thrown by node-pty when fewer than two listeners exist.
    (this.proc as unknown as EventEmitter).on('error', () => { /* EIO at exit; the exit event follows */ });
  }

  get cols(): number { return this.size.cols; }
  get rows(): number { return this.size.rows; }
  get exited(): boolean { return this.exitInfo !== null; }
  get clientCount(): number { return this.live.size + this.catching.size + this.pendingSnapshots; }
  /** Whether the program has enabled bracketed paste (DECSET 2004), as of the parsed output. */
  get bracketedPasteEnabled(): boolean { return this.modes.bracketed; }
  /** Whether the program has enabled application cursor keys (DECCKM): arrows are then ESC O A… */
  get applicationCursorKeys(): boolean { return this.modes.appCursor; }
  /** Output bytes held in memory for the parser and lagging viewers now, and at most so far (bounded by MAX_MEMORY with a log file). */
  get memoryStats(): { bytes: number; peak: number; parserBehind: number; serializations: number } {
    return { bytes: this.out.memoryBytes, peak: this.out.peakMemory, parserBehind: this.final ? 0 : this.headless.behind, serializations: this.serializations };
  }

  /** Resolves with the exit information once the program has exited and everything is flushed. */
  whenExited(): Promise<ExitInfo> { return this.exitPromise; }

  write(data: string | Buffer): boolean {
    if (this.exitInfo || this.ending) return false;
    this.proc.write(data);
    this.emit('input', data);
    return true;
  }

  resize(cols: number, rows: number): void {
    if (!validTerminalSize(cols, rows)) {
      throw new RangeError(`invalid terminal size ${cols}x${rows}`);
    }
    if (this.ending) return;
    if (cols === this.size.cols && rows === this.size.rows) return;
    this.lastResizeAt = Date.now();
    try { this.proc.resize(cols, rows); } catch { /* exited meanwhile */ }
    this.size = { cols, rows };
    // The headless terminal (and lagging viewers) resize at this point of the stream.
    this.out.pushResize(cols, rows);
    this.headless.wake();
    for (const v of this.live) this.safely(() => v.client.onResize?.(cols, rows));
    this.emit('resize', cols, rows);
  }

  /** Whether the latest output came within VIEW_REDRAW_MS after a resize: a redraw for the viewers, not activity. */
  viewOnlyOutput(): boolean {
    return viewOnly(this.lastOutputAt, this.lastResizeAt);
  }

  /** The parsed screen and scrollback, serialized (escape sequences that redraw it); cached per parsed state. */
  async snapshot(): Promise<string> {
    if (this.final) return this.final.snapshot.data;
    const s = await this.headless.snapshot();
    this.serializations = Math.max(this.serializations, s.serializations);
    return s.data;
  }

  /** The viewport's rendered lines (right-trimmed), cursor, viewport top and modes, as of the parsed output. */
  async screen(opts: { settle?: boolean } = {}): Promise<ScreenState> {
    if (opts.settle) await this.whenParsed();
    return this.final?.screen ?? this.headless.screen();
  }

  /** Resolves when the output received so far (and the resizes so far) have been parsed by the headless terminal. */
  whenParsed(): Promise<void> {
    return this.final ? Promise.resolve() : this.headless.whenParsed();
  }

  /** Bytes of output so far (the stream offset of the next byte). */
  get received(): number { return this.out.received; }

  /**
   * Attaches a viewer. By default it receives the snapshot of the parsed screen (asynchronously: the parser runs
   * in a worker), then the bytes not yet reflected in it (an incomplete escape sequence, the output the parser
   * had not reached, resizes in between: from memory or the log, paced by ready()), then live output: every byte
   * exactly once, in order. With `from`, it receives the bytes from that offset instead of a snapshot. A viewer
   * that cannot take more (canTake) lags and is caught up the same way. Returns the detach function.
   */
  attach(client: SessionClient, opts: AttachOptions = {}): () => void {
    const v: Viewer = { client, cur: null, maxLag: opts.maxLag ?? Infinity, allowance: 0, gone: false };
    const detach = () => {
      if (v.gone) return;
      v.gone = true;
      this.live.delete(v);
      this.stopCatching(v);
    };
    if (this.final) {
      client.onSnapshot({ data: this.final.snapshot.data, cols: this.final.snapshot.cols, rows: this.final.snapshot.rows });
      if (this.exitInfo) client.onExit?.(this.exitInfo);
      else this.live.add(v); // exiting: the exit notice follows
      return detach;
    }
    if (opts.from !== undefined) {
      const from = Math.min(opts.from, this.out.received);
      this.startCatching(v, { pos: from, rseq: this.out.resizeSeq });
      return detach;
    }
    this.pendingSnapshots++;
    void this.headless.snapshot().then((s) => {
      this.pendingSnapshots--;
      if (v.gone) return;
      this.serializations = Math.max(this.serializations, s.serializations);
      if (this.final) {
        client.onSnapshot({ data: this.final.snapshot.data, cols: this.final.snapshot.cols, rows: this.final.snapshot.rows });
        if (this.exitInfo) this.safely(() => client.onExit?.(this.exitInfo!)); else this.live.add(v);
        return;
      }
      this.safely(() => client.onSnapshot({ data: s.data, cols: s.cols, rows: s.rows }));
      if (s.tail.length) this.safely(() => client.onData(Buffer.from(s.tail)));
      // The worker answered after reporting everything up to s.pos as parsed, and the parser's cursor (a reader)
      // keeps those bytes: the viewer continues exactly there.
      this.headless.markViewed(s.pos, this.out.received);
      this.startCatching(v, { pos: s.pos, rseq: s.rseq });
    });
    return detach;
  }

  /** Makes the viewer a reader from `cur` (what it has not had stays in memory or the log) and runs its catch-up. */
  private startCatching(v: Viewer, cur: Cursor, run = true) {
    v.cur = cur;
    // A slow viewer is dropped once it falls maxLag further behind than it was when it started reading.
    v.allowance = this.out.received - cur.pos;
    this.catching.add(v);
    this.out.addReader(cur);
    if (run) this.runCatchUp(v);
  }

  private runCatchUp(v: Viewer) {
    void this.catchUp(v).catch((e: Error) => { console.error(`[session ${this.pid}] viewer catch-up failed: ${e.message}`); this.stopCatching(v); });
  }

  private block(v: Viewer) {
    if (this.blocked.has(v)) return;
    this.blocked.set(v, setTimeout(() => this.unblock(v), VIEWER_BLOCK_MS));
  }

  private unblock(v: Viewer) {
    const t = this.blocked.get(v);
    if (!t) return;
    clearTimeout(t);
    this.blocked.delete(v);
    if (!this.blocked.size) this.setPause('viewers', false);
  }

  private stopCatching(v: Viewer) {
    this.unblock(v);
    if (!this.catching.delete(v)) return;
    if (v.cur) this.out.removeReader(v.cur);
    v.cur = null;
    if (this.exitInfo && !this.catching.size && this.log) { this.log.closeRead(); this.log = null; }
  }

  /** A viewer that fell more than its maxLag behind: dropped (it reattaches to a fresh snapshot). */
  private dropSlow(v: Viewer) {
    if (v.gone) return;
    this.stopCatching(v);
    v.gone = true;
    this.safely(() => v.client.onDrop?.('slow'));
  }

  private async catchUp(v: Viewer): Promise<void> {
    const c = v.client;
    let sent = 0;
    for (;;) {
      if (v.gone) return;
      const cur = v.cur!;
      if (this.out.received - cur.pos > v.maxLag + v.allowance) return this.dropSlow(v);
      const item = this.out.next(cur, CATCHUP_BLOCK);
      if (!item) break;
      if (item.kind === 'resize') { cur.rseq = item.seq; this.safely(() => c.onResize?.(item.cols, item.rows)); continue; }
      const len = item.kind === 'data' ? item.buf.length : item.end - item.start;
      if (c.canTake ? !c.canTake(len) : sent >= CATCHUP_BLOCK) {
        sent = 0;
        const r = c.ready?.();
        if (r) { await r; continue; }
      }
      let buf: Buffer;
      if (item.kind === 'data') buf = item.buf;
      else if (!this.log) { cur.pos = item.end; continue; } // no log to read back from (sessions without one keep all in memory)
      else {
        buf = await this.log.read(item.start, item.end);
        if (v.gone) return;
        if (buf.length < item.end - item.start) console.error(`[session ${this.pid}] output ${item.start + buf.length}..${item.end} missing from the log; a viewer skips it`);
        if (!buf.length) { cur.pos = item.end; continue; }
        if (cur.pos !== item.start) continue; // moved meanwhile (cannot happen: one loop per viewer)
      }
      cur.pos += buf.length;
      this.safely(() => c.onData(buf));
      sent += buf.length;
      if (item.kind === 'log') this.out.trim();
    }
    // Caught up.
    this.stopCatching(v);
    if (v.gone) return;
    if (this.exitInfo) { v.gone = true; this.safely(() => c.onExit?.(this.exitInfo!)); return; }
    this.live.add(v);
  }

  /**
   * SIGTERM to the program's process group and session (plus SIGHUP to a leader that ignores SIGTERM,
   * like an interactive shell), SIGKILL after graceMs; resolves on exit.
   */
  terminate(graceMs = TERMINATE_GRACE_MS): Promise<ExitInfo> {
    if (!this.exitInfo && !this.killTimer && !this.ending) {
      // Descendants that left the session (setsid) are only findable while the leader is alive: note them now.
      for (const p of descendants(this.pid)) this.detached.add(p);
      signalTree(this.pid, 'SIGTERM', this.detached);
      // An interactive shell ignores SIGTERM; a hangup (what closing a terminal window sends) ends it.
      if (ignoresSignal(this.pid, 15)) { try { process.kill(this.pid, 'SIGHUP'); } catch { /* gone */ } }
      this.killTimer = setTimeout(() => signalTree(this.pid, 'SIGKILL', this.detached), graceMs);
    }
    return this.exitPromise;
  }

  /** Descendants noted so far that left the program's session (for records: they are reaped with it). */
  get detachedDescendants(): number[] { return [...this.detached]; }

  private onOutput(chunk: Buffer): void {
    if (this.ending) return;
    this.outputBytes += chunk.length;
    this.lastOutputAt = Date.now();
    if (this.firstOutput.length < 200) this.firstOutput += chunk.toString('latin1', 0, 200);
    if (this.log && !this.log.failed && !this.log.write(chunk)) this.setPause('log', true);
    const start = this.out.received;
    // A live viewer that cannot take this chunk lags from here: it becomes a reader before the chunk is kept, and
    // catches up (from memory, or the log) once it can take more.
    let lagging: Viewer[] | null = null;
    for (const v of this.live) if (v.client.canTake && !v.client.canTake(chunk.length)) (lagging ??= []).push(v);
    for (const v of lagging ?? []) { this.live.delete(v); this.startCatching(v, { pos: start, rseq: this.out.resizeSeq }, false); this.block(v); }
    if (this.blocked.size) this.setPause('viewers', true);
    if (this.live.size || this.catching.size) this.headless.markViewed(start, start + chunk.length);
    this.out.push(chunk);
    for (const v of this.catching) if (this.out.received - v.cur!.pos > v.maxLag + v.allowance) this.dropSlow(v);
    for (const v of lagging ?? []) if (!v.gone) this.runCatchUp(v);
    this.headless.wake();
    // Nothing to spill to: the parser's backlog stays in memory, so the program waits for it (as a real terminal would).
    if (this.out.maxMemory === Infinity && this.headless.behind > PAUSE_AT) this.setPause('headless', true);
    for (const v of this.live) this.safely(() => v.client.onData(chunk));
    this.emit('data', chunk);
  }

  private onTerminalReply(reply: string, at: number): void {
    if (this.ending || this.queryReplies === 'clients') return;
    if (this.queryReplies === 'server' || !this.headless.viewedAt(at)) this.proc.write(reply);
  }

  private setPause(reason: 'headless' | 'log' | 'viewers', on: boolean): void {
    this.pauses[reason] = on;
    const want = (this.pauses.headless || this.pauses.log || this.pauses.viewers) && !this.ending;
    if (want === this.paused) return;
    this.paused = want;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    try { if (want) this.proc.pause(); else this.proc.resume(); } catch { /* closed */ }
    if (want) {
      // Read at least once every MAX_PAUSE_MS; the next chunk pauses again if still behind.
      this.pauseTimer = setTimeout(() => {
        this.pauseTimer = null;
        this.paused = false;
        this.pauses.headless = this.pauses.log = this.pauses.viewers = false;
        try { this.proc.resume(); } catch { /* closed */ }
      }, MAX_PAUSE_MS);
    }
  }

  private async onProcExit(exitCode: number, signal: number): Promise<void> {
    if (this.ending) return;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.pauses.log = this.pauses.viewers = false;
    for (const t of this.blocked.values()) clearTimeout(t);
    this.blocked.clear();
    this.setPause('headless', false);
    if (this.slaveFd !== null) { try { fs.closeSync(this.slaveFd); } catch { /* closed */ } this.slaveFd = null; }
    // No orphans: whatever the program left running in its session goes too, before exit is reported. Politely
    // first (SIGTERM lets a script's trap remove its lock files), then SIGKILL what is left after a second.
    const cleanup = async () => {
      signalTree(this.pid, 'SIGTERM', this.detached);
      if (await waitSessionGone(this.pid, 1000, this.detached)) return;
      signalTree(this.pid, 'SIGKILL', this.detached);
      await waitSessionGone(this.pid, 2000, this.detached);
    };
    await Promise.all([this.whenParsed(), cleanup()]);
    this.ending = true;
    const [snapshot, screen] = await Promise.all([this.headless.snapshot(), this.headless.screen()]);
    this.final = { snapshot, screen };
    this.size = { cols: snapshot.cols, rows: snapshot.rows };
    for (const d of this.disposables) d.dispose();
    this.disposables = [];
    this.headless.dispose();
    if (this.log) {
      const log = this.log;
      await log.end();
      // Viewers still catching up read the rest from the closed log; the last one closes the read side.
      if (!this.catching.size) { log.closeRead(); this.log = null; }
    }
    const info: ExitInfo = { exitCode, signal: signal || null };
    const first = this.firstOutput.split(/\r?\n/)[0];
    if ((exitCode === 1 && first.startsWith('execvp(3) failed.')) || (exitCode >= 126 && first.startsWith(`${TRAMPOLINE_NAME}: `))) {
      info.error = first;
    }
    this.exitInfo = info;
    for (const v of this.live) this.safely(() => v.client.onExit?.(info));
    this.live.clear();
    if (!this.catching.size) this.out.clear();
    this.emit('exit', info);
    this.removeAllListeners();
    this.resolveExit(info);
  }

  private safely(f: () => void): void {
    try { f(); } catch (e) { console.error('[session] client callback failed:', e); }
  }
}
