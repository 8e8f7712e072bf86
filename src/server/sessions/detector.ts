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
//   Checking the focus line first means an answered question left above a fresh prompt is not mistaken
//   for a new one.
// - Input: what the user types is echoed, and echo is output. Output within echoMs of a keystroke that
//   did not submit anything (no CR/LF/Ctrl-C/Ctrl-D outside a bracketed paste) does not make an idle or
//   awaiting program `active`; the screen is checked again after the quiet period. A submission (Enter,
//   Ctrl-C…) while idle or awaiting input makes it `active` at once: the program got work, and the next
//   `idle` is the end of that turn (so a caller delivering a queue always sees idle → active → idle).
//
// Timers only (one re-armed timeout), no polling. dispose() stops it; it also stops when the session exits.
import { EventEmitter } from 'node:events';
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
  private submissions = 0;
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
    if (this.disposed || gen !== this.generation || this.session.exited) return; // more output came: wait again
    const r = this.classify(screen);
    if (r && (r.state !== this._state)) this.set(r.state, 'screen', r.text);
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
  classify(screen: ScreenState): { state: 'idle' | 'awaiting_input'; text?: string } | null {
    const lines = screen.lines;
    let focus = Math.min(screen.cursor.y, lines.length - 1);
    while (focus >= 0 && lines[focus].trim() === '') focus--;
    if (focus < 0) {
      focus = lines.length - 1;
      while (focus >= 0 && lines[focus].trim() === '') focus--;
      if (focus < 0) return null;
    }
    // The question's text: the lines above it, but none from before the user's last submission (the previous
    // turn's output and the submitted line itself belong to the conversation, not to this question).
    const top = screen.top;
    const afterSubmit = this.submitRow === null ? 0 : this.submitRow - top + 1;
    const context = () => {
      const from = Math.min(focus, Math.max(0, focus - this.contextLines, afterSubmit));
      return lines.slice(from, focus + 1).filter((l) => l.trim() !== '').join('\n');
    };
    const line = lines[focus];
    if (this.awaiting.some((re) => re.test(line))) return { state: 'awaiting_input', text: context() };
    if (this.idle.some((re) => re.test(line))) return { state: 'idle' };
    for (let y = focus - 1; y >= Math.max(0, focus - this.contextLines); y--) {
      if (this.awaiting.some((re) => re.test(lines[y]))) return { state: 'awaiting_input', text: context() };
    }
    return null;
  }

  private handleOutput(): void {
    if (this.disposed) return;
    this.generation++;
    const echo = (this._state === 'idle' || this._state === 'awaiting_input') && Date.now() - this.lastKeyAt < this.echoMs;
    if (!echo && this._state !== 'active') this.set('active', 'output');
    this.arm();
  }

  private handleInput(data: string | Buffer): void {
    if (this.disposed) return;
    if (isSubmission(data)) {
      this.lastKeyAt = -Infinity;
      // The row of the cursor as the screen stands when the submission is written (requested right after the write,
      // so before its echo is parsed).
      const mark = ++this.submissions;
      this.session.screen().then((s) => { if (!this.disposed && mark === this.submissions) this.submitRow = s.top + s.cursor.y; }, () => { /* host away */ });
      if (this._state === 'idle' || this._state === 'awaiting_input') {
        this.generation++;
        this.set('active', 'input');
        this.arm();
      }
    } else {
      this.lastKeyAt = Date.now();
    }
  }

  private arm(): void {
    if (this.timer) this.timer.refresh();
    else { this.timer = setTimeout(() => void this.check(), this.quietMs); this.timer.unref(); }
  }

  private set(state: DetectedState, reason: StateChange['reason'], text?: string): void {
    const previous = this._state;
    this._state = state;
    this.emit('change', { state, previous, reason, text, at: new Date() });
  }
}
