// Claude Code hook payloads → instance effects. Pure: the instance manager applies the effects (status, messages,
// notifications) and follows the session id / transcript path. Event sequences observed with Claude Code 2.1.330
// are in docs/claude.md.
import { createHash } from 'node:crypto';
import type { InstanceStatus, Json, Option } from '../../../common/schema.js';
import type { NewMessage } from '../../instances/store.js';
import { askMessage, parseAskInput, summarizeAsk } from './ask.js';
import { parsePlanInput, planMessage, summarizePlan } from './plan.js';

export interface ClaudeHookPayload {
  hook_event_name: string;
  session_id?: string;
  transcript_path?: string;
  cwd?: string;
  permission_mode?: string;
  prompt_id?: string;
  /** SessionStart: startup | resume | clear | compact */
  source?: string;
  /** SessionEnd: clear | prompt_input_exit | logout | other ... */
  reason?: string;
  prompt?: string;
  tool_name?: string;
  tool_input?: Json;
  tool_use_id?: string;
  tool_response?: unknown;
  permission_suggestions?: Json;
  /** Notification: permission_prompt | idle_prompt | ... */
  notification_type?: string;
  message?: string;
  last_assistant_message?: string;
  stop_hook_active?: boolean;
  [k: string]: unknown;
}

/** What one hook changes; the driver applies each field (docs/claude.md). */
export interface HookEffects {
  /** New status, when this event changes it. */
  status?: InstanceStatus;
  reason?: string;
  /** Messages to store (each with an externalKey, so a repeated hook stores nothing twice). */
  messages?: NewMessage[];
  /** Claude Code says it has been waiting for the user for a while (Notification idle_prompt). */
  notify?: { kind: 'idle_prompt'; body: string };
  /** The transcript of the session in effect (a new one after /clear): follow it. */
  transcriptPath?: string;
}

export interface MapHookOptions {
  /** The tool_use_id of the PreToolUse that came just before a PermissionRequest for the same call (it carries none). */
  toolUseId?: string;
  /** The current status of the instance (avoids duplicate awaiting_input transitions). */
  status?: InstanceStatus;
  /** True when the transcript is mirrored (the default): Stop then stores no reply, the transcript has it. */
  transcript?: boolean;
}

/** Validates the minimum shape of a hook body; null when it is not a Claude hook payload. */
export function parseClaudeHookPayload(body: unknown): ClaudeHookPayload | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  if (typeof b.hook_event_name !== 'string' || !b.hook_event_name) return null;
  for (const k of ['session_id', 'transcript_path', 'prompt_id', 'tool_name', 'prompt', 'message', 'last_assistant_message']) {
    if (b[k] !== undefined && typeof b[k] !== 'string') return null;
  }
  return b as ClaudeHookPayload;
}

const oneLine = (s: string, max = 200) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** One line describing a tool call: `Bash: echo hello > out.txt`, `Edit: src/a.ts`. */
export function summarizeToolUse(name: string, input: unknown): string {
  const qs = name === 'AskUserQuestion' ? parseAskInput(input) : null;
  if (qs) return oneLine(`AskUserQuestion: ${summarizeAsk(qs)}`);
  const plan = name === 'ExitPlanMode' ? parsePlanInput(input) : null;
  if (plan) return oneLine(`ExitPlanMode: ${summarizePlan(plan.plan)}`);
  const i = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const pick = ['command', 'file_path', 'notebook_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt']
    .map((k) => i[k]).find((v) => typeof v === 'string' && v.trim());
  const detail = typeof pick === 'string' ? pick : Object.keys(i).length ? JSON.stringify(i) : '';
  return oneLine(detail ? `${name}: ${detail}` : name);
}

/**
 * What a permission request offers until Claude Code's dialog is read from the screen: the dialog's numbers and labels
 * vary (2.1.330 shows 3 or 4 options), so the answers are the intents, which the driver maps onto the dialog drawn.
 */
export const PERMISSION_OPTIONS: readonly Option[] = [
  { key: 'allow', label: 'Allow', intent: 'allow' },
  { key: 'allow_always', label: 'Always allow', intent: 'allow_always' },
  { key: 'deny', label: 'Deny', intent: 'deny' },
];

const shortHash = (v: unknown) => createHash('sha1').update(JSON.stringify(v ?? null)).digest('hex').slice(0, 12);
/** External key of a typed prompt: the transcript tailer uses the same key for the same prompt (promptId). */
export const promptKey = (promptId: string) => `prompt:${promptId}`;
/** External key of a question or plan dialog: its tool call's id when known (the same question may be asked twice). */
export const dialogKey = (p: ClaudeHookPayload, toolUseId?: string) =>
  `dialog:${toolUseId ?? `${p.prompt_id ?? p.session_id ?? 'none'}:${shortHash([p.tool_name, p.tool_input])}`}`;
export const inputHash = (tool: string | undefined, input: unknown) => shortHash([tool, input]);

export function mapClaudeHook(p: ClaudeHookPayload, opts: MapHookOptions = {}): HookEffects {
  const ids: HookEffects = p.transcript_path ? { transcriptPath: p.transcript_path } : {};
  const turn = p.prompt_id ?? p.session_id ?? 'none';
  switch (p.hook_event_name) {
    case 'SessionStart':
      // compact fires mid-turn after auto-compaction: not a return to the prompt.
      if (p.source === 'compact') return ids;
      return { ...ids, status: 'idle', reason: `session ${p.source ?? 'start'}` };
    case 'UserPromptSubmit': {
      const fx: HookEffects = { ...ids, status: 'active', reason: 'prompt submitted' };
      if (p.prompt && p.prompt.trim()) {
        fx.messages = [{ senderType: 'user', content: p.prompt, kind: 'text', externalKey: p.prompt_id ? promptKey(p.prompt_id) : `prompt:${p.session_id}:${shortHash(p.prompt)}`, metadata: { source: 'terminal' } }];
      }
      return fx;
    }
    case 'PreToolUse':
      return { ...ids, status: 'active', reason: p.tool_name ? `tool ${p.tool_name}` : 'tool' };
    case 'PostToolUse':
    case 'PostToolUseFailure':
      return { ...ids, status: 'active', reason: p.tool_name ? `tool ${p.tool_name} done` : 'tool done' };
    case 'PermissionRequest': {
      // Claude Code's own question and plan dialogs are not permissions: the user answers them (ask.ts, plan.ts).
      const key = dialogKey(p, opts.toolUseId);
      if (p.tool_name === 'AskUserQuestion') {
        const ask = askMessage(p.tool_input, key);
        if (ask) return { ...ids, status: 'awaiting_input', reason: 'question', messages: [ask] };
        // Not readable (beyond the tool's own limits): shown as it came, with no answer to click, never "Allow" (= "1").
        return { ...ids, status: 'awaiting_input', reason: 'question', messages: [{
          senderType: 'agent', kind: 'question', requiresUserInput: true, externalKey: key,
          content: 'Claude asks a question that AreYouJ cannot show: answer it in the terminal',
          question: { type: 'permission', tool: 'AskUserQuestion', input: p.tool_input ?? null, options: [], prompt: 'Answer it in the terminal' },
        }] };
      }
      const plan = p.tool_name === 'ExitPlanMode' ? planMessage(p.tool_input, key) : null;
      if (plan) return { ...ids, status: 'awaiting_input', reason: 'plan approval', messages: [plan] };
      const toolName = p.tool_name ?? 'a tool';
      return {
        ...ids, status: 'awaiting_input', reason: `permission: ${toolName}`,
        messages: [{
          senderType: 'agent', kind: 'permission', requiresUserInput: true,
          content: `Claude wants to use ${summarizeToolUse(toolName, p.tool_input)}`,
          externalKey: `permission:${turn}:${shortHash([p.tool_name, p.tool_input])}`,
          question: {
            type: 'permission', tool: p.tool_name ?? null, input: p.tool_input ?? null, options: [...PERMISSION_OPTIONS],
            ...(Array.isArray(p.permission_suggestions) ? { suggestions: p.permission_suggestions } : {}),
          },
        }],
      };
    }
    case 'Notification': {
      const body = p.message ?? p.notification_type ?? 'notification';
      if (p.notification_type === 'permission_prompt') {
        // Normally PermissionRequest came first (~6 s earlier); this is the fallback if it did not.
        if (opts.status === 'awaiting_input') return ids;
        return {
          ...ids, status: 'awaiting_input', reason: 'permission prompt',
          messages: [{ senderType: 'agent', kind: 'permission', requiresUserInput: true, content: body,
            externalKey: `notification:${turn}:permission_prompt`,
            question: { type: 'permission', tool: null, input: null, options: [...PERMISSION_OPTIONS] } }],
        };
      }
      if (p.notification_type === 'idle_prompt') return { ...ids, notify: { kind: 'idle_prompt', body } };
      return ids;
    }
    case 'Stop': {
      const fx: HookEffects = { ...ids, status: 'idle', reason: 'turn finished' };
      if (opts.transcript === false && p.last_assistant_message) {
        fx.messages = [{ senderType: 'agent', kind: 'text', content: p.last_assistant_message, externalKey: `stop:${turn}` }];
      }
      return fx;
    }
    case 'SessionEnd':
      // The process exit that follows decides completed / error; /clear ends the old session and a SessionStart (source
      // clear) with a new id and transcript follows at once.
      return p.reason === 'clear' ? {} : ids;
    default:
      return ids;
  }
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Keeps prompts sent through the API (already stored as user messages) from being stored again when Claude
 * reports them (UserPromptSubmit, then the transcript: both under the key prompt:<prompt_id>).
 */
export class PromptEchoFilter {
  private pending: { text: string; at: number }[] = [];
  private echoed = new Set<string>();
  constructor(private ttlMs = 10 * 60_000) {}

  /** The manager typed this prompt into the terminal on the API's behalf. */
  sent(text: string, now = Date.now()): void {
    this.pending.push({ text: norm(text), at: now });
  }

  /** Whether a user message with this key/text should be stored (false for echoes of API-sent prompts). */
  shouldStore(key: string | null | undefined, text: string, now = Date.now()): boolean {
    if (key && this.echoed.has(key)) return false;
    this.pending = this.pending.filter((p) => now - p.at < this.ttlMs);
    const t = norm(text);
    const i = this.pending.findIndex((p) => p.text === t);
    if (i < 0) return true;
    this.pending.splice(i, 1);
    if (key) this.echoed.add(key);
    return false;
  }
}
