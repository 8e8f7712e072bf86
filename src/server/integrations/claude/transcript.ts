// Follows a Claude Code transcript (JSONL, appended by Claude) and maps its entries to messages, each once:
// user prompts (key prompt:<promptId>, the same key the UserPromptSubmit hook uses), assistant text (key uuid),
// tool calls summarised in one line (key uuid[:i]). It also reports a turn interrupted by a denied permission,
// which fires no Stop hook. Entry shapes (Claude Code 2.1.330) are in docs/claude.md.
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { NewMessage } from '../../instances/store.js';
import { TRANSCRIPT_MAX_LINE_BYTES } from '../../limits.js';
import { summarizeAnswers, takenAnswers } from './ask.js';
import { promptKey, summarizeToolUse } from './hooks.js';

/** AreYouJ's plan feedback through the hook is worded as the dialog's own (plan.ts planFeedbackMessage). */
const PLAN_FEEDBACK = /^The user doesn't want to proceed with this tool use\. .*? To tell you how to proceed, the user said:\n([\s\S]*)$/;

export interface TranscriptEntry {
  type?: string;
  uuid?: string;
  parentUuid?: string | null;
  promptId?: string;
  isMeta?: boolean;
  isSidechain?: boolean;
  sessionId?: string;
  timestamp?: string;
  toolUseResult?: unknown;
  toolDenialKind?: string;
  message?: { role?: string; content?: unknown; model?: string };
  [k: string]: unknown;
}

export interface TranscriptMapping {
  messages: NewMessage[];
  /** The turn was interrupted (permission denied, Esc/Ctrl-C): Claude is back at its prompt without a Stop hook. */
  interrupted?: boolean;
  /** A tool use the user rejected in its dialog before it ran (the interrupt entry follows). */
  denied?: { toolUseId: string | null };
  /** A tool call's outcome, as the model receives it (the driver settles the dialog of that call). */
  toolResult?: { toolUseId: string; isError: boolean; answers?: Record<string, string> };
}

/** The names of recent tool calls by id, from the assistant entries already read (the results only carry the id). */
export type ToolNames = (toolUseId: string) => string | undefined;

const INTERRUPT = /^\[Request interrupted by user/;
const textBlocks = (content: unknown): string[] =>
  typeof content === 'string' ? [content]
    : Array.isArray(content) ? content.filter((b: any) => b?.type === 'text' && typeof b.text === 'string').map((b: any) => b.text) : [];

/** `<command-name>/clear</command-name> <command-args>x</command-args>` → `/clear x`; null for other text. */
function slashCommand(text: string): string | null {
  const name = /<command-name>([^<]*)<\/command-name>/.exec(text)?.[1];
  if (!name) return null;
  const args = /<command-args>([^<]*)<\/command-args>/.exec(text)?.[1]?.trim();
  return args ? `${name} ${args}` : name;
}

const firstLine = (s: string) => (s.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 300);
const resultText = (c: unknown) => (typeof c === 'string' ? c : textBlocks(c).join('\n'));

/** A tool_result entry: what the user decided in a dialog (denied, feedback, answers, plan approved), else nothing. */
function mapToolResult(e: TranscriptEntry, r: any, toolNames: ToolNames, out: TranscriptMapping): TranscriptMapping {
  const toolUseId = typeof r.tool_use_id === 'string' ? r.tool_use_id : null;
  const tool = toolUseId ? toolNames(toolUseId) : undefined;
  const isError = !!r.is_error;
  const answers = !isError ? takenAnswers(e.toolUseResult) : null;
  if (toolUseId) out.toolResult = { toolUseId, isError, ...(answers ? { answers } : {}) };
  const meta = { toolUseId, ...(tool ? { toolName: tool } : {}) };
  const note = (senderType: 'user' | 'agent', content: string, extra: Record<string, unknown> = {}) =>
    out.messages.push({ senderType, kind: 'system', content, externalKey: e.uuid, metadata: { ...meta, ...extra } });
  if (answers) note('user', `Answered: ${summarizeAnswers(answers)}`, { answers });
  else if (!isError && tool === 'ExitPlanMode') note('user', 'Plan approved');
  else if (isError && typeof e.userFeedback === 'string') {
    note('user', tool === 'AskUserQuestion' ? 'Chose to chat about the questions' : `Feedback: ${e.userFeedback.trim().slice(0, 2000)}`,
      { denial: String(e.toolDenialKind ?? 'user-rejected') });
  } else if (isError && e.toolDenialKind === 'user-rejected' && e.toolDenialBeforeRun) {
    out.denied = { toolUseId };
    note('agent', tool === 'AskUserQuestion' ? 'Declined to answer Claude\'s questions' : tool === 'ExitPlanMode' ? 'Plan rejected'
      : 'Permission denied: the tool call was not run', { denial: 'user-rejected' });
  } else if (isError && e.toolDenialKind === 'permission-rule') {
    // A PermissionRequest hook's deny: AreYouJ's plan feedback is worded as the dialog's, else say what the hook said.
    const text = resultText(r.content);
    const fb = PLAN_FEEDBACK.exec(text);
    if (fb) note('user', `Feedback: ${fb[1].trim().slice(0, 2000)}`, { denial: 'permission-rule' });
    else note('agent', `Denied by a hook: ${firstLine(text)}`, { denial: 'permission-rule' });
  }
  return out; // other tool output: summarised by its tool_use line
}

export function mapTranscriptEntry(e: TranscriptEntry, toolNames: ToolNames = () => undefined): TranscriptMapping {
  const out: TranscriptMapping = { messages: [] };
  if (!e || !e.uuid || e.isSidechain) return out;
  const content = e.message?.content;
  if (e.type === 'user') {
    const blocks = Array.isArray(content) ? content : [];
    const result = blocks.find((b: any) => b?.type === 'tool_result');
    if (result) return mapToolResult(e, result, toolNames, out);
    const text = textBlocks(content).join('\n').trim();
    if (!text) return out;
    if (INTERRUPT.test(text)) {
      out.interrupted = true;
      out.messages.push({ senderType: 'agent', kind: 'system', content: 'Interrupted', externalKey: e.uuid });
      return out;
    }
    if (e.isMeta || /^<(local-command-|system-reminder|bash-stdout|bash-stderr)/.test(text)) return out;
    const cmd = slashCommand(text);
    if (cmd) {
      out.messages.push({ senderType: 'user', kind: 'system', content: cmd, externalKey: e.uuid, metadata: { command: true } });
      return out;
    }
    out.messages.push({ senderType: 'user', kind: 'text', content: text, externalKey: e.promptId ? promptKey(e.promptId) : e.uuid,
      metadata: { source: 'transcript' } });
    return out;
  }
  if (e.type === 'assistant' && Array.isArray(content)) {
    const many = content.length > 1;
    content.forEach((b: any, i: number) => {
      const key = many ? `${e.uuid}:${i}` : e.uuid!;
      if (b?.type === 'text' && typeof b.text === 'string' && b.text.trim()) {
        out.messages.push({ senderType: 'agent', kind: 'text', content: b.text, externalKey: key });
      } else if (b?.type === 'tool_use') {
        out.messages.push({ senderType: 'agent', kind: 'tool', content: summarizeToolUse(String(b.name), b.input), externalKey: key,
          metadata: { toolName: b.name, toolUseId: b.id ?? null } });
      }
    });
  }
  return out;
}

/**
 * Splits appended bytes into complete lines, keeping a trailing partial line (and split UTF-8) for the next chunk. A
 * line longer than `maxLine` bytes is skipped (its bytes are dropped as they come, never held) and reported once.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(private readonly maxLine = TRANSCRIPT_MAX_LINE_BYTES, private readonly onSkip: (atLeast: number) => void = () => {}) {}

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, i);
      if (!this.skipping && this.size + piece.length <= this.maxLine) {
        lines.push((this.size ? Buffer.concat([...this.parts, piece]) : piece).toString('utf8'));
      } else if (!this.skipping) this.onSkip(this.size + piece.length);
      this.parts = [];
      this.size = 0;
      this.skipping = false;
      start = i + 1;
    }
    const rest = chunk.subarray(start);
    if (this.skipping || !rest.length) return lines;
    if (this.size + rest.length > this.maxLine) {
      this.onSkip(this.size + rest.length);
      this.skipping = true;
      this.parts = [];
      this.size = 0;
    } else {
      this.parts.push(Buffer.from(rest)); // a copy: the caller reuses its buffer
      this.size += rest.length;
    }
    return lines;
  }
}

export interface TranscriptTailerEvents {
  entry: [TranscriptEntry];
  mapped: [TranscriptMapping, TranscriptEntry];
  /** Something the user should know about the transcript (a line skipped, a path refused), once per occurrence. */
  note: [string, string]; // [text, a key unique to the occurrence]
  error: [Error];
}

/** How much is read at a time: a slice, then the event loop runs again (other requests, other instances). */
const SLICE_BYTES = 256 * 1024;
const MAX_NOTES = 100;

/**
 * Tails one transcript file at a time (switch with follow() when /clear starts a new session). Emits 'mapped' for
 * every entry (messages may be empty), in file order, each line once. Watches the file, or its directory until the
 * file exists; a slow poll (pollMs) backs fs.watch up on filesystems where it misses events.
 *
 * The path comes from the agent's hooks, so it is untrusted: with `root` (the instance's own `<config dir>/projects`),
 * only files inside it are followed (symbolic links may not lead out); only regular files are read (a FIFO or a device
 * is refused before it is opened); reads are asynchronous, in slices; a line above the cap is skipped with a note.
 */
export class TranscriptTailer extends EventEmitter<TranscriptTailerEvents> {
  private file: string | null = null;
  private offset = 0;
  private splitter: LineSplitter;
  private watcher: fs.FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private closed = false;
  private noted = new Set<string>();
  private readonly root: string | null;
  /** Recent tool calls' names by id (bounded): tool results only carry the id. */
  private toolNames = new Map<string, string>();

  constructor(private opts: { pollMs?: number; root?: string; maxLine?: number } = {}) {
    super();
    this.root = opts.root ? path.resolve(opts.root) : null;
    this.splitter = this.newSplitter();
  }

  get path(): string | null { return this.file; }

  private newSplitter() {
    return new LineSplitter(this.opts.maxLine ?? TRANSCRIPT_MAX_LINE_BYTES, (n) => {
      const mb = (n / 1048576).toFixed(1);
      this.note(`A transcript entry of more than ${mb} MB was skipped (the cap is ${((this.opts.maxLine ?? TRANSCRIPT_MAX_LINE_BYTES) / 1048576).toFixed(0)} MB per line): it is not mirrored in this history.`,
        `skip:${this.file}:${this.offset}`);
    });
  }

  private note(text: string, key: string) {
    if (this.noted.has(key) || this.noted.size >= MAX_NOTES) return;
    this.noted.add(key);
    this.emit('note', text, key);
  }

  /** Whether `file` may be followed: inside the root (lexically; the real path is checked at each open). */
  private allowed(file: string): boolean {
    if (!path.isAbsolute(file) || file.includes('\0')) return false;
    if (!this.root) return true;
    let real = this.root;
    try { real = fs.realpathSync(this.root); } catch { /* not there yet */ }
    return [this.root, real].some((root) => {
      const rel = path.relative(root, path.resolve(file));
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    });
  }

  /**
   * Starts following `file` from its beginning (entries already stored are skipped by their external keys), or with
   * fromEnd from its current end (a resumed conversation: its history is stored already); false when the path is refused.
   */
  follow(file: string, opts: { fromEnd?: boolean } = {}): boolean {
    if (this.closed || file === this.file) return !this.closed;
    if (!this.allowed(file)) {
      this.note(`Claude Code reported a transcript outside its own config folder (${JSON.stringify(file.slice(0, 300))}): it is not read.`, `refused:${file.slice(0, 300)}`);
      return false;
    }
    this.unwatch();
    this.file = file;
    this.offset = 0;
    if (opts.fromEnd) { try { this.offset = fs.statSync(file).size; } catch { /* not there yet: from its start */ } }
    this.splitter = this.newSplitter();
    this.watch();
    this.poll = setInterval(() => void this.read(), this.opts.pollMs ?? 1000);
    this.poll.unref();
    void this.read();
    return true;
  }

  private watch(): void {
    const file = this.file!;
    try {
      this.watcher = fs.watch(file, () => void this.read());
    } catch {
      try { // not there yet: watch the directory for it
        this.watcher = fs.watch(path.dirname(file), (_ev, name) => {
          if (name && String(name) !== path.basename(file)) return;
          if (fs.existsSync(file) && this.file === file) { this.watcher?.close(); this.watch(); void this.read(); }
        });
      } catch { this.watcher = null; /* no directory yet: the poll finds the file */ }
    }
    this.watcher?.on('error', () => { this.watcher?.close(); this.watcher = null; });
  }

  /**
   * Reads whatever was appended since the last read; safe to call any time. Resolves once what was in the file when
   * it was called has been emitted. Calls made while a read runs share one more read after it.
   */
  read(): Promise<void> {
    if (this.next) return this.next;
    const start = (): Promise<void> => {
      const p: Promise<void> = this.readOnce()
        .catch((err) => { if (this.listenerCount('error')) this.emit('error', err as Error); })
        .finally(() => { if (this.current === p) this.current = null; });
      this.current = p;
      return p;
    };
    if (!this.current) return start();
    const next = this.current.then(() => { this.next = null; return start(); });
    this.next = next;
    return next;
  }

  /** The file as a regular file inside the root (real path), opened without following a final symlink; null otherwise. */
  private async open(file: string): Promise<fs.promises.FileHandle | null> {
    let st: fs.Stats;
    try { st = await fs.promises.lstat(file); } catch { return null; } // not there (yet)
    if (!st.isFile()) {
      this.note(`The transcript path ${JSON.stringify(file.slice(0, 300))} is not a regular file: it is not read.`, `type:${file}`);
      return null;
    }
    if (this.root) {
      let dir: string, root: string;
      try { [dir, root] = await Promise.all([fs.promises.realpath(path.dirname(file)), fs.promises.realpath(this.root)]); } catch { return null; }
      const rel = path.relative(root, dir);
      if (rel.startsWith('..') || path.isAbsolute(rel)) {
        this.note(`The transcript path ${JSON.stringify(file.slice(0, 300))} leads outside Claude Code's config folder: it is not read.`, `escape:${file}`);
        return null;
      }
    }
    const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = fs.constants;
    let fh: fs.promises.FileHandle;
    try { fh = await fs.promises.open(file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW); } catch { return null; }
    if (!(await fh.stat()).isFile()) { await fh.close(); return null; } // swapped after the lstat
    return fh;
  }

  private async readOnce(): Promise<void> {
    const file = this.file;
    if (!file || this.closed) return;
    if (!this.watcher && fs.existsSync(file)) this.watch();
    const fh = await this.open(file);
    if (!fh) return;
    try {
      const size = (await fh.stat()).size;
      if (size < this.offset) { this.offset = 0; this.splitter = this.newSplitter(); } // truncated/replaced
      const buf = Buffer.allocUnsafe(SLICE_BYTES);
      while (this.offset < size && this.file === file && !this.closed) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - this.offset), this.offset);
        if (bytesRead <= 0 || this.file !== file) break;
        this.offset += bytesRead;
        for (const line of this.splitter.push(buf.subarray(0, bytesRead))) this.line(line);
      }
    } finally { await fh.close(); }
  }

  private line(line: string): void {
    if (!line.trim()) return;
    let e: TranscriptEntry;
    try { e = JSON.parse(line); } catch { return; }
    if (e?.type === 'assistant' && Array.isArray(e.message?.content)) {
      for (const b of e.message.content as any[]) {
        if (b?.type === 'tool_use' && typeof b.id === 'string') this.toolNames.set(b.id, String(b.name));
      }
      while (this.toolNames.size > 64) this.toolNames.delete(this.toolNames.keys().next().value!);
    }
    this.emit('entry', e);
    this.emit('mapped', mapTranscriptEntry(e, (id) => this.toolNames.get(id)), e);
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  close(): void {
    this.closed = true;
    this.unwatch();
    this.removeAllListeners();
  }
}
