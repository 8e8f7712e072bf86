// The driver for agents of kind `claude`: Claude Code's own hooks give its state, its transcript gives the
// conversation; the permission dialog is answered with keys once it is on the screen, its own questions and plan
// feedback through the decision hook (dialogs.ts), plan approvals with the dialog's digit; an interrupt that leaves no
// trace but the screen is seen there (interrupt.ts). See docs/claude.md.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Message, Question, RespondBody } from '../../../common/schema.js';
import { conflict } from '../../errors.js';
import type { Driver, DriverHost, LaunchSpec } from '../../instances/driver.js';
import type { NewMessage } from '../../instances/store.js';
import { pasteText } from '../../sessions/keys.js';
import { Answerer } from './answering.js';
import { questionDialogVisible } from './ask.js';
import { alreadyAnswered, DialogTracker } from './dialogs.js';
import { mapClaudeHook, parseClaudeHookPayload, PromptEchoFilter, type ClaudeHookPayload } from './hooks.js';
import { InterruptWatch, isInterruptKey, readInputBox } from './interrupt.js';
import { planOptions, readPlanDialog } from './plan.js';
import { claudeProjectsDir, claudeTranscriptPath, prepareClaudeLaunch, type ClaudeLaunch } from './launch.js';
import { readPermissionDialog } from './respond.js';
import { TranscriptTailer, type TranscriptEntry, type TranscriptMapping } from './transcript.js';

export interface ClaudeDriverDeps {
  instanceId: string;
  /** AreYouJ's data dir (config.runDir): the per-instance settings and secret go under <dataDir>/claude/<id>/. */
  dataDir: string;
  /** The pty host's hooks socket: hooks go there (the host checks the secret and relays them to the server). */
  hookSocket: string;
  /** The instance's working directory (for the transcript path before the first hook). */
  projectPath: string;
  /** The task tools' MCP endpoint for this instance (written into its --mcp-config). */
  mcp?: () => { url: string; secret: string };
}

/** How long the driver waits for things on the screen before giving up (not synchronisation: upper bounds). */
const PROMPT_WAIT_MS = 5000;
const ECHO_WAIT_MS = 1000;
const REPLY_WAIT_MS = 3000; // Claude writes the reply ~ms after Stop; a loaded machine (load 20) was seen to need > 1.5 s
/** Transcript entries older than the driver (a resumed session's history) never change the state. */
const STALE_ENTRY_MS = 5000;

interface ScreenWaiter { pred: (screen: string) => boolean; resolve: (ok: boolean) => void; timer: NodeJS.Timeout }

/** What the driver keeps with the session in the pty host (re-adopted after a server restart). */
interface ClaudeMeta { sessionId: string | null; transcript: string | null; dir: string | null; projects: string | null }

export class ClaudeDriver implements Driver {
  readonly hookSecret = randomBytes(24).toString('base64url');
  readonly echo = new PromptEchoFilter();
  private launch: ClaudeLaunch | null = null;
  private env: Record<string, string> = {};
  /** The Claude session id (--session-id or --resume, then SessionStart's) and its transcript. */
  private sessionId: string | null = null;
  private transcript: string | null = null;
  private dir: string | null = null;
  /** The instance's own Claude config folder's projects dir: the only place transcripts are read from. */
  private projects: string | null = null;
  /** Resumed (--resume): the transcript's history is in the database already; follow it from its end. */
  private resumed = false;
  /** The screen as last read from the pty host (screen reads are asynchronous: the screen lives in the host). */
  private lastScreen = '';
  private host!: DriverHost;
  /** Follows transcripts inside the instance's own Claude config folder only (prepare() knows its environment). */
  private tailer = new TranscriptTailer({ pollMs: 500, root: claudeProjectsDir() });
  /** Hooks are applied one after the other, in arrival order (each waits for the transcript read before it). */
  private hooks: Promise<void> = Promise.resolve();
  private stored = new Set<string>();
  private waiters = new Set<ScreenWaiter>();
  private readonly startedAt = Date.now();
  private disposed = false;
  // The permission dialog, while the instance is awaiting_input.
  private awaiting = false;
  /** The open permission request's message (its external key and question), to add the dialog's options once drawn. */
  private permission: { key: string; question: Question } | null = null;
  private permissionSeq = 0;
  private dialogSeenAt: number | null = null;
  private inputSinceDialog = false;
  private responding = false;
  // The Stop hook's reply, until the transcript has it.
  private hookSeq = 0;
  private replies: string[] = [];
  private replyWaiters = new Set<{ reply: string; resolve: () => void; timer: NodeJS.Timeout }>();
  // Claude Code's own question / plan dialogs, and interrupts seen only on the screen.
  readonly dialogs = new DialogTracker();
  private watch = new InterruptWatch();
  /** What an interrupt put back into the input box (Claude restores the prompt when nothing was answered yet). */
  private restoredInput: string | null = null;
  private answerer = new Answerer({
    dialogs: this.dialogs,
    status: () => this.host.status(),
    setStatus: (st, reason) => this.setStatus(st, reason),
    screen: () => this.screen(),
    waitScreen: (pred, ms) => this.waitScreen(pred, ms),
    refresh: () => this.onScreen(),
    write: (keys) => this.host.session.write(keys),
    permissionSeq: () => this.permissionSeq,
    dialogSeenAt: () => this.dialogSeenAt,
    planOptions: () => { const q = this.permission?.question; return q?.type === 'plan' && q.options.length ? q.options : null; },
    disposed: () => this.disposed,
  });

  constructor(private deps: ClaudeDriverDeps) {}

  get agentSessionId(): string | null { return this.sessionId; }

  prepare(spec: LaunchSpec, opts: { resume?: string } = {}): LaunchSpec {
    this.env = spec.env;
    this.projects = claudeProjectsDir({ env: spec.env });
    this.tailer = new TranscriptTailer({ pollMs: 500, root: this.projects });
    this.launch = prepareClaudeLaunch({
      instanceId: this.deps.instanceId, dataDir: this.deps.dataDir, hookSocket: this.deps.hookSocket, secret: this.hookSecret,
      userArgs: spec.args, env: spec.env, mcp: this.deps.mcp?.(), ...(opts.resume ? { resume: opts.resume } : {}),
    });
    this.resumed = !!opts.resume;
    this.sessionId = this.launch.sessionId;
    this.dir = this.launch.dir;
    this.transcript = this.sessionId ? claudeTranscriptPath({ cwd: this.deps.projectPath, sessionId: this.sessionId, env: this.env }) : null;
    return { command: spec.command, args: this.launch.args, env: { ...spec.env, ...this.launch.env } };
  }

  meta(): Record<string, unknown> {
    const m: ClaudeMeta = { sessionId: this.sessionId, transcript: this.transcript, dir: this.dir, projects: this.projects };
    return { claude: m };
  }

  /** The server restarted and Claude Code still runs: its session, transcript and files as the last server left them. */
  adopt(meta: Record<string, unknown>): void {
    const m = (meta.claude ?? {}) as Partial<ClaudeMeta>;
    this.sessionId = typeof m.sessionId === 'string' ? m.sessionId : null;
    this.transcript = typeof m.transcript === 'string' ? m.transcript : null;
    this.dir = typeof m.dir === 'string' ? m.dir : null;
    this.projects = typeof m.projects === 'string' ? m.projects : claudeProjectsDir();
    this.tailer = new TranscriptTailer({ pollMs: 500, root: this.projects });
  }

  /** The program is gone for good: its settings and hook secret go too. */
  ended(): void {
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  start(host: DriverHost): void {
    this.host = host;
    this.tailer.on('mapped', (m, e) => this.onTranscript(m, e));
    this.tailer.on('error', () => { /* unreadable for now: the poll retries */ });
    this.tailer.on('note', (text, key) => this.store({ senderType: 'agent', kind: 'system', content: text, externalKey: `transcript-note:${key.slice(0, 200)}` }));
    if (host.adopted) {
      // What the last server typed is in the transcript too: not stored twice. Entries already stored are skipped by key.
      for (const m of host.sentUserMessages()) this.echo.sent(m.content);
      const q = host.openQuestion();
      if (host.status() === 'awaiting_input' && q?.message.question?.type === 'permission' && q.externalKey) {
        this.awaiting = true;
        this.permission = { key: q.externalKey, question: q.message.question };
        this.stored.add(q.externalKey);
        this.refresh();
      }
    }
    // A resumed conversation's history is stored already: only what it writes from now on.
    if (this.transcript) this.tailer.follow(this.transcript, { fromEnd: this.resumed });
    host.session.on('data', () => {
      if (!this.awaiting && !this.waiters.size && !this.watch.armed) return;
      this.refresh();
    });
    host.session.on('input', (data: string | Buffer) => {
      if (this.dialogSeenAt !== null) this.inputSinceDialog = true;
      // Esc / Ctrl-C while Claude works: if nothing was streamed yet, no hook and no transcript entry will say the turn
      // ended; the screen will (InterruptWatch).
      if (isInterruptKey(String(data)) && this.host.status() === 'active') this.watch.arm();
    });
  }

  // ---------- hooks ----------
  /** Applies one hook body (already answered with 204), after the ones before it. Garbage is ignored. */
  hook(body: unknown): void {
    const p = parseClaudeHookPayload(body);
    if (!p || this.disposed || !this.host) return;
    this.hooks = this.hooks.then(() => this.applyHook(p)).catch((e) => {
      process.stderr.write(`[areyouj] claude hook for ${this.deps.instanceId} failed: ${(e as Error).stack ?? e}\n`);
    });
  }

  private async applyHook(p: ClaudeHookPayload): Promise<void> {
    if (this.disposed) return;
    const status = this.host.status();
    if (p.hook_event_name === 'PreToolUse') this.dialogs.preToolUse(p);
    const fx = mapClaudeHook(p, { status, transcript: this.tailer.path !== null, toolUseId: this.dialogs.toolUseIdFor(p) });
    if (fx.transcriptPath && (p.hook_event_name === 'SessionStart' || this.tailer.path === null)) {
      if (this.tailer.follow(fx.transcriptPath)) this.transcript = fx.transcriptPath;
    }
    if (p.hook_event_name === 'SessionStart' && p.session_id && p.session_id !== this.sessionId) {
      this.sessionId = p.session_id; // a new conversation (/clear): Resume continues this one
      this.host.setAgentSessionId(p.session_id);
    }
    const seq = fx.status ? ++this.hookSeq : this.hookSeq; // a later state change cancels a deferred idle
    await this.tailer.read(); // the transcript's entries of this turn go in before the state that follows them (~1 ms)
    if (this.disposed) return;
    if (fx.status) this.watch.disarm();
    if (p.hook_event_name === 'PostToolUse') this.dialogs.postToolUse(p);
    if (/^(Stop|UserPromptSubmit|SessionStart)$/.test(p.hook_event_name)) this.dialogs.turnOver();
    if (fx.status === 'awaiting_input') return this.onPermission(fx.messages?.[0], fx.reason, p);
    for (const m of fx.messages ?? []) this.store(m);
    if (fx.notify) this.host.notify(fx.notify.kind, fx.notify.body);
    if (fx.status === 'active') this.setStatus('active', fx.reason);
    if (fx.status !== 'idle') return;
    // Claude Code writes the turn's last reply to the transcript just after the Stop hook: store it before the idle
    // that delivers the next queued message, unless another hook moves things on meanwhile.
    const reply = p.hook_event_name === 'Stop' ? p.last_assistant_message?.trim() : undefined;
    if (!reply || !this.tailer.path || this.hasReply(reply)) return this.setStatus('idle', fx.reason);
    void this.waitReply(reply).then(() => { if (seq === this.hookSeq && !this.disposed) this.setStatus('idle', fx.reason); });
  }

  private hasReply(reply: string): boolean {
    return this.replies.some((t) => t === reply || reply.endsWith(t));
  }

  private waitReply(reply: string): Promise<void> {
    return new Promise((resolve) => {
      const w = { reply, resolve, timer: setTimeout(() => { this.replyWaiters.delete(w); resolve(); }, REPLY_WAIT_MS) };
      this.replyWaiters.add(w);
    });
  }

  private onPermission(m: NewMessage | undefined, reason: string | undefined, p: Parameters<typeof mapClaudeHook>[0]) {
    // The hot path (PermissionRequest → awaiting_input at the clients): the status first, nothing slow before it.
    this.permissionSeq++;
    this.dialogSeenAt = null;
    this.inputSinceDialog = false;
    this.awaiting = true;
    const type = m?.question?.type;
    if (m?.externalKey && (type === 'choices' || type === 'plan')) this.dialogs.opened(p, m.externalKey, type);
    else if (p.hook_event_name === 'PermissionRequest') this.dialogs.close();
    if (!m?.externalKey || !m.question || this.stored.has(m.externalKey)) {
      this.host.setStatus('awaiting_input', { reason });
    } else {
      this.stored.add(m.externalKey);
      this.permission = { key: m.externalKey, question: m.question };
      this.host.setStatus('awaiting_input', { reason, question: m });
    }
    this.refresh();
  }

  // ---------- transcript ----------
  private onTranscript(m: TranscriptMapping, e: TranscriptEntry) {
    if (this.disposed) { // the last entries, read after the exit: their messages, never a state
      for (const msg of m.messages) { try { this.store(msg); } catch { /* the instance was deleted */ } }
      return;
    }
    for (const msg of m.messages) {
      this.store(msg);
      if (msg.senderType === 'user' && msg.kind === 'text') this.replies = [];
      if (msg.senderType !== 'agent' || msg.kind !== 'text') continue;
      this.replies = [...this.replies.slice(-9), msg.content.trim()];
      for (const w of [...this.replyWaiters]) {
        if (this.hasReply(w.reply)) { clearTimeout(w.timer); this.replyWaiters.delete(w); w.resolve(); }
      }
    }
    const fresh = !(e.timestamp && Date.parse(e.timestamp) < this.startedAt - STALE_ENTRY_MS);
    if (m.toolResult && fresh) {
      this.dialogs.toolResult(m.toolResult, !!m.denied);
      // "Chat about this", plan feedback: the dialog is answered and the turn goes on (no hook until the next tool or Stop).
      const d = this.dialogs.open;
      if (d?.outcome?.kind === 'rejected' && d.toolUseId === m.toolResult.toolUseId && this.host.status() === 'awaiting_input') {
        this.setStatus('active', 'dialog answered');
      }
    }
    // A denial is followed by the interrupt entry within ms: that one ends the turn.
    if (m.interrupted && fresh) {
      this.watch.disarm();
      this.dialogs.interrupted();
      const status = this.host.status();
      if (status === 'active' || status === 'awaiting_input') this.setStatus('idle', 'interrupted');
    }
  }

  /** Stores a message once (external key); user prompts typed on the API's behalf are not stored again. */
  private store(m: NewMessage): Message | null {
    const key = m.externalKey ?? null;
    if (key && this.stored.has(key)) return null;
    if (key) this.stored.add(key);
    if (m.senderType === 'user' && !this.echo.shouldStore(key, m.content)) return null;
    return this.host.addMessage(m);
  }

  private setStatus(status: 'idle' | 'active', reason?: string) {
    this.awaiting = false;
    this.dialogSeenAt = null;
    this.permission = null;
    this.host.setStatus(status, { reason });
  }

  // ---------- the screen ----------
  /** The screen as last read (refresh() and waitScreen() read it anew from the pty host). */
  private screen(): string { return this.lastScreen; }

  /** The screen's lines (read from the pty host, once everything received so far is parsed); '' while the host is away. */
  private async readScreen(settle = true): Promise<string> {
    try { return (await this.host.session.screen({ settle })).lines.join('\n'); } catch { return ''; }
  }

  private refreshing = false;
  private refreshAgain = false;
  /** Reads the screen and acts on it; output that arrives during a read triggers one more read after it. */
  private refresh() {
    if (this.refreshing) { this.refreshAgain = true; return; }
    this.refreshing = true;
    void this.readScreen().then((screen) => {
      this.refreshing = false;
      this.lastScreen = screen;
      this.onScreen();
      if (this.refreshAgain) {
        this.refreshAgain = false;
        if (!this.disposed && (this.awaiting || this.waiters.size || this.watch.armed)) this.refresh();
      }
    });
  }

  /** The open dialog is on the screen (the permission dialog, or Claude's question or plan dialog). */
  private dialogVisible(screen: string): boolean {
    const type = this.dialogs.open?.type;
    if (type === 'choices') return questionDialogVisible(screen);
    if (type === 'plan') return readPlanDialog(screen).visible;
    return readPermissionDialog(screen).visible;
  }

  private onScreen() {
    if (this.disposed) return;
    const screen = this.screen();
    for (const w of [...this.waiters]) {
      if (w.pred(screen)) { clearTimeout(w.timer); this.waiters.delete(w); w.resolve(true); }
    }
    if (this.watch.armed) {
      const restored = this.host.status() === 'active' ? this.watch.check(screen) : (this.watch.disarm(), null);
      if (restored !== null) {
        this.restoredInput = restored || null;
        this.setStatus('idle', 'interrupted');
        return;
      }
    }
    if (!this.awaiting) return;
    const visible = this.dialogVisible(screen);
    if (visible && this.dialogSeenAt === null) {
      this.dialogSeenAt = Date.now();
      this.inputSinceDialog = false;
      const p = this.permission;
      if (p?.question.type === 'permission') {
        const dialog = readPermissionDialog(screen);
        this.host.updateQuestion(p.key, { ...p.question, options: dialog.options, ...(dialog.question ? { prompt: dialog.question } : {}) });
      } else if (p?.question.type === 'plan') {
        const q = { ...p.question, options: planOptions(readPlanDialog(screen)) };
        this.permission = { key: p.key, question: q };
        this.host.updateQuestion(p.key, q);
      }
    } else if (!visible && this.dialogSeenAt !== null && this.inputSinceDialog && !this.responding) {
      // Answered in the terminal. A "No" is confirmed by the transcript's interrupt entry (→ idle) within ms.
      if (this.host.status() === 'awaiting_input') this.setStatus('active', 'answered in the terminal');
      else this.awaiting = false;
    }
  }

  /** Resolves true once pred(screen) holds (on a fresh read now, and after each parsed output), false after timeoutMs. */
  private waitScreen(pred: (screen: string) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const w: ScreenWaiter = { pred, resolve, timer: setTimeout(() => { this.waiters.delete(w); resolve(false); }, timeoutMs) };
      this.waiters.add(w);
      this.refresh();
    });
  }

  // ---------- input ----------
  async deliver(text: string): Promise<void> {
    const session = this.host.session;
    // Claude draws its input box (❯) a little after SessionStart; a paste before it would be lost, and a paste into an
    // open question dialog would become its typed answer.
    await this.waitScreen((s) => readInputBox(s) !== null && !readPermissionDialog(s).visible && !questionDialogVisible(s)
      && !readPlanDialog(s).visible, PROMPT_WAIT_MS);
    if (this.disposed) return;
    // An interrupt before any output put the prompt back into the input box: clear it (Ctrl-U, one line at a time;
    // Claude offers ctrl+y to paste it back), or the message would be appended to it.
    const restored = this.restoredInput;
    this.restoredInput = null;
    if (restored && readInputBox(this.screen()) === restored) {
      for (let i = 0; i < 20 && !this.disposed; i++) {
        const before = readInputBox(this.screen());
        if (!before) break;
        session.write('\x15');
        if (!(await this.waitScreen((s) => readInputBox(s) !== before, ECHO_WAIT_MS))) break;
      }
    }
    // Claude Code takes bracketed paste (multi-line text stays one prompt) whether or not the screen has shown DECSET 2004 yet.
    const [paste, enter] = pasteText(text, true);
    this.echo.sent(text);
    const first = text.split('\n').find((l) => l.trim())?.trim().slice(0, 30) ?? '';
    session.write(paste);
    // Enter as a separate write once the paste is shown (long pastes are shown as "[Pasted text #1 +N lines]").
    await this.waitScreen((s) => (first !== '' && s.includes(first)) || /\[Pasted text/.test(s), ECHO_WAIT_MS);
    if (!this.disposed) session.write(enter);
  }

  /** Answers the open dialog: a permission or plan option by key, Claude's questions or plan feedback through the hook. */
  async respond(reply: RespondBody): Promise<boolean> {
    if (this.responding) throw conflict('answer_in_progress', 'another answer to this dialog is being sent');
    this.responding = true;
    try { return await this.answerer.respond(reply); } finally { this.responding = false; }
  }

  /** How the last question or plan dialog ended, when it has (for the 409 of an answer that comes too late). */
  answeredNote(): string | null {
    const d = this.dialogs.last;
    return d?.outcome ? alreadyAnswered(d) : null;
  }

  /** The decision hook's long poll (POST /hooks/<id>/decision on the pty host's socket, relayed): the hook's output, or null for none. */
  decision(body: unknown, signal?: AbortSignal): Promise<object | null> {
    const p = parseClaudeHookPayload(body);
    if (!p || this.disposed) return Promise.resolve(null);
    return this.dialogs.decision(p, signal);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const tailer = this.tailer; // what the program wrote last still goes in, then the tailer stops
    void tailer.read().finally(() => tailer.close());
    this.dialogs.dispose();
    for (const w of this.waiters) { clearTimeout(w.timer); w.resolve(false); }
    this.waiters.clear();
    for (const w of this.replyWaiters) { clearTimeout(w.timer); w.resolve(); }
    this.replyWaiters.clear();
  }
}
