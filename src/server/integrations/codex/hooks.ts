// Codex CLI hook payloads → effects. Pure. Payloads are untrusted (any local process that has the instance's secret,
// the agent included, can post one): they are validated with zod and only the fields below are read.
// Event sequences observed with Codex CLI 0.171.0 are in docs/codex.md:
//   prompt:   SessionStart (first prompt of a process only) → UserPromptSubmit → Stop
//   approval: UserPromptSubmit → PreToolUse → PermissionRequest → (allow) PostToolUse → Stop
//                                                             → (deny)  Interrupt   (no Stop, no PostToolUse)
//   exit:     SessionEnd {reason:"other"}
import { z } from 'zod';
import { oneLine, shortHash, type AgentEffects, type ApprovalOption } from '../agent-effects.js';

const id = z.string().min(1).max(200);
const text = z.string().max(1_000_000);

export const CodexHookPayload = z.looseObject({
  hook_event_name: z.string().min(1).max(64),
  session_id: id,
  turn_id: id.optional(),
  transcript_path: z.string().max(4096).nullable().optional(),
  cwd: z.string().max(4096).optional(),
  model: z.string().max(200).optional(),
  permission_mode: z.string().max(64).optional(),
  /** SessionStart: startup | resume | … */
  source: z.string().max(64).optional(),
  /** SessionEnd */
  reason: z.string().max(200).optional(),
  prompt: text.optional(),
  tool_name: z.string().max(200).optional(),
  tool_input: z.record(z.string(), z.unknown()).optional(),
  tool_use_id: z.string().max(200).optional(),
  last_assistant_message: text.nullable().optional(),
});
export type CodexHookPayload = z.infer<typeof CodexHookPayload>;

/** The payload, or null when the body is not a Codex hook payload. */
export function parseCodexHook(body: unknown): CodexHookPayload | null {
  const r = CodexHookPayload.safeParse(body);
  return r.success ? r.data : null;
}

/**
 * External key of a prompt: the rollout's UserMessage uses it too. The turn id alone is not enough: a prompt typed
 * while Codex is closing a turn (after Stop, before task_complete) joins that turn (observed).
 */
export const codexPromptKey = (turnId: string, text: string) => `prompt:${turnId}:${shortHash(text.trim())}`;

/**
 * The options of Codex's command approval dialog (0.171): a digit selects and confirms, so do the shortcuts.
 * Option 2 (allow the command prefix) is not offered for every command: the screen has the exact list.
 */
export function defaultCodexOptions(command: string | null): ApprovalOption[] {
  return [
    { key: '1', number: 1, label: 'Yes, proceed', shortcut: 'y', choice: 'allow' },
    {
      key: '2',
      number: 2,
      label: `Yes, and don't ask again for commands that start with \`${command ?? ''}\``,
      shortcut: 'p',
      choice: 'allow_always',
    },
    { key: '3', number: 3, label: 'No, and tell Codex what to do differently', shortcut: 'esc', choice: 'deny' },
  ];
}

export function mapCodexHook(p: CodexHookPayload, opts: { status?: string } = {}): AgentEffects {
  const ids: AgentEffects = { sessionId: p.session_id };
  if (p.transcript_path) ids.transcriptPath = p.transcript_path;
  switch (p.hook_event_name) {
    case 'SessionStart':
      // Fires when the first prompt is submitted (not at launch), right before UserPromptSubmit: no state of its own.
      return ids;
    case 'UserPromptSubmit': {
      const fx: AgentEffects = { ...ids, status: 'active', reason: 'prompt submitted' };
      if (p.prompt?.trim() && p.turn_id) {
        fx.messages = [
          { senderType: 'user', kind: 'text', content: p.prompt, externalKey: codexPromptKey(p.turn_id, p.prompt), metadata: { source: 'terminal' } },
        ];
      }
      return fx;
    }
    case 'PreToolUse':
      return { ...ids, status: 'active', reason: p.tool_name ? `tool ${p.tool_name}` : 'tool' };
    case 'PostToolUse':
      return { ...ids, status: 'active', reason: p.tool_name ? `tool ${p.tool_name} done` : 'tool done' };
    case 'PermissionRequest': {
      const tool = p.tool_name ?? 'tool';
      const command = typeof p.tool_input?.command === 'string' ? p.tool_input.command : null;
      const why = typeof p.tool_input?.description === 'string' ? p.tool_input.description : null;
      const summary = oneLine(command ? `${tool}: ${command}` : tool);
      return {
        ...ids,
        status: 'awaiting_input',
        reason: `approval: ${tool}`,
        approval: {
          tool,
          command,
          summary: why ? oneLine(`${summary} (${why})`) : summary,
          options: defaultCodexOptions(command),
          externalKey: `approval:${p.turn_id ?? p.session_id}:${shortHash([p.tool_name, p.tool_input])}`,
        },
      };
    }
    case 'Stop':
      return {
        ...ids,
        status: 'idle',
        reason: 'turn finished',
        turnEnded: true,
        ...(p.last_assistant_message ? { reply: p.last_assistant_message } : {}),
        ...(p.turn_id ? { turnId: p.turn_id } : {}),
      };
    case 'Interrupt':
      // A denied approval (Esc, n, 3) or Esc/Ctrl-C during a turn: the turn is over, Codex is back at its prompt.
      return {
        ...ids,
        status: 'idle',
        interrupted: true,
        ...(p.turn_id ? { turnId: p.turn_id } : {}),
        reason: opts.status === 'awaiting_input' ? 'approval denied' : 'turn interrupted',
      };
    case 'SessionEnd':
      return { ...ids, sessionEnded: true, reason: `session ended (${p.reason ?? 'unknown'})` };
    default:
      return ids;
  }
}
