// The driver for agents of kind `claude`: Claude Code's own hooks give its state, its transcript gives the
// conversation, and the permission dialog is answered with keys once it is on the screen. See docs/claude.md.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { findOption, type Message, type Question } from '../../../common/schema.js';
import { conflict } from '../../errors.js';
import type { Driver, DriverHost, LaunchSpec } from '../../instances/driver.js';
import type { NewMessage } from '../../instances/store.js';
import { pasteText } from '../../sessions/keys.js';
import { mapClaudeHook, parseClaudeHookPayload, PromptEchoFilter } from './hooks.js';
import { claudeTranscriptPath, prepareClaudeLaunch, type ClaudeLaunch } from './launch.js';
import { normalizeChoice, PERMISSION_INPUT_GUARD_MS, permissionKeys, readPermissionDialog, statusAfterAnswer, type PermissionDialog } from './respond.js';
import { TranscriptTailer, type TranscriptEntry, type TranscriptMapping } from './transcript.js';

export interface ClaudeDriverDeps {
  instanceId: string;
  /** AreYouJ's data dir (config.runDir): the per-instance settings and secret go under <dataDir>/claude/<id>/. */
  dataDir: string;
  /** The pty host's hooks socket: hooks go there (the host checks the secret and relays them to the server). */
  hookSocket: string;
  /** The instance's working directory (for the transcript path before the first hook). */
  projectPath: string;
}

/** How long the driver waits for things on the screen before giving up (not synchronisation: upper bounds). */
const PROMPT_WAIT_MS = 5000;
const ECHO_WAIT_MS = 1000;
const DIALOG_WAIT_MS = 10_000;
const DIALOG_GONE_WAIT_MS = 1500;
const REPLY_WAIT_MS = 1500;
/** Transcript entries older than the driver (a resumed session's history) never change the state. */
const STALE_ENTRY_MS = 5000;

interface ScreenWaiter { pred: (screen: string) => boolean; resolve: (ok: boolean) => void; timer: NodeJS.Timeout }

/** What the driver keeps with the session in the pty host (re-adopted after a server restart). */
interface ClaudeMeta { sessionId: string | null; transcript: string | null; dir: string | null }

export class ClaudeDriver implements Driver {
  readonly hookSecret = randomBytes(24).toString('base64url');
  readonly echo = new PromptEchoFilter();
  private launch: ClaudeLaunch | null = null;
  private env: Record<string, string> = {};
  /** The Claude session id (--session-id or --resume, then SessionStart's) and its transcript. */
  private sessionId: string | null = null;
  private transcript: string | null = null;
  private dir: string | null = null;
  /** Resumed (--resume): the transcript's history is in the database already; follow it from its end. */
  private resumed = false;
  private host!: DriverHost;
  private tailer = new TranscriptTailer({ pollMs: 500 });
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

  constructor(private deps: ClaudeDriverDeps) {}

  get agentSessionId(): string | null { return this.sessionId; }

  prepare(spec: LaunchSpec, opts: { resume?: string } = {}): LaunchSpec {
    this.env = spec.env;
    this.launch = prepareClaudeLaunch({
      instanceId: this.deps.instanceId, dataDir: this.deps.dataDir, hookSocket: this.deps.hookSocket, secret: this.hookSecret,
      userArgs: spec.args, env: spec.env, ...(opts.resume ? { resume: opts.resume } : {}),
    });
    this.resumed = !!opts.resume;
    this.sessionId = this.launch.sessionId;
    this.dir = this.launch.dir;
    this.transcript = this.sessionId ? claudeTranscriptPath({ cwd: this.deps.projectPath, sessionId: this.sessionId, env: this.env }) : null;
    return { command: spec.command, args: this.launch.args, env: { ...spec.env, ...this.launch.env } };
  }

  meta(): Record<string, unknown> {
    const m: ClaudeMeta = { sessionId: this.sessionId, transcript: this.transcript, dir: this.dir };
    return { claude: m };
  }

  /** The server restarted and Claude Code still runs: its session, transcript and files as the last server left them. */
  adopt(meta: Record<string, unknown>): void {
    const m = (meta.claude ?? {}) as Partial<ClaudeMeta>;
    this.sessionId = typeof m.sessionId === 'string' ? m.sessionId : null;
    this.transcript = typeof m.transcript === 'string' ? m.transcript : null;
    this.dir = typeof m.dir === 'string' ? m.dir : null;
  }

  /** The program is gone for good: its settings and hook secret go too. */
  ended(): void {
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  start(host: DriverHost): void {
    this.host = host;
    this.tailer.on('mapped', (m, e) => this.onTranscript(m, e));
    this.tailer.on('error', () => { /* unreadable for now: the poll retries */ });
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
      if (this.awaiting || this.waiters.size) this.refresh();
    });
    host.session.on('input', () => { if (this.dialogSeenAt !== null) this.inputSinceDialog = true; });
  }

  // ---------- hooks ----------
  /** Applies one hook body (already answered with 204). Garbage is ignored. */
  hook(body: unknown): void {
    const p = parseClaudeHookPayload(body);
    if (!p || this.disposed || !this.host) return;
    const status = this.host.status();
    const fx = mapClaudeHook(p, { status, transcript: this.tailer.path !== null });
    if (fx.transcriptPath && (p.hook_event_name === 'SessionStart' || this.tailer.path === null)) {
      this.tailer.follow(fx.transcriptPath);
      this.transcript = fx.transcriptPath;
    }
    if (p.hook_event_name === 'SessionStart' && p.session_id && p.session_id !== this.sessionId) {
      this.sessionId = p.session_id; // a new conversation (/clear): Resume continues this one
      this.host.setAgentSessionId(p.session_id);
    }
    const seq = fx.status ? ++this.hookSeq : this.hookSeq; // a later state change cancels a deferred idle
    this.tailer.read(); // the transcript's entries of this turn go in before the state that follows them (sub-ms)
    if (fx.status === 'awaiting_input') return this.onPermission(fx.messages?.[0], fx.reason);
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

  private onPermission(m: NewMessage | undefined, reason?: string) {
    // The hot path (PermissionRequest → awaiting_input at the clients): the status first, nothing slow before it.
    this.permissionSeq++;
    this.dialogSeenAt = null;
    this.inputSinceDialog = false;
    this.awaiting = true;
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
    if (this.disposed) return;
    for (const msg of m.messages) {
      this.store(msg);
      if (msg.senderType === 'user' && msg.kind === 'text') this.replies = [];
      if (msg.senderType !== 'agent' || msg.kind !== 'text') continue;
      this.replies = [...this.replies.slice(-9), msg.content.trim()];
      for (const w of [...this.replyWaiters]) {
        if (this.hasReply(w.reply)) { clearTimeout(w.timer); this.replyWaiters.delete(w); w.resolve(); }
      }
    }
    if (m.interrupted || m.denied) {
      const at = e.timestamp ? Date.parse(e.timestamp) : Date.now();
      const status = this.host.status();
      if (!(at < this.startedAt - STALE_ENTRY_MS) && (status === 'active' || status === 'awaiting_input')) {
        this.setStatus('idle', m.denied ? 'permission denied' : 'interrupted');
      }
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
      this.onScreen(screen);
      if (this.refreshAgain) {
        this.refreshAgain = false;
        if (!this.disposed && (this.awaiting || this.waiters.size)) this.refresh();
      }
    });
  }

  private onScreen(screen: string) {
    if (this.disposed) return;
    for (const w of [...this.waiters]) {
      if (w.pred(screen)) { clearTimeout(w.timer); this.waiters.delete(w); w.resolve(true); }
    }
    if (!this.awaiting) return;
    const dialog = readPermissionDialog(screen);
    if (dialog.visible && this.dialogSeenAt === null) {
      this.dialogSeenAt = Date.now();
      this.inputSinceDialog = false;
      const p = this.permission;
      if (p?.question.type === 'permission') {
        this.host.updateQuestion(p.key, { ...p.question, options: dialog.options, ...(dialog.question ? { prompt: dialog.question } : {}) });
      }
    } else if (!dialog.visible && this.dialogSeenAt !== null && this.inputSinceDialog && !this.responding) {
      // Answered in the terminal. A "No" is confirmed by the transcript's interrupt entry (→ idle) within ms.
      if (this.host.status() === 'awaiting_input') this.setStatus('active', 'answered in the terminal');
      else this.awaiting = false;
    }
  }

  /** Resolves true once pred(screen) holds (checked now and after each parsed output), false after timeoutMs. */
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
    // Claude draws its input box (❯) a little after SessionStart; a paste before it would be lost.
    await this.waitScreen((s) => /❯/.test(s) && !readPermissionDialog(s).visible, PROMPT_WAIT_MS);
    if (this.disposed) return;
    // Claude Code takes bracketed paste (multi-line text stays one prompt) whether or not the screen has shown DECSET 2004 yet.
    const [paste, enter] = pasteText(text, true);
    this.echo.sent(text);
    const first = text.split('\n').find((l) => l.trim())?.trim().slice(0, 30) ?? '';
    session.write(paste);
    // Enter as a separate write once the paste is shown (long pastes are shown as "[Pasted text #1 +N lines]").
    await this.waitScreen((s) => (first !== '' && s.includes(first)) || /\[Pasted text/.test(s), ECHO_WAIT_MS);
    if (!this.disposed) session.write(enter);
  }

  async respond(choice: string): Promise<boolean> {
    let c: ReturnType<typeof normalizeChoice>;
    try { c = normalizeChoice(choice); } catch { return false; }
    if (this.responding) throw conflict('answer_in_progress', 'another answer to this dialog is being typed');
    this.responding = true;
    try {
      const seq = this.permissionSeq;
      if (!(await this.waitScreen((s) => readPermissionDialog(s).visible, DIALOG_WAIT_MS))) {
        throw conflict('no_dialog', 'no permission dialog is on the screen');
      }
      const screen = await this.readScreen();
      this.onScreen(screen); // dialogSeenAt
      const dialog = readPermissionDialog(screen);
      const keys = keysFor(c, dialog);
      if (keys === null) return false;
      // Keys typed within ~100-200 ms of the dialog appearing are dropped by Claude Code.
      const wait = (this.dialogSeenAt ?? Date.now()) + PERMISSION_INPUT_GUARD_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (let attempt = 0; attempt < 2 && !this.disposed; attempt++) {
        this.host.session.write(keys);
        const gone = await this.waitScreen((s) => !readPermissionDialog(s).visible, DIALOG_GONE_WAIT_MS);
        if (this.permissionSeq !== seq) return true; // taken, and the next permission request is already open
        if (gone) {
          // Unless a hook or the transcript moved it on meanwhile; a deny's interrupt entry confirms idle.
          if (this.host.status() === 'awaiting_input') this.setStatus(statusAfterAnswer(c, dialog.options), `answered ${String(choice)}`);
          return true;
        }
      }
      throw conflict('answer_not_taken', 'the permission dialog is still open after the answer was typed');
    } finally { this.responding = false; }
  }

  dispose(): void {
    if (this.disposed) return;
    try { this.tailer.read(); } catch { /* gone */ }
    this.disposed = true;
    this.tailer.close();
    for (const w of this.waiters) { clearTimeout(w.timer); w.resolve(false); }
    this.waiters.clear();
    for (const w of this.replyWaiters) { clearTimeout(w.timer); w.resolve(); }
    this.replyWaiters.clear();
  }
}

/** The keys for a choice on this dialog; null when the dialog does not offer it. */
function keysFor(c: ReturnType<typeof normalizeChoice>, d: PermissionDialog): string | null {
  if (c === 'deny') return permissionKeys('deny'); // Esc = No, whatever the number of options
  if (typeof c === 'number') return d.options.some((o) => o.key === String(c)) ? permissionKeys(c) : null;
  return findOption(d.options, c)?.key ?? null;
}
