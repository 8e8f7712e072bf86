// Follows a Claude Code transcript (JSONL, appended by Claude) and maps its entries to messages, each once:
// user prompts (key prompt:<promptId>, the same key the UserPromptSubmit hook uses), assistant text (key uuid),
// tool calls summarised in one line (key uuid[:i]). It also reports a turn interrupted by a denied permission,
// which fires no Stop hook. Entry shapes (Claude Code 2.1.330) are in docs/claude.md.
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { NewMessage } from '../../instances/store.js';
import { promptKey, summarizeToolUse } from './hooks.js';

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
  /** A tool use the user rejected in the permission dialog. */
  denied?: { toolUseId: string | null };
}

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

export function mapTranscriptEntry(e: TranscriptEntry): TranscriptMapping {
  const out: TranscriptMapping = { messages: [] };
  if (!e || !e.uuid || e.isSidechain) return out;
  const content = e.message?.content;
  if (e.type === 'user') {
    const blocks = Array.isArray(content) ? content : [];
    const denial = blocks.find((b: any) => b?.type === 'tool_result' && b.is_error) as any;
    if (e.toolDenialKind || (denial && e.toolUseResult === 'User rejected tool use')) {
      out.denied = { toolUseId: denial?.tool_use_id ?? null };
      out.messages.push({ senderType: 'agent', kind: 'system', content: 'Permission denied: the tool call was not run', externalKey: e.uuid,
        metadata: { toolUseId: denial?.tool_use_id ?? null, denial: e.toolDenialKind ?? 'user-rejected' } });
      return out;
    }
    if (blocks.some((b: any) => b?.type === 'tool_result')) return out; // tool output: summarised by its tool_use line
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

/** Splits appended bytes into complete lines, keeping a trailing partial line (and split UTF-8) for the next chunk. */
export class LineSplitter {
  private rest = Buffer.alloc(0);
  push(chunk: Buffer): string[] {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, start)) {
      lines.push(buf.subarray(start, i).toString('utf8'));
      start = i + 1;
    }
    this.rest = Buffer.from(buf.subarray(start));
    return lines;
  }
}

export interface TranscriptTailerEvents {
  entry: [TranscriptEntry];
  mapped: [TranscriptMapping, TranscriptEntry];
  error: [Error];
}

/**
 * Tails one transcript file at a time (switch with follow() when /clear starts a new session). Emits 'mapped' for
 * every entry (messages may be empty), in file order, each line once. Watches the file, or its directory until the
 * file exists; a slow poll (pollMs) backs fs.watch up on filesystems where it misses events.
 */
export class TranscriptTailer extends EventEmitter<TranscriptTailerEvents> {
  private file: string | null = null;
  private offset = 0;
  private splitter = new LineSplitter();
  private watcher: fs.FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private reading = false;
  private again = false;
  private closed = false;

  constructor(private opts: { pollMs?: number } = {}) { super(); }

  get path(): string | null { return this.file; }

  /**
   * Starts following `file` from its beginning (entries already stored are skipped by their external keys), or with
   * fromEnd from its current end (a resumed conversation: its history is stored already).
   */
  follow(file: string, opts: { fromEnd?: boolean } = {}): void {
    if (this.closed || file === this.file) return;
    this.unwatch();
    this.file = file;
    this.offset = 0;
    if (opts.fromEnd) { try { this.offset = fs.statSync(file).size; } catch { /* not there yet: from its start */ } }
    this.splitter = new LineSplitter();
    this.watch();
    this.poll = setInterval(() => this.read(), this.opts.pollMs ?? 1000);
    this.poll.unref();
    this.read();
  }

  private watch(): void {
    const file = this.file!;
    try {
      this.watcher = fs.watch(file, () => this.read());
    } catch {
      try { // not there yet: watch the directory for it
        this.watcher = fs.watch(path.dirname(file), (_ev, name) => {
          if (name && String(name) !== path.basename(file)) return;
          if (fs.existsSync(file) && this.file === file) { this.watcher?.close(); this.watch(); this.read(); }
        });
      } catch { this.watcher = null; /* no directory yet: the poll finds the file */ }
    }
    this.watcher?.on('error', () => { this.watcher?.close(); this.watcher = null; });
  }

  /** Reads whatever was appended since the last read; safe to call any time. */
  read(): void {
    if (this.reading) { this.again = true; return; }
    const file = this.file;
    if (!file || this.closed) return;
    this.reading = true;
    try {
      if (!this.watcher && fs.existsSync(file)) this.watch();
      let fd: number;
      try { fd = fs.openSync(file, 'r'); } catch { return; }
      try {
        const size = fs.fstatSync(fd).size;
        if (size < this.offset) { this.offset = 0; this.splitter = new LineSplitter(); } // truncated/replaced
        const buf = Buffer.alloc(64 * 1024);
        while (this.offset < size && this.file === file) {
          const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - this.offset), this.offset);
          if (n <= 0) break;
          this.offset += n;
          for (const line of this.splitter.push(buf.subarray(0, n))) this.line(line);
        }
      } finally { fs.closeSync(fd); }
    } catch (err) {
      this.emit('error', err as Error);
    } finally {
      this.reading = false;
      if (this.again) { this.again = false; this.read(); }
    }
  }

  private line(line: string): void {
    if (!line.trim()) return;
    let e: TranscriptEntry;
    try { e = JSON.parse(line); } catch { return; }
    this.emit('entry', e);
    this.emit('mapped', mapTranscriptEntry(e), e);
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
