// One program in one pseudo-terminal: output goes to a raw log file, a server-side headless terminal
// (the screen, for snapshots and state detection) and the attached clients, in order.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { VtBoundary } from './vt-boundary.js';
import { SpawnError, checkCwd, descendants, ignoresSignal, resolveCommand, signalTree, waitSessionGone } from './spawn-check.js';

export { SpawnError } from './spawn-check.js';

type HeadlessTerminal = InstanceType<typeof xtermHeadless.Terminal>;
type Serializer = InstanceType<typeof serializeAddon.SerializeAddon>;

export interface PtyStartOptions {
  command: string;
  args?: string[];
  cwd: string;
  /** The complete environment of the program (not merged with process.env); TERM is set to xterm-256color. */
  env?: Record<string, string | undefined>;
  cols?: number;
  rows?: number;
  /** Raw output is appended here (directories are created). */
  logFile?: string;
  /** Lines of scrollback kept by the headless terminal (default 10,000). */
  scrollback?: number;
  /**
   * Who answers terminal queries (DA, cursor position report, mode reports) the program sends.
   * 'auto' (default): the server's headless terminal answers the output no client was attached for;
   * clients (xterm.js) answer what they received. 'server' | 'clients' force one side.
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

/** A viewer of the session; callbacks are called synchronously and in stream order. */
export interface SessionClient {
  onSnapshot(s: SnapshotInfo): void;
  onData(chunk: Buffer): void;
  onResize?(cols: number, rows: number): void;
  onExit?(e: ExitInfo): void;
}

type Pending =
  | { kind: 'data'; buf: Buffer; viewed: boolean; waiters?: (() => void)[] }
  | { kind: 'resize'; cols: number; rows: number; waiters?: (() => void)[] };

/** Headless backlog past which the pty is paused (the program blocks on write), and where it resumes. */
const PAUSE_AT = 1 << 20;
const RESUME_AT = 256 << 10;
/**
 * A pause never lasts longer than this: node-pty destroys the pty socket 200 ms after the child exits,
 * so whatever the child wrote last must be read before then (see README.md, "Output at exit").
 */
const MAX_PAUSE_MS = 40;

export interface PtySessionEvents {
  data: [chunk: Buffer];
  input: [data: string | Buffer];
  resize: [cols: number, rows: number];
  exit: [info: ExitInfo];
}

export class PtySession extends EventEmitter<PtySessionEvents> {
  readonly pid: number;
  readonly command: string;
  readonly startedAt = new Date();
  outputBytes = 0;
  lastOutputAt: number | null = null;
  exitInfo: ExitInfo | null = null;

  private proc: pty.IPty;
  private term: HeadlessTerminal | null;
  private serializer: Serializer;
  private boundary = new VtBoundary();
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private clients = new Set<SessionClient>();
  private log: fs.WriteStream | null = null;
  private pauses = { headless: false, log: false };
  private paused = false;
  private pauseTimer: NodeJS.Timeout | null = null;
  private slaveFd: number | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  /** Descendants in sessions of their own, noted at terminate(), signalled with the session. */
  private detached = new Set<number>();
  private exitPromise: Promise<ExitInfo>;
  private resolveExit!: (e: ExitInfo) => void;
  private disposables: { dispose(): void }[] = [];
  private final: { snapshot: string; lines: string[]; cursor: { x: number; y: number }; top: number; cols: number; rows: number; bracketed: boolean; appCursor: boolean } | null = null;
  private firstOutput = '';
  private readonly scrollback: number;
  private readonly queryReplies: 'auto' | 'server' | 'clients';

  /** Starts the program; throws SpawnError when it cannot (bad directory, unknown command, fork failure). */
  static start(opts: PtyStartOptions): PtySession {
    return new PtySession(opts);
  }

  private constructor(opts: PtyStartOptions) {
    super();
    const cols = opts.cols ?? 80, rows = opts.rows ?? 24;
    this.scrollback = opts.scrollback ?? 10_000;
    this.queryReplies = opts.queryReplies ?? 'auto';
    this.command = opts.command;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.env ?? process.env)) if (v !== undefined) env[k] = v;
    delete env.COLUMNS; delete env.LINES;
    env.TERM = 'xterm-256color';
    env.COLORTERM ??= 'truecolor';

    checkCwd(opts.cwd);
    resolveCommand(opts.command, opts.cwd, env);
    let logFd: number | null = null;
    if (opts.logFile) {
      try {
        fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
        logFd = fs.openSync(opts.logFile, 'a');
      } catch (e) {
        throw new SpawnError('log_failed', `cannot open log file ${opts.logFile}: ${(e as Error).message}`);
      }
    }
    try {
      this.proc = pty.spawn(opts.command, opts.args ?? [], { name: 'xterm-256color', cols, rows, cwd: opts.cwd, env, encoding: null });
    } catch (e) {
      if (logFd !== null) fs.closeSync(logFd);
      throw new SpawnError('spawn_failed', `cannot start ${opts.command}: ${(e as Error).message}`);
    }
    this.pid = this.proc.pid;
    // Keep a slave fd open: on Linux, once the last slave fd closes, a read of the master can fail with
    // EIO before the output still in the kernel's buffer was read (node-pty #72/#85/#726), losing the
    // program's last output. With ours open, the buffer is read normally until node-pty closes.
    const ptsName = (this.proc as unknown as { ptsName?: string }).ptsName;
    if (ptsName) {
      try { this.slaveFd = fs.openSync(ptsName, fs.constants.O_RDWR | fs.constants.O_NOCTTY); } catch { /* best effort */ }
    }
    this.exitPromise = new Promise((r) => { this.resolveExit = r; });

    if (logFd !== null) {
      this.log = fs.createWriteStream('', { fd: logFd, flags: 'a' });
      this.log.on('error', (e) => {
        console.error(`[session ${this.pid}] log write failed, output no longer logged: ${e.message}`);
        this.log?.destroy();
        this.log = null;
        this.setPause('log', false);
      });
      this.log.on('drain', () => this.setPause('log', false));
    }

    this.term = new xtermHeadless.Terminal({ cols, rows, scrollback: this.scrollback, allowProposedApi: true });
    this.serializer = new serializeAddon.SerializeAddon();
    // The addon's typings name @xterm/xterm's Terminal; the headless one has the same API.
    this.term.loadAddon(this.serializer as unknown as Parameters<HeadlessTerminal['loadAddon']>[0]);
    this.disposables.push(this.term.onData((reply) => this.onTerminalReply(reply)));

    // node-pty delivers Buffers with encoding: null (its typings say string).
    this.disposables.push(this.proc.onData((d) => this.onOutput(d as unknown as Buffer)));
    this.disposables.push(this.proc.onExit((e) => void this.onProcExit(e.exitCode, e.signal ?? 0)));
    // A read error other than EIO would be thrown by node-pty when fewer than two listeners exist.
    (this.proc as unknown as EventEmitter).on('error', () => { /* EIO at exit; the exit event follows */ });
  }

  get cols(): number { return this.final?.cols ?? this.term!.cols; }
  get rows(): number { return this.final?.rows ?? this.term!.rows; }
  get exited(): boolean { return this.exitInfo !== null; }
  get clientCount(): number { return this.clients.size; }
  /** Whether the program has enabled bracketed paste (DECSET 2004), as of the parsed output. */
  get bracketedPasteEnabled(): boolean { return this.final?.bracketed ?? this.term!.modes.bracketedPasteMode; }
  /** Whether the program has enabled application cursor keys (DECCKM): arrows are then ESC O A… */
  get applicationCursorKeys(): boolean { return this.final?.appCursor ?? this.term!.modes.applicationCursorKeysMode; }

  /** Resolves with the exit information once the program has exited and everything is flushed. */
  whenExited(): Promise<ExitInfo> { return this.exitPromise; }

  write(data: string | Buffer): boolean {
    if (this.exitInfo || this.final) return false;
    this.proc.write(data);
    this.emit('input', data);
    return true;
  }

  resize(cols: number, rows: number): void {
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1 || cols > 2000 || rows > 1000) {
      throw new RangeError(`invalid terminal size ${cols}x${rows}`);
    }
    if (this.final || !this.term) return;
    if (cols === this.proc.cols && rows === this.proc.rows) return;
    try { this.proc.resize(cols, rows); } catch { /* exited meanwhile */ }
    // The headless terminal resizes at this point of the stream, after the output before it is parsed.
    this.enqueue({ kind: 'resize', cols, rows }, () => this.term?.resize(cols, rows));
    for (const c of this.clients) this.safely(() => c.onResize?.(cols, rows));
    this.emit('resize', cols, rows);
  }

  /** The parsed screen and scrollback, serialized (escape sequences that redraw it). */
  snapshot(): string {
    return this.final?.snapshot ?? this.serializer.serialize({ scrollback: this.scrollback });
  }

  /** The viewport's rendered lines, right-trimmed. */
  screenLines(): string[] {
    if (this.final) return this.final.lines;
    const buf = this.term!.buffer.active, lines: string[] = [];
    for (let y = 0; y < this.term!.rows; y++) lines.push(buf.getLine(buf.baseY + y)?.translateToString(true).trimEnd() ?? '');
    return lines;
  }

  /** The buffer row (counting scrollback) of the viewport's first line. */
  viewportTop(): number {
    return this.final ? this.final.top : this.term!.buffer.active.baseY;
  }

  /** The cursor position in the viewport (0-based). */
  cursor(): { x: number; y: number } {
    if (this.final) return this.final.cursor;
    const buf = this.term!.buffer.active;
    return { x: buf.cursorX, y: buf.cursorY };
  }

  /** Resolves when the output received so far has been parsed by the headless terminal. */
  whenParsed(): Promise<void> {
    const last = this.pending[this.pending.length - 1];
    if (!last) return Promise.resolve();
    return new Promise((r) => (last.waiters ??= []).push(r));
  }

  /**
   * Attaches a viewer. Synchronously it receives the snapshot of the parsed state, then the bytes not
   * yet reflected in it (an incomplete escape sequence, the chunks still being parsed, pending resizes),
   * then live output: every byte exactly once, in order. Returns the detach function.
   */
  attach(client: SessionClient): () => void {
    if (this.final) {
      client.onSnapshot({ data: this.final.snapshot, cols: this.final.cols, rows: this.final.rows });
      if (this.exitInfo) client.onExit?.(this.exitInfo);
      else this.clients.add(client); // exiting: the exit notice follows
      return () => { this.clients.delete(client); };
    }
    client.onSnapshot({ data: this.snapshot(), cols: this.term!.cols, rows: this.term!.rows });
    const tail = this.boundary.incompleteTail();
    if (tail.length) client.onData(tail);
    for (const p of this.pending) {
      if (p.kind === 'data') { p.viewed = true; client.onData(p.buf); } else client.onResize?.(p.cols, p.rows);
    }
    this.clients.add(client);
    return () => { this.clients.delete(client); };
  }

  /**
   * SIGTERM to the program's process group and session (plus SIGHUP to a leader that ignores SIGTERM,
   * like an interactive shell), SIGKILL after graceMs; resolves on exit.
   */
  terminate(graceMs = 5000): Promise<ExitInfo> {
    if (!this.exitInfo && !this.killTimer && !this.final) {
      // Descendants that left the session (setsid) are only findable while the leader is alive: note them now.
      for (const p of descendants(this.pid)) this.detached.add(p);
      signalTree(this.pid, 'SIGTERM', this.detached);
      // An interactive shell ignores SIGTERM; a hangup (what closing a terminal window sends) ends it.
      if (ignoresSignal(this.pid, 15)) { try { process.kill(this.pid, 'SIGHUP'); } catch { /* gone */ } }
      this.killTimer = setTimeout(() => signalTree(this.pid, 'SIGKILL', this.detached), graceMs);
    }
    return this.exitPromise;
  }

  private onOutput(chunk: Buffer): void {
    if (this.final) return;
    this.outputBytes += chunk.length;
    this.lastOutputAt = Date.now();
    if (this.firstOutput.length < 200) this.firstOutput += chunk.toString('latin1', 0, 200);
    if (this.log && !this.log.write(chunk)) this.setPause('log', true);
    this.enqueue({ kind: 'data', buf: chunk, viewed: this.clients.size > 0 }, () => this.boundary.feed(chunk));
    for (const c of this.clients) this.safely(() => c.onData(chunk));
    this.emit('data', chunk);
  }

  /** Queues an item for the headless terminal; `parsed` runs once everything before it is parsed. */
  private enqueue(item: Pending, parsed: () => void): void {
    this.pending.push(item);
    const size = item.kind === 'data' ? item.buf.length : 0;
    this.pendingBytes += size;
    if (this.pendingBytes > PAUSE_AT) this.setPause('headless', true);
    this.term!.write(item.kind === 'data' ? item.buf : '', () => {
      parsed();
      this.pending.shift();
      this.pendingBytes -= size;
      if (this.pendingBytes < RESUME_AT) this.setPause('headless', false);
      if (item.waiters) for (const w of item.waiters) w();
    });
  }

  private onTerminalReply(reply: string): void {
    if (this.final || this.queryReplies === 'clients') return;
    const current = this.pending[0]; // the chunk being parsed when the terminal answers
    if (this.queryReplies === 'server' || !(current?.kind === 'data' && current.viewed)) this.proc.write(reply);
  }

  private setPause(reason: 'headless' | 'log', on: boolean): void {
    this.pauses[reason] = on;
    const want = (this.pauses.headless || this.pauses.log) && !this.final;
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
        this.pauses.headless = this.pauses.log = false;
        try { this.proc.resume(); } catch { /* closed */ }
      }, MAX_PAUSE_MS);
    }
  }

  private async onProcExit(exitCode: number, signal: number): Promise<void> {
    if (this.final) return;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.pauses.log = false;
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
    const term = this.term!;
    this.final = {
      snapshot: this.serializer.serialize({ scrollback: this.scrollback }),
      lines: this.screenLines(), cursor: this.cursor(), top: term.buffer.active.baseY, cols: term.cols, rows: term.rows,
      bracketed: term.modes.bracketedPasteMode, appCursor: term.modes.applicationCursorKeysMode,
    };
    for (const d of this.disposables) d.dispose();
    this.disposables = [];
    term.dispose();
    this.term = null;
    this.pending = [];
    if (this.log) {
      const log = this.log;
      this.log = null;
      await new Promise<void>((r) => { log.end(() => r()); log.once('error', () => r()); });
    }
    const info: ExitInfo = { exitCode, signal: signal || null };
    if (exitCode === 1 && this.firstOutput.startsWith('execvp(3) failed.')) {
      info.error = this.firstOutput.split(/\r?\n/)[0];
    }
    this.exitInfo = info;
    for (const c of this.clients) this.safely(() => c.onExit?.(info));
    this.clients.clear();
    this.emit('exit', info);
    this.removeAllListeners();
    this.resolveExit(info);
  }

  private safely(f: () => void): void {
    try { f(); } catch (e) { console.error('[session] client callback failed:', e); }
  }
}
