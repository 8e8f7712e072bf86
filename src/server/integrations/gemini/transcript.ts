// Gemini CLI's transcript (<GEMINI_CLI_HOME>/.gemini/tmp/<project>/chats/session-<time>-<id8>.jsonl) → messages,
// each once. The file is a log of records (Gemini CLI 0.61, docs/gemini.md):
//   {sessionId, projectHash, startTime, kind}                    the header
//   {id, timestamp, type:"user", content:[{text}|{functionResponse}]}
//   {id, timestamp, type:"gemini", content:"text"|[parts], toolCalls?:[{id, name, args, status, result}]}
//                                                                 (the same id is written again when its tool calls finish)
//   {id, timestamp, type:"info", content:"Request cancelled."}    a denied approval (or Esc) cancelled the turn
//   {"$set":{…}}  metadata; {"$set":{"messages":[…]}} replaces the whole conversation; {"$rewindTo":id}
// After a cancellation Gemini drops the cancelled turn from its history and re-records the remaining history as new
// records with new ids, then a $set of the messages: those copies are recognised (same content as records already
// seen, right after the cancellation, before the $set) and not mirrored again. The file is written by the agent:
// every field is checked before use.
import { z } from 'zod';
import type { NewMessage } from '../../instances/store.js';
import { oneLine, shortHash } from '../agent-effects.js';

const Part = z.looseObject({
  text: z.string().optional(),
  functionCall: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
  functionResponse: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
});
const ToolCall = z.looseObject({
  id: z.string().max(300),
  name: z.string().max(200),
  args: z.record(z.string(), z.unknown()).optional(),
  status: z.string().max(64).optional(),
});
const Record_ = z.looseObject({
  id: z.string().min(1).max(300),
  type: z.string().max(64),
  timestamp: z.string().max(64).optional(),
  content: z.union([z.string(), z.array(z.unknown())]).optional(),
  toolCalls: z.array(z.unknown()).optional(),
});

export interface GeminiTranscriptMapping {
  messages: NewMessage[];
  /** The turn was cancelled: a denied approval, or Esc/Ctrl-C while it ran. No hook reports this. */
  cancelled?: boolean;
  sessionId?: string;
}

const CANCELLED = /^Request cancelled\.?$/;
/** A re-recording after a cancellation happens within the same few milliseconds; beyond this it is new content. */
const REWRITE_WINDOW_MS = 5000;
const FINAL_TOOL_STATUS = new Set(['success', 'error', 'cancelled']);

function parts(content: unknown): z.infer<typeof Part>[] {
  if (typeof content === 'string') return [{ text: content }];
  if (!Array.isArray(content)) return [];
  return content
    .map((p) => Part.safeParse(p))
    .filter((r) => r.success)
    .map((r) => r.data);
}

/** The text a user or model record shows (the CLI's own <session_context> part left out). */
function textOf(content: unknown): string {
  return parts(content)
    .map((p) => p.text ?? '')
    .filter((t) => t && !/^\s*<session_context>/.test(t))
    .join('\n')
    .trim();
}

function fingerprint(type: string, content: unknown): string {
  const ps = parts(content);
  const calls = ps
    .map((p) => p.functionResponse?.id ?? '')
    .filter(Boolean)
    .join(',');
  return shortHash([type, textOf(content), calls]);
}

function toolSummary(tc: z.infer<typeof ToolCall>): string {
  const a = tc.args ?? {};
  if (tc.name === 'run_shell_command' && typeof a.command === 'string') return oneLine(`Shell: ${a.command}`);
  const detail = ['file_path', 'path', 'dir_path', 'pattern', 'url', 'query'].map((k) => a[k]).find((v) => typeof v === 'string');
  return oneLine(detail ? `${tc.name}: ${detail}` : tc.name);
}

export class GeminiTranscriptReader {
  private emitted = new Set<string>();
  private seen = new Set<string>();
  private rewriteSince: number | null = null;

  /** Maps one record of the file, in file order. */
  push(raw: unknown): GeminiTranscriptMapping {
    const out: GeminiTranscriptMapping = { messages: [] };
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
    const obj = raw as Record<string, unknown>;
    if ('$set' in obj) {
      const set = obj.$set as Record<string, unknown> | null;
      if (set && Array.isArray(set.messages)) this.rewriteSince = null; // the re-recorded history is complete
      return out;
    }
    if ('$rewindTo' in obj) return out;
    if (typeof obj.sessionId === 'string' && !('type' in obj)) {
      if (obj.sessionId.length <= 200) out.sessionId = obj.sessionId;
      return out;
    }
    const r = Record_.safeParse(raw);
    if (!r.success) return out;
    const rec = r.data;
    const at = rec.timestamp ? Date.parse(rec.timestamp) : NaN;
    const fp = fingerprint(rec.type, rec.content);
    if (this.rewriteSince !== null) {
      const inWindow = Number.isNaN(at) || at - this.rewriteSince <= REWRITE_WINDOW_MS;
      if (inWindow && this.seen.has(fp) && !this.emitted.has(`gemini:${rec.id}`)) return out; // a copy of known history
      this.rewriteSince = null;
    }
    this.seen.add(fp);
    const emit = (m: NewMessage) => {
      if (this.emitted.has(m.externalKey!)) return;
      this.emitted.add(m.externalKey!);
      out.messages.push(m);
    };
    if (rec.type === 'user') {
      const text = textOf(rec.content);
      if (text) emit({ senderType: 'user', kind: 'text', content: text, externalKey: `gemini:${rec.id}`, metadata: { source: 'transcript' } });
    } else if (rec.type === 'gemini') {
      const text = textOf(rec.content);
      if (text) emit({ senderType: 'agent', kind: 'text', content: text, externalKey: `gemini:${rec.id}` });
      for (const raw of rec.toolCalls ?? []) {
        const tc = ToolCall.safeParse(raw);
        if (!tc.success || !FINAL_TOOL_STATUS.has(tc.data.status ?? '')) continue;
        emit({
          senderType: 'agent',
          kind: 'tool',
          content: toolSummary(tc.data),
          externalKey: `gemini:${rec.id}:${tc.data.id}`,
          metadata: { toolName: tc.data.name, toolUseId: tc.data.id },
        });
        if (tc.data.status === 'cancelled') {
          emit({
            senderType: 'agent',
            kind: 'system',
            content: 'Not run: the tool call was cancelled',
            externalKey: `gemini:${rec.id}:${tc.data.id}:cancelled`,
            metadata: { toolName: tc.data.name, toolUseId: tc.data.id, denial: 'cancelled' },
          });
        }
      }
    } else if (rec.type === 'info' && typeof rec.content === 'string' && CANCELLED.test(rec.content.trim())) {
      out.cancelled = true;
      this.rewriteSince = Number.isNaN(at) ? Date.now() : at;
      emit({ senderType: 'agent', kind: 'system', content: 'Request cancelled', externalKey: `gemini:${rec.id}` });
    } else if (rec.type === 'error' && typeof rec.content === 'string' && rec.content.trim()) {
      emit({ senderType: 'agent', kind: 'system', content: oneLine(rec.content, 2000), externalKey: `gemini:${rec.id}` });
    }
    return out;
  }
}
