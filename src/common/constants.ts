// The plain constants of the schema, without zod, so that the web app can import them without the validator.
export const TASK_STATUSES = ['pending', 'in-progress', 'done'] as const;
export const TASK_PRIORITIES = ['high', 'medium', 'low'] as const;
export const AGENT_KINDS = ['claude', 'generic'] as const;
export const INSTANCE_STATUSES = ['starting', 'idle', 'active', 'awaiting_input', 'completed', 'error', 'terminated'] as const;
export const DEFAULT_IDLE_PATTERNS = ['[$#%>❯] ?$'];
export const DEFAULT_AWAITING_PATTERNS = [
  '\\[[yY]/[nN]\\]', '\\([yY]/[nN]\\)', '\\(yes/no\\)', '\\[yes/no\\]', 'Continue\\?', 'Press (Enter|any key)', 'Password:\\s*$',
];
export const LIVE_STATUSES: readonly (typeof INSTANCE_STATUSES)[number][] = ['starting', 'idle', 'active', 'awaiting_input'];
export const isLive = (s: (typeof INSTANCE_STATUSES)[number]) => LIVE_STATUSES.includes(s);
