// The driver for agent CLIs that report through command hooks and keep a transcript: Codex CLI (`codex`) and Gemini
// CLI (`gemini`). A CliProfile says how one CLI launches, what its hooks and transcript mean and how its screen looks;
// this class applies that to an instance: states from hooks, messages from the transcript (each once), approvals as
// typed permission questions answered with keys once the dialog is on the screen, delivery by paste + Enter, and
// Resume with the CLI's own resume command. See docs/codex.md and docs/gemini.md; the profile type: cli-profile.ts.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Message, Question, RespondBody } from '../../common/schema.js';
import { conflict, invalid } from '../errors.js';
import type { Driver, DriverHost, LaunchOptions, LaunchSpec } from '../instances/driver.js';
import type { NewMessage } from '../instances/store.js';
import { pasteText } from '../sessions/keys.js';
import { transcriptInside, type ApprovalRequest } from './agent-effects.js';
import { launchEnv, toOption, type CliProfile, type TranscriptEffects } from './cli-profile.js';
import { PromptEchoFilter } from './claude/hooks.js';
import { answerKeys } from './dialog.js';
import { JsonlTailer } from './jsonl-tailer.js';

export interface HookCliDeps {
  instanceId: string;
  /** AreYouJ's run dir (config.runDir): the instance's home and secret go under <runDir>/<kind>/<instanceId>/. */
  runDir: string;
  /** The pty host's hooks socket: hooks go there (the host checks the secret and relays them to the server). */
  hookSocket: string;
}

const PROMPT_WAIT_MS = 20_000;
const ECHO_WAIT_MS = 2000;
const DIALOG_WAIT_MS = 10_000;
const DIALOG_GONE_WAIT_MS = 1500;
const REPLY_WAIT_MS = 1500;
const RESUBMIT_TRIES = 3;
const SUBMIT_READY_WAIT_MS = 5000;
/** An interruption this soon after a dialog was answered in the terminal was that answer ("no"). */
const TERMINAL_ANSWER_MS = 5000;
/** Transcript entries older than the driver (a resumed session's history) never change the state. */
const STALE_ENTRY_MS = 5000;

interface ScreenWaiter {
  pred: (screen: string) => boolean;
  resolve: (ok: boolean) => void;
  timer: NodeJS.Timeout;
}
interface SessionFile {
  sessionId: string;
  transcriptPath: string | null;
}
/** What the driver keeps with the session in the pty host (re-adopted after a server restart). */
interface HookCliMeta {
  session: SessionFile | null;
  home: string;
  dir: string;
}

export class HookCliDriver implements Driver {
  readonly hookSecret = randomBytes(24).toString('base64url');
  private echo = new PromptEchoFilter();
  private host!: DriverHost;
  private home = '';
  private dir: string;
  private resumed = false;
  /** The CLI has been seen ready (or a hook moved the instance on from `starting`). */
  private ready = false;
  private session: SessionFile | null = null;
  /** A resumed session's transcript and its size at launch: the entries up to there are history. */
  private history: { file: string; end: number } | null = null;
  private tailer = new JsonlTailer({ pollMs: 500 });
  private mapEntry: (e: unknown) => TranscriptEffects;
  private stored = new Set<string>();
  private waiters = new Set<ScreenWaiter>();
  /** The screen as last read from the pty host (screen reads are asynchronous: the screen lives in the host). */
  private lastScreen = '';
  private refreshing = false;
  private refreshAgain = false;
  private readonly startedAt = Date.now();
  private disposed = false;
  // The approval dialog, while awaiting_input.
  private awaiting = false;
  private approval: { key: string; question: Question } | null = null;
  private approvalSeq = 0;
  private dialogSeenAt: number | null = null;
  private cancelledAtDialog = 0;
  private inputSinceDialog = false;
  private terminalAnswerAt: number | null = null;
  private responding = false;
  // The turn's final reply (from the hook), until the transcript has it.
  private hookSeq = 0;
  private replies: string[] = [];
  private completedTurns: string[] = [];
  private transcriptWaiters = new Set<{ check: () => boolean; resolve: () => void; timer: NodeJS.Timeout }>();

  constructor(
    readonly profile: CliProfile,
    private deps: HookCliDeps,
  ) {
    this.dir = path.join(deps.runDir, profile.kind, deps.instanceId);
    this.mapEntry = profile.transcript();
  }

  /** The CLI session this instance last ran (saved in its run dir), or null. */
  static savedSession(runDir: string, kind: string, instanceId: string): SessionFile | null {
    try {
      const s = JSON.parse(fs.readFileSync(path.join(runDir, kind, instanceId, 'session.json'), 'utf8'));
      return typeof s?.sessionId === 'string' && s.sessionId
        ? { sessionId: s.sessionId, transcriptPath: typeof s.transcriptPath === 'string' ? s.transcriptPath : null }
        : null;
    } catch {
      return null;
    }
  }

  /** The CLI's own session id, once a hook has told it (Resume continues it: manager.ts, agent_session_id). */
  get agentSessionId(): string | null {
    return this.session?.sessionId ?? null;
  }

  prepare(spec: LaunchSpec, opts: LaunchOptions = {}): LaunchSpec {
    if (opts.resume) {
      const saved = HookCliDriver.savedSession(this.deps.runDir, this.profile.kind, this.deps.instanceId);
      this.session = { sessionId: opts.resume, transcriptPath: saved?.sessionId === opts.resume ? saved.transcriptPath : null };
      this.resumed = true;
    }
    const l = this.profile.launch({
      instanceId: this.deps.instanceId,
      runDir: this.deps.runDir,
      hookSocket: this.deps.hookSocket,
      secret: this.hookSecret,
      userArgs: spec.args,
      env: spec.env,
      resumeSessionId: this.session?.sessionId ?? null,
    });
    this.home = l.home;
    this.dir = l.dir;
    return { command: spec.command, args: l.args, env: launchEnv(spec.env, l) };
  }

  meta(): Record<string, unknown> {
    const m: HookCliMeta = { session: this.session, home: this.home, dir: this.dir };
    return { hookCli: m };
  }

  /** The server restarted and the CLI still runs: its session and files as the last server left them. */
  adopt(meta: Record<string, unknown>): void {
    const m = (meta.hookCli ?? {}) as Partial<HookCliMeta>;
    const s = m.session;
    this.session = s && typeof s.sessionId === 'string' ? { sessionId: s.sessionId, transcriptPath: typeof s.transcriptPath === 'string' ? s.transcriptPath : null } : null;
    if (typeof m.home === 'string') this.home = m.home;
    if (typeof m.dir === 'string') this.dir = m.dir;
    this.ready = true;
  }

  start(host: DriverHost): void {
    this.host = host;
    this.tailer.on('entry', (e, end) => this.onTranscript(e, end));
    this.tailer.on('error', () => {
      /* unreadable for now: the poll retries */
    });
    if (this.session?.transcriptPath) {
      // Resumed: what the file holds now is the conversation so far (its prompts are stored already).
      try {
        this.history = { file: this.session.transcriptPath, end: fs.statSync(this.session.transcriptPath).size };
      } catch {
        /* gone */
      }
      this.follow(this.session.transcriptPath);
    }
    host.session.on('data', () => {
      if (this.ready && !this.awaiting && !this.waiters.size) return;
      this.refresh();
    });
    if (!this.ready) this.refresh();
    host.session.on('input', () => {
      if (this.dialogSeenAt !== null) this.inputSinceDialog = true;
    });
  }

  // ---------- hooks ----------
  /** Applies one hook body (already answered 204). Garbage is ignored. */
  hook(body: unknown): void {
    if (this.disposed || !this.host) return;
    const fx = this.profile.hook(body, this.host.status());
    if (!fx) return;
    if (fx.sessionId) this.remember(fx.sessionId, fx.transcriptPath);
    const seq = fx.status ? ++this.hookSeq : this.hookSeq; // a later state change cancels a deferred idle
    this.tailer.read(); // the transcript's entries of this turn go in before the state that follows them
    if (fx.approval) return this.onApproval(fx.approval, fx.reason);
    for (const m of fx.messages ?? []) this.store(m);
    if (fx.status === 'active') return this.setStatus('active', fx.reason);
    if (fx.status !== 'idle') return;
    if (fx.interrupted && this.closedInTerminal()) fx.reason = 'approval denied';
    // The end-of-turn hook comes a little before the transcript has the turn's reply (Gemini) or before the CLI has
    // closed the turn (Codex writes task_complete ~10-40 ms after Stop; a prompt typed before that joins the old turn):
    // the idle that lets the next queued message go waits for them, unless another hook moves things on meanwhile.
    const reply = fx.reply?.trim();
    const turnId = fx.turnId;
    const done = () => (!reply || this.hasReply(reply)) && (!turnId || this.completedTurns.includes(turnId));
    if (!this.tailer.path || done()) return this.setStatus('idle', fx.reason);
    void this.waitTranscript(done).then(() => {
      if (seq === this.hookSeq && !this.disposed) this.setStatus('idle', fx.reason);
    });
  }

  /** Keeps the CLI session id (for Resume) and follows its transcript when the path is inside the CLI's home. */
  private remember(sessionId: string, transcriptPath?: string) {
    const okPath = transcriptPath && transcriptInside(this.profile.transcriptDir(this.home), transcriptPath) ? transcriptPath : null;
    if (okPath) this.follow(okPath);
    const next: SessionFile = { sessionId, transcriptPath: okPath ?? this.session?.transcriptPath ?? null };
    if (this.session?.sessionId === next.sessionId && this.session.transcriptPath === next.transcriptPath) return;
    const changed = this.session?.sessionId !== next.sessionId;
    this.session = next;
    if (changed) this.host.setAgentSessionId(next.sessionId);
    try {
      fs.writeFileSync(path.join(this.dir, 'session.json'), JSON.stringify(next), { mode: 0o600 });
    } catch {
      /* dir gone */
    }
  }

  private follow(file: string) {
    if (this.tailer.path !== file) this.tailer.follow(file);
  }

  private hasReply(reply: string): boolean {
    return this.replies.some((t) => t === reply || reply.endsWith(t));
  }

  /** Resolves once check() holds after a transcript entry, or after REPLY_WAIT_MS (the transcript is late or silent). */
  private waitTranscript(check: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const w = {
        check,
        resolve,
        timer: setTimeout(() => {
          this.transcriptWaiters.delete(w);
          resolve();
        }, REPLY_WAIT_MS),
      };
      this.transcriptWaiters.add(w);
    });
  }

  private onApproval(a: ApprovalRequest, reason?: string) {
    // The hot path (hook → awaiting_input at the clients): the status first, nothing slow before it.
    this.approvalSeq++;
    this.dialogSeenAt = null;
    this.inputSinceDialog = false;
    this.awaiting = true;
    const question: Question = {
      type: 'permission',
      tool: a.tool,
      input: { command: a.command, summary: a.summary },
      options: a.options.map(toOption),
    };
    if (this.stored.has(a.externalKey)) return this.host.setStatus('awaiting_input', { reason });
    this.stored.add(a.externalKey);
    this.approval = { key: a.externalKey, question };
    this.host.setStatus('awaiting_input', {
      reason,
      question: {
        senderType: 'agent',
        kind: 'permission',
        requiresUserInput: true,
        content: `${this.profile.name} wants to run ${a.summary}`,
        externalKey: a.externalKey,
        question,
      },
    });
    this.refresh();
  }

  // ---------- transcript ----------
  private onTranscript(e: unknown, end: number) {
    if (this.disposed) return;
    const m = this.mapEntry(e);
    const history =
      (this.history !== null && this.tailer.path === this.history.file && end <= this.history.end) ||
      (m.at !== undefined && m.at < this.startedAt - STALE_ENTRY_MS);
    for (const msg of m.messages) {
      // A resumed session's old prompts were stored when they were sent (those sent through the API without the
      // transcript's key): the new driver's echo filter does not know them.
      if (!(history && msg.senderType === 'user')) this.store(msg);
      if (msg.senderType === 'user' && msg.kind === 'text') this.replies = [];
      if (msg.senderType === 'agent' && msg.kind === 'text') this.replies = [...this.replies.slice(-9), msg.content.trim()];
    }
    if (m.turnComplete) this.completedTurns = [...this.completedTurns.slice(-19), m.turnComplete];
    for (const w of [...this.transcriptWaiters]) {
      if (w.check()) {
        clearTimeout(w.timer);
        this.transcriptWaiters.delete(w);
        w.resolve();
      }
    }
    if (!m.interrupted || history) return;
    const status = this.host.status();
    if (status === 'active' || status === 'awaiting_input') {
      this.setStatus('idle', status === 'awaiting_input' || this.closedInTerminal() ? 'approval denied' : 'interrupted');
    }
  }

  /** Stores a message once (external key); user prompts typed on the API's behalf are not stored again. */
  private store(m: NewMessage): Message | null {
    const key = m.externalKey ?? null;
    if (key && this.stored.has(key)) return null;
    if (key) this.stored.add(key);
    if (m.senderType === 'user' && m.kind === 'text' && !this.echo.shouldStore(key, m.content)) return null;
    return this.host.addMessage(m);
  }

  private setStatus(status: 'idle' | 'active', reason?: string) {
    this.awaiting = false;
    this.dialogSeenAt = null;
    this.approval = null;
    this.host.setStatus(status, { reason });
  }

  // ---------- the screen ----------
  /** The screen as last read (refresh() and waitScreen() read it anew from the pty host). */
  private screen(): string {
    return this.lastScreen;
  }

  /** The screen's lines (read from the pty host, once everything received so far is parsed); '' while the host is away. */
  private async readScreen(): Promise<string> {
    try {
      return (await this.host.session.screen({ settle: true })).lines.join('\n');
    } catch {
      return '';
    }
  }

  /** Reads the screen and acts on it; output that arrives during a read triggers one more read after it. */
  private refresh() {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    void this.readScreen().then((screen) => {
      this.refreshing = false;
      this.lastScreen = screen;
      this.onScreen();
      if (this.refreshAgain) {
        this.refreshAgain = false;
        if (!this.disposed && (!this.ready || this.awaiting || this.waiters.size)) this.refresh();
      }
    });
  }

  private onScreen() {
    if (this.disposed) return;
    const screen = this.screen();
    for (const w of [...this.waiters]) {
      if (w.pred(screen)) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(true);
      }
    }
    // No hook says "ready" at launch (Codex fires SessionStart only with the first prompt): the input box does.
    if (!this.ready) {
      if (this.host.status() !== 'starting') this.ready = true;
      else if (this.profile.composerReady(screen, this.resumed)) {
        this.ready = true;
        this.resumed = false; // the conversation is back: later screens need not show it (e.g. after /clear)
        return this.setStatus('idle', 'ready');
      }
    }
    if (!this.awaiting) return;
    const dialog = this.profile.readDialog(screen);
    if (dialog && this.dialogSeenAt === null) {
      this.dialogSeenAt = Date.now();
      this.inputSinceDialog = false;
      this.cancelledAtDialog = this.profile.cancelledOnScreen?.(screen) ?? 0;
      const a = this.approval;
      if (a?.question.type === 'permission') {
        this.host.updateQuestion(a.key, { ...a.question, options: dialog.options.map(toOption), prompt: dialog.question });
      }
    } else if (!dialog && this.dialogSeenAt !== null && this.inputSinceDialog && !this.responding) {
      // Answered in the terminal: a "no" ends the turn (Codex: the Interrupt hook; Gemini: "Request cancelled." on the
      // screen and in the transcript, no hook); anything else runs the tool.
      if (this.host.status() !== 'awaiting_input') {
        this.awaiting = false;
        return;
      }
      this.terminalAnswerAt = Date.now();
      const cancelled = (this.profile.cancelledOnScreen?.(screen) ?? 0) > this.cancelledAtDialog;
      this.setStatus(cancelled ? 'idle' : 'active', cancelled ? 'approval denied' : 'answered in the terminal');
    }
  }

  /** An approval dialog was just closed by keys typed in the terminal: an interruption now is its "no". */
  private closedInTerminal(): boolean {
    return this.terminalAnswerAt !== null && Date.now() - this.terminalAnswerAt < TERMINAL_ANSWER_MS;
  }

  /** Resolves true once pred(screen) holds (on a fresh read now, and after each parsed output), false after timeoutMs. */
  private waitScreen(pred: (screen: string) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const w: ScreenWaiter = {
        pred,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.add(w);
      this.refresh();
    });
  }

  private delay(ms: number) {
    return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
  }

  // ---------- input ----------
  async deliver(text: string): Promise<void> {
    const session = this.host.session;
    // The input box is drawn before the CLI takes typing (and, resumed, before it has reloaded the conversation).
    if (await this.waitScreen((s) => this.profile.composerReady(s, this.resumed), PROMPT_WAIT_MS)) this.resumed = false;
    if (this.disposed) return;
    const [paste, enter] = pasteText(text, true);
    this.echo.sent(text);
    const first =
      text
        .split('\n')
        .find((l) => l.trim())
        ?.trim()
        .slice(0, 30) ?? '';
    if (this.profile.clearInput) session.write(this.profile.clearInput);
    session.write(paste);
    await this.waitScreen((s) => (first !== '' && s.includes(first)) || /\[Pasted/i.test(s), ECHO_WAIT_MS);
    const ready = this.profile.readyToSubmit;
    if (ready) await this.waitScreen((s) => ready(s, text), SUBMIT_READY_WAIT_MS);
    await this.delay(this.profile.enterGuardMs);
    if (this.disposed) return;
    session.write(enter);
    const r = this.profile.resubmit;
    if (!r) return;
    // Enter again while the text is still in the box (taken as a newline, or as the completion of a command): a
    // submitted prompt leaves the box, so an extra Enter never lands anywhere else.
    const still = (s: string) => {
      const t = r.inputText(s);
      return t !== null && t !== '' && t.trim() === text.trim();
    };
    for (let i = 0; i < RESUBMIT_TRIES && !this.disposed; i++) {
      if (await this.waitScreen((s) => !still(s), r.afterMs)) return;
      if (!this.disposed && still(this.screen())) session.write(enter);
    }
  }

  async respond(reply: RespondBody): Promise<boolean> {
    if ('answers' in reply || ('choice' in reply && reply.text !== undefined)) {
      throw invalid('choice_required', 'choice', 'an approval is answered with {choice} (or {cancel: true})');
    }
    // {cancel} is Esc in Claude Code's dialogs: here the dialog's own "no".
    const choice = 'cancel' in reply ? 'deny' : reply.choice;
    if (this.responding) throw conflict('answer_in_progress', 'another answer to this dialog is being typed');
    this.responding = true;
    try {
      const seq = this.approvalSeq;
      if (!(await this.waitScreen((s) => this.profile.readDialog(s) !== null, DIALOG_WAIT_MS))) {
        throw conflict('no_dialog', 'no approval dialog is on the screen');
      }
      this.onScreen(); // dialogSeenAt, the dialog's options
      const dialog = this.profile.readDialog(this.screen())!;
      const answer = answerKeys(choice, dialog.options);
      if (!answer) return false;
      await this.delay((this.dialogSeenAt ?? Date.now()) + this.profile.inputGuardMs - Date.now());
      for (let attempt = 0; attempt < 2 && !this.disposed; attempt++) {
        this.host.session.write(answer.keys);
        const gone = await this.waitScreen((s) => this.profile.readDialog(s) === null, DIALOG_GONE_WAIT_MS);
        if (this.approvalSeq !== seq) return true; // taken, and the next approval is already open
        if (gone) {
          // Unless a hook or the transcript moved it on meanwhile.
          if (this.host.status() === 'awaiting_input') {
            const deny = choice === 'deny' || answer.option?.choice === 'deny';
            this.setStatus(deny ? 'idle' : 'active', `answered ${choice}`);
          }
          return true;
        }
      }
      throw conflict('answer_not_taken', 'the approval dialog is still open after the answer was typed');
    } finally {
      this.responding = false;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    try {
      this.tailer.read();
    } catch {
      /* gone */
    }
    this.disposed = true;
    this.tailer.close();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.waiters.clear();
    for (const w of this.transcriptWaiters) {
      clearTimeout(w.timer);
      w.resolve();
    }
    this.transcriptWaiters.clear();
    // The secret must not outlive the process; the CLI's home stays for Resume (removed with the instance).
    fs.rmSync(path.join(this.dir, 'hook-headers'), { force: true });
  }
}
