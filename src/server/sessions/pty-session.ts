// One program in one pseudo-terminal: output goes to a raw log file, a server-side headless terminal
// (the screen, for snapshots and state detection) and the attached clients, in order.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { DEFAULT_SCROLLBACK, DEFAULT_TERMINAL_SIZE, validTerminalSize } from '../../common/limits.js';
import { TERMINATE_GRACE_MS } from '../limits.js';
import { HeadlessScreen } from './headless-screen.js';
import { LogFile, OutputBuffer, type Cursor } from './output-log.js';
import { SpawnError, checkCwd, descendants, ignoresSignal, resolveCommand, signalTree, waitSessionGone } from './spawn-check.js';

export { SpawnError } from './spawn-check.js';

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

/** A viewer of the session; callbacks are called in stream order. */
export interface SessionClient {
  onSnapshot(s: SnapshotInfo): void;
  onData(chunk: Buffer): void;
  onResize?(cols: number, rows: number): void;
  onExit?(e: ExitInfo): void;
  /** Flow control while catching up after attach: the next block waits for the returned promise. */
  ready?(): Promise<void> | void;
}

/** Without a log file to spill to: parser backlog past which the pty is paused (the program blocks on write), and where it resumes. */
const PAUSE_AT = 1 << 20;
const RESUME_AT = 256 << 10;
/** With a log file: unparsed output (or output a catching-up viewer has not had) kept in memory at most; the rest is read back from the log. */
export const MAX_MEMORY = 8 << 20;
/** A catching-up viewer gets at most this much at once before waiting for its ready(). */
const CATCHUP_BLOCK = 256 << 10;
/**
 * A pause never lasts longer than this: node-pty destroys the pty socket 200 ms after the child exits,
 * so whatever the child wrote last must be read before then (see README.md, "Output at exit").
 */
const MAX_PAUSE_MS = 40;
/** Output this soon after a resize is the program redrawing for its viewers (viewOnlyOutput), not work. */
export const VIEW_REDRAW_MS = 1000;

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
  /** When the pty was last resized (a viewer attaching or reshaping), or -Infinity. */
  lastResizeAt = -Infinity;
  exitInfo: ExitInfo | null = null;

  private proc: pty.IPty;
  private screen: HeadlessScreen | null;
  private out: OutputBuffer;
  private clients = new Set<SessionClient>();
  /** Viewers still replaying output between their snapshot and the live stream. */
  private catching = new Set<Cursor>();
  private log: LogFile | null = null;
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
  private readonly queryReplies: 'auto' | 'server' | 'clients';

  /** Starts the program; throws SpawnError when it cannot (bad directory, unknown command, fork failure). */
  static start(opts: PtyStartOptions): PtySession {
    return new PtySession(opts);
  }

  private constructor(opts: PtyStartOptions) {
    super();
    const cols = opts.cols ?? DEFAULT_TERMINAL_SIZE.cols, rows = opts.rows ?? DEFAULT_TERMINAL_SIZE.rows;
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
        logFd = fs.openSync(opts.logFile, 'a', 0o600);
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

    this.out = new OutputBuffer(logFd !== null ? opts.memoryLimit ?? MAX_MEMORY : Infinity);
    if (logFd !== null) {
      this.log = new LogFile(opts.logFile!, logFd, (e) => {
        console.error(`[session ${this.pid}] log write failed, output no longer logged: ${e.message}`);
        this.out.maxMemory = Infinity; // nothing to spill to any more: keep in memory, pause the pty instead
        this.setPause('log', false);
      }, () => this.setPause('log', false));
    }

    this.screen = new HeadlessScreen(this.out, this.log, cols, rows, opts.scrollback ?? DEFAULT_SCROLLBACK);
    this.screen.onProgress = () => { if (this.pauses.headless && this.screen!.behind < RESUME_AT) this.setPause('headless', false); };
    this.disposables.push(this.screen.term.onData((reply) => this.onTerminalReply(reply)));

    // node-pty delivers Buffers with encoding: null (its typings say string).
    this.disposables.push(this.proc.onData((d) => this.onOutput(d as unknown as Buffer)));
    this.disposables.push(this.proc.onExit((e) => void this.onProcExit(e.exitCode, e.signal ?? 0)));
    // A read error other than EIO would be thrown by node-pty when fewer than two listeners exist.
    (this.proc as unknown as EventEmitter).on('error', () => { /* EIO at exit; the exit event follows */ });
  }

  private get term() { return this.screen!.term; }

  get cols(): number { return this.final?.cols ?? this.term.cols; }
  get rows(): number { return this.final?.rows ?? this.term.rows; }
  get exited(): boolean { return this.exitInfo !== null; }
  /** Whether the program has enabled bracketed paste (DECSET 2004), as of the parsed output. */
  get bracketedPasteEnabled(): boolean { return this.final?.bracketed ?? this.term.modes.bracketedPasteMode; }
  /** Whether the program has enabled application cursor keys (DECCKM): arrows are then ESC O A… */
  get applicationCursorKeys(): boolean { return this.final?.appCursor ?? this.term.modes.applicationCursorKeysMode; }
  /** Output bytes held in memory for the parser and catching-up viewers now, and at most so far (bounded by MAX_MEMORY with a log file). */
  get memoryStats(): { bytes: number; peak: number; parserBehind: number; serializations: number } {
    return { bytes: this.out.memoryBytes, peak: this.out.peakMemory, parserBehind: this.screen?.behind ?? 0, serializations: this.screen?.serializations ?? 0 };
  }

  /** Resolves with the exit information once the program has exited and everything is flushed. */
  whenExited(): Promise<ExitInfo> { return this.exitPromise; }

  write(data: string | Buffer): boolean {
    if (this.exitInfo || this.final) return false;
    this.proc.write(data);
    this.emit('input', data);
    return true;
  }

  resize(cols: number, rows: number): void {
    if (!validTerminalSize(cols, rows)) {
      throw new RangeError(`invalid terminal size ${cols}x${rows}`);
    }
    if (this.final || !this.screen) return;
    if (cols === this.proc.cols && rows === this.proc.rows) return;
    this.lastResizeAt = Date.now();
    try { this.proc.resize(cols, rows); } catch { /* exited meanwhile */ }
    // The headless terminal resizes at this point of the stream, after the output before it is parsed.
    this.out.pushResize(cols, rows);
    this.screen.wake();
    for (const c of this.clients) this.safely(() => c.onResize?.(cols, rows));
    this.emit('resize', cols, rows);
  }

  /** The parsed screen and scrollback, serialized (escape sequences that redraw it); cached per parsed state. */
  snapshot(): string {
    return this.final?.snapshot ?? this.screen!.snapshot();
  }

  /** The viewport's rendered lines, right-trimmed. */
  screenLines(): string[] {
    if (this.final) return this.final.lines;
    const buf = this.term.buffer.active, lines: string[] = [];
    for (let y = 0; y < this.term.rows; y++) lines.push(buf.getLine(buf.baseY + y)?.translateToString(true).trimEnd() ?? '');
    return lines;
  }

  /**
   * The cursor's line as the program printed it: not trimmed up to the cursor (a prompt's trailing space is kept),
   * trimmed after it.
   */
  cursorLine(): string {
    const y = this.cursor().y;
    const trimmed = this.screenLines()[y] ?? '';
    if (this.final) return trimmed;
    const buf = this.term.buffer.active;
    const raw = buf.getLine(buf.baseY + y)?.translateToString(false) ?? '';
    return raw.slice(0, Math.max(trimmed.length, Math.min(buf.cursorX, raw.length)));
  }

  /** Whether the latest output came within VIEW_REDRAW_MS after a resize: a redraw for the viewers, not activity. */
  viewOnlyOutput(): boolean {
    const at = this.lastOutputAt;
    return at !== null && at >= this.lastResizeAt && at - this.lastResizeAt < VIEW_REDRAW_MS;
  }

  /** The buffer row (counting scrollback) of the viewport's first line. */
  viewportTop(): number {
    return this.final ? this.final.top : this.term.buffer.active.baseY;
  }

  /** The cursor position in the viewport (0-based). */
  cursor(): { x: number; y: number } {
    if (this.final) return this.final.cursor;
    const buf = this.term.buffer.active;
    return { x: buf.cursorX, y: buf.cursorY };
  }

  /** Resolves when the output received so far (and the resizes so far) have been parsed by the headless terminal. */
  whenParsed(): Promise<void> {
    return this.screen?.whenParsed() ?? Promise.resolve();
  }

  /**
   * Attaches a viewer. It receives the snapshot of the parsed state (synchronously), then the bytes not yet
   * reflected in it (an incomplete escape sequence, the output the parser has not reached, resizes in
   * between: from memory, or from the log when the parser is far behind, then asynchronously, paced by
   * client.ready()), then live output: every byte exactly once, in order. Returns the detach function.
   */
  attach(client: SessionClient): () => void {
    if (this.final) {
      client.onSnapshot({ data: this.final.snapshot, cols: this.final.cols, rows: this.final.rows });
      if (this.exitInfo) client.onExit?.(this.exitInfo);
      else this.clients.add(client); // exiting: the exit notice follows
      return () => { this.clients.delete(client); };
    }
    const screen = this.screen!;
    client.onSnapshot({ data: screen.snapshot(), cols: this.term.cols, rows: this.term.rows });
    const tail = screen.boundary.incompleteTail();
    if (tail.length) client.onData(tail);
    screen.markViewed(screen.parsed.pos, this.out.received);
    const cur: Cursor = { pos: screen.parsed.pos, rseq: screen.parsed.rseq };
    let gone = false;
    this.catching.add(cur);
    this.out.addReader(cur);
    const stop = () => {
      this.catching.delete(cur);
      this.out.removeReader(cur);
      if (this.exitInfo && !this.catching.size) { this.log?.closeRead(); this.log = null; }
    };
    const run = async () => {
      let sent = 0;
      for (;;) {
        if (gone) return;
        const item = this.out.next(cur, CATCHUP_BLOCK);
        if (!item) break;
        if (item.kind === 'resize') { cur.rseq = item.seq; this.safely(() => client.onResize?.(item.cols, item.rows)); continue; }
        let buf: Buffer;
        if (item.kind === 'data') buf = item.buf;
        else {
          buf = await this.log!.read(item.start, item.end);
          if (gone) return;
          if (buf.length < item.end - item.start) console.error(`[session ${this.pid}] output ${item.start + buf.length}..${item.end} missing from the log; a viewer skips it`);
          if (!buf.length) { cur.pos = item.end; continue; }
        }
        cur.pos += buf.length;
        this.safely(() => client.onData(buf));
        sent += buf.length;
        if (sent >= CATCHUP_BLOCK && client.ready) {
          sent = 0;
          const r = client.ready();
          if (r) { await r; if (gone) return; }
        }
        if (item.kind === 'log') this.out.trim();
      }
      stop();
      if (this.exitInfo) this.safely(() => client.onExit?.(this.exitInfo!));
      else this.clients.add(client);
    };
    void run().catch((e: Error) => { console.error(`[session ${this.pid}] viewer catch-up failed: ${e.message}`); stop(); });
    return () => { gone = true; this.clients.delete(client); if (this.catching.has(cur)) stop(); };
  }

  /**
   * SIGTERM to the program's process group and session (plus SIGHUP to a leader that ignores SIGTERM,
   * like an interactive shell), SIGKILL after graceMs; resolves on exit.
   */
  terminate(graceMs = TERMINATE_GRACE_MS): Promise<ExitInfo> {
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
    if (this.log && !this.log.failed && !this.log.write(chunk)) this.setPause('log', true);
    const start = this.out.received;
    if (this.clients.size || this.catching.size) this.screen!.markViewed(start, start + chunk.length);
    this.out.push(chunk);
    this.screen!.wake();
    // Nothing to spill to: the parser's backlog stays in memory, so the program waits for it (as a real terminal would).
    if (this.out.maxMemory === Infinity && this.screen!.behind > PAUSE_AT) this.setPause('headless', true);
    for (const c of this.clients) this.safely(() => c.onData(chunk));
    this.emit('data', chunk);
  }

  private onTerminalReply(reply: string): void {
    if (this.final || this.queryReplies === 'clients') return;
    if (this.queryReplies === 'server' || !this.screen!.parsingViewed()) this.proc.write(reply);
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
    const screen = this.screen!, term = screen.term;
    this.final = {
      snapshot: screen.snapshot(),
      lines: this.screenLines(), cursor: this.cursor(), top: term.buffer.active.baseY, cols: term.cols, rows: term.rows,
      bracketed: term.modes.bracketedPasteMode, appCursor: term.modes.applicationCursorKeysMode,
    };
    for (const d of this.disposables) d.dispose();
    this.disposables = [];
    screen.dispose();
    this.screen = null;
    if (this.log) {
      const log = this.log;
      await log.end();
      // Viewers still catching up read the rest from the closed log; the last one closes the read side.
      if (!this.catching.size) { log.closeRead(); this.log = null; }
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
