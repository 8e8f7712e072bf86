// The plain constants of the schema, without zod, so that the web app can import them without the validator.
export const TASK_STATUSES = ['pending', 'in-progress', 'done'] as const;
export const TASK_PRIORITIES = ['high', 'medium', 'low'] as const;
export const AGENT_KINDS = ['claude', 'codex', 'gemini', 'generic'] as const;
export const INSTANCE_STATUSES = ['starting', 'idle', 'active', 'awaiting_input', 'completed', 'error', 'terminated'] as const;
export const DEFAULT_IDLE_PATTERNS = ['[$#%>❯] ?$'];
export const DEFAULT_AWAITING_PATTERNS = [
  '\\[[yY]/[nN]\\]', '\\([yY]/[nN]\\)', '\\(yes/no\\)', '\\[yes/no\\]', 'Continue\\?', 'Press (Enter|any key)', 'Password:\\s*$',
];
export const LIVE_STATUSES: readonly (typeof INSTANCE_STATUSES)[number][] = ['starting', 'idle', 'active', 'awaiting_input'];
export const isLive = (s: (typeof INSTANCE_STATUSES)[number]) => LIVE_STATUSES.includes(s);

// ---------- messages and questions ----------
export const MESSAGE_KINDS = ['text', 'question', 'permission', 'tool', 'system'] as const;
export const DELIVERY_STATES = ['queued', 'sent', 'cancelled'] as const;
/** What an answer means, when the program says so: /respond takes these names as well as option keys. `feedback`: the
 *  option takes text ({choice, text}). */
export const OPTION_INTENTS = ['allow', 'allow_always', 'deny', 'feedback'] as const;

// ---------- events (SSE) ----------
/** Every event the bus publishes; src/common/events.ts holds the schema of each one's data (checked equal at compile time). */
export const EVENT_TYPES = [
  'task.created', 'task.updated', 'task.deleted', 'tasks.changed',
  'agent.created', 'agent.updated', 'agent.deleted',
  'instance.created', 'instance.updated', 'instance.deleted', 'instance.changes',
  'message.created', 'message.updated',
  'notification',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** The SSE stream also sends `reset` (from the route, not the bus) when a client's Last-Event-ID cannot be replayed. */
export const STREAM_EVENT_TYPES = [...EVENT_TYPES, 'reset'] as const;
export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];
export const NOTIFICATION_KINDS = ['awaiting_input', 'turn_end', 'error', 'idle_prompt'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
