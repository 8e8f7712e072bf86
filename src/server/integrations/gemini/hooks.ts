// Gemini CLI hook payloads → effects. Pure. Payloads are untrusted: validated with zod, only these fields are read.
// Event sequences observed with Gemini CLI 0.61.0 (docs/gemini.md):
//   start:    SessionStart {source:"startup"|"resume"}
//   prompt:   BeforeAgent {prompt} → AfterAgent {prompt_response}
//   approval: BeforeAgent → BeforeTool → Notification {notification_type:"ToolPermission", details}
//             → (allow) AfterTool → AfterAgent
//             → (deny)  nothing at all: the turn is cancelled ("Request cancelled." on the screen and in the transcript)
//   exit:     SessionEnd {reason:"exit"} three times
import { z } from 'zod';
import { oneLine, shortHash, type AgentEffects, type ApprovalOption } from '../agent-effects.js';

const text = z.string().max(1_000_000);

export const GeminiHookPayload = z.looseObject({
  hook_event_name: z.string().min(1).max(64),
  session_id: z.string().min(1).max(200),
  transcript_path: z.string().max(4096).optional(),
  cwd: z.string().max(4096).optional(),
  timestamp: z.string().max(64).optional(),
  source: z.string().max(64).optional(),
  reason: z.string().max(200).optional(),
  prompt: text.optional(),
  prompt_response: text.optional(),
  tool_name: z.string().max(200).optional(),
  tool_input: z.record(z.string(), z.unknown()).optional(),
  notification_type: z.string().max(64).optional(),
  message: z.string().max(10_000).optional(),
  details: z
    .looseObject({
      type: z.string().max(64).optional(),
      title: z.string().max(1000).optional(),
      command: z.string().max(100_000).optional(),
      rootCommand: z.string().max(1000).optional(),
      fileName: z.string().max(4096).optional(),
      serverName: z.string().max(200).optional(),
      toolName: z.string().max(200).optional(),
    })
    .optional(),
});
export type GeminiHookPayload = z.infer<typeof GeminiHookPayload>;

export function parseGeminiHook(body: unknown): GeminiHookPayload | null {
  const r = GeminiHookPayload.safeParse(body);
  return r.success ? r.data : null;
}

/** The options of Gemini CLI's tool confirmation (0.61, a shell command); the screen has the exact list. */
export function defaultGeminiOptions(): ApprovalOption[] {
  return [
    { key: '1', number: 1, label: 'Allow once', choice: 'allow' },
    { key: '2', number: 2, label: 'Allow for this session', choice: 'allow_always' },
    { key: '3', number: 3, label: 'No, suggest changes', shortcut: 'esc', choice: 'deny' },
  ];
}

function approvalOf(p: GeminiHookPayload): AgentEffects['approval'] {
  const d = p.details ?? {};
  const command = d.type === 'exec' && d.command ? d.command : null;
  const tool =
    d.type === 'exec'
      ? 'Shell'
      : d.type === 'edit'
        ? 'Edit'
        : d.type === 'mcp'
          ? `MCP ${d.serverName ?? ''}${d.toolName ? `.${d.toolName}` : ''}`.trim()
          : (d.title ?? 'tool');
  const what = command ?? d.fileName ?? d.title ?? p.message ?? '';
  return {
    tool,
    command,
    summary: oneLine(what ? `${tool}: ${what}` : tool),
    options: defaultGeminiOptions(),
    externalKey: `approval:${p.session_id}:${p.timestamp ?? ''}:${shortHash(d)}`,
  };
}

export function mapGeminiHook(p: GeminiHookPayload, opts: { status?: string } = {}): AgentEffects {
  const ids: AgentEffects = { sessionId: p.session_id };
  if (p.transcript_path) ids.transcriptPath = p.transcript_path;
  switch (p.hook_event_name) {
    case 'SessionStart':
      // At launch it can arrive after the input box was drawn and a first prompt sent: it must not end that turn.
      // After /clear (source "clear") the CLI is back at its prompt.
      if (p.source !== 'clear' && opts.status !== undefined && opts.status !== 'starting') return ids;
      return { ...ids, status: 'idle', reason: `session ${p.source ?? 'start'}` };
    case 'BeforeAgent':
      return { ...ids, status: 'active', reason: 'prompt submitted' };
    case 'BeforeTool':
      // Comes before the approval dialog too: "about to run or about to ask".
      return { ...ids, status: 'active', reason: p.tool_name ? `tool ${p.tool_name}` : 'tool' };
    case 'AfterTool':
      return { ...ids, status: 'active', reason: p.tool_name ? `tool ${p.tool_name} done` : 'tool done' };
    case 'Notification':
      if (p.notification_type !== 'ToolPermission') return ids;
      return { ...ids, status: 'awaiting_input', reason: 'approval requested', approval: approvalOf(p) };
    case 'AfterAgent':
      return { ...ids, status: 'idle', reason: 'turn finished', turnEnded: true, ...(p.prompt_response ? { reply: p.prompt_response } : {}) };
    case 'SessionEnd':
      return { ...ids, sessionEnded: true, reason: `session ended (${p.reason ?? 'unknown'})` };
    default:
      return ids;
  }
}
