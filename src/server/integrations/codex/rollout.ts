// Codex CLI's rollout transcript ($CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<session id>.jsonl) → messages,
// each once, and the turn boundaries. Every line is {timestamp, ordinal, type, payload}. Of the many types
// (session_meta, response_item, world_state, turn_context, token_usage_record, event_msg …) only these are read
// (Codex 0.171, docs/codex.md):
//   event_msg task_started {turn_id}                         a turn began
//   event_msg item_completed {turn_id, item:{type:"UserMessage", content:[{type:"text",text}]}}
//   event_msg item_completed {turn_id, item:{type:"AgentMessage", id, content:[{type:"Text",text}]}}
//   event_msg item_completed {turn_id, item:{type:"CommandExecution", id, command:[…,"-lc",cmd], exit_code, status}}
//   event_msg task_complete {turn_id, last_agent_message}   the turn ended (written right after the Stop hook)
//   event_msg turn_aborted {turn_id, reason:"interrupted"}  a denied approval or Esc/Ctrl-C
// The file is written by the agent: every field is checked before use.
import { z } from 'zod';
import type { NewMessage } from '../../instances/store.js';
import { oneLine } from '../agent-effects.js';
import { codexPromptKey } from './hooks.js';

const Text = z.looseObject({ text: z.string() });
const Item = z.looseObject({
  type: z.string(),
  id: z.string().max(200).optional(),
  content: z.array(z.unknown()).optional(),
  command: z.union([z.array(z.string()), z.string()]).optional(),
  exit_code: z.number().nullable().optional(),
  status: z.string().optional(),
});
const EventMsg = z.looseObject({
  type: z.string(),
  turn_id: z.string().min(1).max(200).optional(),
  item: Item.optional(),
  last_agent_message: z.string().nullable().optional(),
  reason: z.string().optional(),
});
const Line = z.looseObject({ type: z.string(), payload: z.looseObject({}).optional() });

export interface RolloutMapping {
  messages: NewMessage[];
  turnStarted?: string;
  turnComplete?: { turnId: string | null; lastMessage: string | null };
  aborted?: { turnId: string | null; reason: string };
  sessionId?: string;
}

const texts = (content: unknown[] | undefined): string =>
  (content ?? [])
    .map((c) => Text.safeParse(c))
    .filter((r) => r.success)
    .map((r) => r.data.text)
    .join('\n');

/** `["/bin/bash","-lc","echo hi"]` → `echo hi`. */
export function codexCommandText(command: string[] | string | undefined): string {
  if (typeof command === 'string') return command;
  if (!command?.length) return '';
  const i = command.findIndex((a) => a === '-lc' || a === '-c');
  return i >= 0 && i + 1 < command.length ? command.slice(i + 1).join(' ') : command.join(' ');
}

export function mapRolloutEntry(raw: unknown): RolloutMapping {
  const out: RolloutMapping = { messages: [] };
  const line = Line.safeParse(raw);
  if (!line.success || !line.data.payload) return out;
  if (line.data.type === 'session_meta') {
    const id = (line.data.payload as { id?: unknown }).id;
    if (typeof id === 'string' && id.length <= 200) out.sessionId = id;
    return out;
  }
  if (line.data.type !== 'event_msg') return out;
  const ev = EventMsg.safeParse(line.data.payload);
  if (!ev.success) return out;
  const e = ev.data;
  const turn = e.turn_id ?? null;
  switch (e.type) {
    case 'task_started':
      if (turn) out.turnStarted = turn;
      return out;
    case 'task_complete':
      out.turnComplete = { turnId: turn, lastMessage: e.last_agent_message ?? null };
      return out;
    case 'turn_aborted':
      out.aborted = { turnId: turn, reason: e.reason ?? 'aborted' };
      out.messages.push({ senderType: 'agent', kind: 'system', content: 'Interrupted', externalKey: `aborted:${turn ?? 'none'}` });
      return out;
    case 'item_completed': {
      const item = e.item;
      if (!item || !turn) return out;
      if (item.type === 'UserMessage') {
        const text = texts(item.content).trim();
        if (text)
          out.messages.push({
            senderType: 'user',
            kind: 'text',
            content: text,
            externalKey: codexPromptKey(turn, text),
            metadata: { source: 'transcript' },
          });
      } else if (item.type === 'AgentMessage' && item.id) {
        const text = texts(item.content).trim();
        if (text) out.messages.push({ senderType: 'agent', kind: 'text', content: text, externalKey: `item:${turn}:${item.id}` });
      } else if (item.type === 'CommandExecution' && item.id) {
        const cmd = codexCommandText(item.command);
        out.messages.push({
          senderType: 'agent',
          kind: 'tool',
          content: oneLine(`Bash: ${cmd}`),
          externalKey: `item:${turn}:${item.id}`,
          metadata: { toolName: 'Bash', toolUseId: item.id },
        });
      }
      return out;
    }
    default:
      return out;
  }
}
