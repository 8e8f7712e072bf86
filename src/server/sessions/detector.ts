// The generic state detector: a program's state read from its screen (ARCHITECTURE.md §3).
//
// - Output flowing: `active`.
// - Output quiet for quietMs: the screen (as the headless terminal renders it) is examined around the
//   cursor. The "focus line" is the cursor line, or the last non-empty line above it when it is blank.
//     1. an awaiting pattern on the focus line          -> `awaiting_input`
//     2. an idle pattern on the focus line              -> `idle`
//     3. an awaiting pattern on the few lines above it  -> `awaiting_input` (a question over a menu)
//     4. nothing                                        -> the state stays as it is (a program quietly
//        working, e.g. a long build, is still `active`; there is no separate "quiet" state).
// - Only the live screen counts (issue 11): a line counts only when the program wrote it after the user's last
//   submission (below the submitted line, or that area redrawn since); so an answered question above a running
//   command, or the submitted line itself, is never taken for a question or a prompt, and a program that prints
//   nothing after a submission stays `active`. On the cursor's line, what the user typed or recalled (from the
//   first keystroke since the last submission) is not the program's: the patterns see the line up to there, as the
//   program printed it (trailing spaces kept, so `agent> $` matches).
// - A question is reported once: output while `awaiting_input` that leaves the same question live (a clock, a
//   background job drawing elsewhere) changes nothing; when the question is gone, the program is `active`.
// - Input: what the user types is echoed, and echo is output. Output within echoMs of a keystroke that
//   did not submit anything (no CR/LF/Ctrl-C/Ctrl-D outside a bracketed paste) does not make an idle or
//   awaiting program `active`; the screen is checked again after the quiet period. A submission (Enter,
//   Ctrl-C…) while idle or awaiting input makes it `active` at once: the program got work, and the next
//   `idle` is the end of that turn (so a caller delivering a queue always sees idle → active → idle).
// - Viewing is not activity: output right after a resize (the session's viewOnlyOutput: the program redrawing for a
//   viewer that attached or changed size) is treated as echo.
// - The screen lives in the pty host: every read is asynchronous (session.screen()). The rows at a submission or at
//   the first keystroke are read right after the write, so before its echo is parsed.
//
// Timers only (one re-armed timeout), no polling. dispose() stops it; it also stops when the session exits.
import { EventEmitter } from 'node:events';
import { isTerminalReport } from './keys.js';
import type { ScreenState, TerminalSession } from './session.js';

export type DetectedState = 'starting' | 'active' | 'idle' | 'awaiting_input';

export interface DetectorSettings {
  quietMs: number;
  idlePatterns: string[];
  awaitingPatterns: string[];
  /** Output this soon after a non-submitting keystroke counts as echo (default min(quietMs, 250)). */
  echoMs?: number;
  /** Lines above the focus line searched for an awaiting pattern, and reported (default 6). */
  contextLines?: number;
}

export interface StateChange {
  state: DetectedState;
  previous: DetectedState;
  reason: 'output' | 'input' | 'screen';
  /** For awaiting_input: the screen lines around the question (non-empty lines up to the focus line). */
  text?: string;
  at: Date;
}

function compile(patterns: string[]): RegExp[] {
  const out: RegExp[] = [];
  for (const p of patterns) {
    try { out.push(new RegExp(p)); } catch { /* invalid patterns are rejected by the schema; skip */ }
  }
  return out;
}

/** Whether an input write submits something: CR/LF/^C/^D outside a bracketed paste. */
function isSubmission(data: string | Buffer): boolean {
  const s = typeof data === 'string' ? data : data.toString('latin1');
  return /[\r\n\x03\x04]/.test(s.replace(/\x1b\[200~[\s\S]*?(\x1b\[201~|$)/g, ''));
}

export class ScreenStateDetector extends EventEmitter<{ change: [StateChange] }> {
  private _state: DetectedState;
  private readonly quietMs: number;
  private readonly echoMs: number;
  private readonly contextLines: number;
  private readonly idle: RegExp[];
  private readonly awaiting: RegExp[];
  private timer: NodeJS.Timeout | null;
  private generation = 0;
  private lastKeyAt = -Infinity;
  /** The buffer row (scrollback included) of the cursor when the user last submitted something. */
  private submitRow: number | null = null;
  /** The viewport's lines (by buffer row) at that submission: a row at or above it counts once it is redrawn. */
  private submitLines = new Map<number, string>();
  /** Where the user's typing (or a recalled line) began since the last submission: buffer row and column. */
  private inputStart: { row: number; x: number } | null = null;
  /** The question reported (buffer row and text), while awaiting_input. */
  private questionKey: string | null = null;
  private rechecking = false;
  /** Counts submissions: a screen read for an older one does not overwrite what a newer one recorded. */
  private submissions = 0;
  private inputReading = false;
  /** The newest screen read so far (its `pos`: the output it reflects). */
  private lastSeen: ScreenState | null = null;
  private disposed = false;
  private readonly onData = () => this.handleOutput();
  private readonly onInput = (d: string | Buffer) => this.handleInput(d);
  private readonly onExit = () => this.dispose();

  constructor(private readonly session: TerminalSession, settings: DetectorSettings, initial: DetectedState = 'starting') {
    super();
    this._state = initial;
    this.quietMs = settings.quietMs;
    this.echoMs = settings.echoMs ?? Math.min(settings.quietMs, 250);
    this.contextLines = settings.contextLines ?? 6;
    this.idle = compile(settings.idlePatterns);
    this.awaiting = compile(settings.awaitingPatterns);
    session.on('data', this.onData);
    session.on('input', this.onInput);
    session.on('exit', this.onExit);
    // Check once even if the program never prints (or printed its prompt before we were created).
    this.timer = setTimeout(() => void this.check(), this.quietMs);
    this.timer.unref();
  }

  get state(): DetectedState { return this._state; }

  /** Examines the screen now (after pending output is parsed) and updates the state. */
  async check(): Promise<void> {
    const gen = this.generation;
    let screen: ScreenState;
    try { screen = await this.session.screen({ settle: true }); } catch { return; } // the host is away: the next output checks again
    this.seen(screen);
    if (this.disposed || gen !== this.generation || this.session.exited) return; // more output came: wait again
    const r = this.classify(screen);
    if (!r) return;
    if (r.state === 'awaiting_input') {
      if (this._state === 'awaiting_input' && r.key === this.questionKey) return;
      this.questionKey = r.key ?? null;
      this.set('awaiting_input', 'screen', r.text);
    } else if (r.state !== this._state) this.set(r.state, 'screen');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.session.off('data', this.onData);
    this.session.off('input', this.onInput);
    this.session.off('exit', this.onExit);
    this.removeAllListeners();
  }

  /** The state a screen shows, or null when it shows neither a prompt nor a question. */
  classify(screen: ScreenState): { state: 'idle' | 'awaiting_input'; text?: string; key?: string } | null {
    const lines = screen.lines;
    const top = screen.top;
    const cursorY = Math.min(screen.cursor.y, lines.length - 1);
    // The lines as printed (the cursor's with its trailing spaces), without what the user typed or recalled since the
    // last submission: from where the typing began to the cursor (a long line wraps onto the rows below).
    const cursorText = screen.cursorLine ?? lines[cursorY] ?? '';
    const input = this.inputStart && this.inputStart.row <= top + cursorY ? this.inputStart : null;
    const text = (y: number) => {
      const l = y === cursorY ? cursorText : lines[y];
      if (!input || y > cursorY || top + y < input.row) return l;
      return top + y === input.row ? l.slice(0, input.x) : '';
    };
    // Whether row y is the program's since the last submission (below the submitted line, or redrawn since).
    const live = (y: number) => {
      if (this.submitRow === null) return true;
      const row = top + y;
      if (row > this.submitRow) return true;
      const before = this.submitLines.get(row);
      if (before === undefined) return true;
      // The submitted line itself may have been read before its echo was parsed: only a rewrite (not an extension)
      // makes it the program's. A row above it counts once the program has drawn something else there.
      return row === this.submitRow ? !lines[y].startsWith(before) : lines[y] !== before;
    };
    let focus = cursorY;
    while (focus >= 0 && text(focus).trim() === '') focus--;
    if (focus < 0) {
      focus = lines.length - 1;
      while (focus >= 0 && text(focus).trim() === '') focus--;
      if (focus < 0) return null;
    }
    if (!live(focus)) return null; // the submitted line or older: nothing the program said since
    // The question's text: the live lines above it (none from before the user's last submission).
    const context = () => {
      const out: string[] = [];
      for (let y = focus; y >= Math.max(0, focus - this.contextLines) && live(y); y--) if (text(y).trim() !== '') out.unshift(text(y).trimEnd());
      return out.join('\n');
    };
    const line = text(focus);
    const asked = (y: number) => ({ state: 'awaiting_input' as const, text: context(), key: `${top + y}:${text(y)}` });
    if (this.awaiting.some((re) => re.test(line))) return asked(focus);
    if (this.idle.some((re) => re.test(line))) return { state: 'idle' };
    for (let y = focus - 1; y >= Math.max(0, focus - this.contextLines) && live(y); y--) {
      if (this.awaiting.some((re) => re.test(text(y)))) return asked(y);
    }
    return null;
  }

  private handleOutput(): void {
    if (this.disposed) return;
    this.generation++;
    const quietState = this._state === 'idle' || this._state === 'awaiting_input';
    const echo = quietState && (Date.now() - this.lastKeyAt < this.echoMs || !!this.session.viewOnlyOutput?.());
    if (!echo) this.inputStart = null;
    if (!echo && this._state === 'awaiting_input') this.recheckQuestion();
    else if (!echo && this._state !== 'active') this.set('active', 'output');
    this.arm();
  }

  /** Output while a question waits: the program is active again only if that question is no longer live. */
  private recheckQuestion(): void {
    if (this.rechecking) return;
    this.rechecking = true;
    this.session.screen({ settle: true }).then((screen) => {
      this.rechecking = false;
      this.seen(screen);
      if (this.disposed || this._state !== 'awaiting_input' || this.session.exited) return;
      const r = this.classify(screen);
      if (r?.state !== 'awaiting_input' || r.key !== this.questionKey) this.set('active', 'output');
    }, () => { this.rechecking = false; /* the host is away: the next output checks again */ });
  }

  private handleInput(data: string | Buffer): void {
    if (this.disposed || isTerminalReport(data)) return; // a viewer's terminal answering a query: nobody typed
    if (isSubmission(data)) {
      this.lastKeyAt = -Infinity;
      // The screen as it stands when the submission is written (requested right after the write, so normally before
      // its echo is parsed). A read that reflects output which came after the write (a fast program on a loaded
      // machine) would put the submission below the program's answer: then the newest screen read before the write
      // (the prompt the program was idle at) stands for it.
      const mark = ++this.submissions;
      const before = this.lastSeen;
      const posAtWrite = this.session.outputBytes;
      this.inputStart = null;
      this.session.screen().then((read) => {
        if (this.disposed || mark !== this.submissions) return;
        const late = posAtWrite !== undefined && read.pos > posAtWrite && before !== null && before.pos <= posAtWrite;
        const s = late ? before : read;
        this.seen(read);
        this.submitRow = s.top + s.cursor.y;
        this.submitLines = new Map(s.lines.map((l, y) => [s.top + y, l]));
      }, () => { /* host away */ });
      if (this._state === 'idle' || this._state === 'awaiting_input') {
        this.generation++;
        this.set('active', 'input');
        this.arm();
      }
    } else {
      this.lastKeyAt = Date.now();
      if (!this.inputStart && !this.inputReading) {
        // Where the typing begins: the cursor before this keystroke's echo is parsed.
        const mark = this.submissions;
        this.inputReading = true;
        this.session.screen().then((s) => {
          this.inputReading = false;
          this.seen(s);
          if (!this.disposed && mark === this.submissions && !this.inputStart) this.inputStart = { row: s.top + s.cursor.y, x: s.cursor.x };
        }, () => { this.inputReading = false; });
      }
    }
  }

  private seen(s: ScreenState): void {
    if (!this.lastSeen || s.pos >= this.lastSeen.pos) this.lastSeen = s;
  }

  private arm(): void {
    if (this.timer) this.timer.refresh();
    else { this.timer = setTimeout(() => void this.check(), this.quietMs); this.timer.unref(); }
  }

  private set(state: DetectedState, reason: StateChange['reason'], text?: string): void {
    const previous = this._state;
    if (state !== 'awaiting_input') this.questionKey = null;
    this._state = state;
    this.emit('change', { state, previous, reason, text, at: new Date() });
  }
}
