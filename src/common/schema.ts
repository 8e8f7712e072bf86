// One schema definition shared by the server (validation), the web app and the tests.
// JSON on the wire is camelCase; the databases keep their snake_case columns.
import { z } from 'zod';
import { AGENT_KINDS, DEFAULT_AWAITING_PATTERNS, DEFAULT_IDLE_PATTERNS, INSTANCE_STATUSES, TASK_PRIORITIES, TASK_STATUSES } from './constants.js';

export * from './constants.js';

// ---------- tasks (the original AreYouJ tasks.db format) ----------
export const TaskStatus = z.enum(TASK_STATUSES);
export const TaskPriority = z.enum(TASK_PRIORITIES);

const taskId = z.string().regex(/^\d+(\.\d+)?$/, 'a task id is "N" or "N.M"');
const text = (max: number) => z.string().max(max);

export const TaskCreate = z.strictObject({
  title: text(500).trim().min(1, 'title must not be empty'),
  description: text(20_000).optional(),
  status: TaskStatus.optional(),
  priority: TaskPriority.optional(),
  notes: text(100_000).nullable().optional(),
  details: text(200_000).optional(),
  parentId: taskId.nullable().optional(),
  dependencies: z.array(taskId).max(500).optional(),
});
export type TaskCreate = z.infer<typeof TaskCreate>;

export const TaskUpdate = TaskCreate.omit({ parentId: true }).partial();
export type TaskUpdate = z.infer<typeof TaskUpdate>;

export interface TaskInstanceLink { id: string; agentId: string; agentName: string; name: string; status: InstanceStatus }
export interface Task {
  id: string;
  title: string;
  description: string;
  status: z.infer<typeof TaskStatus>;
  priority: z.infer<typeof TaskPriority>;
  notes: string | null;
  details: string;
  parentId: string | null;
  dependencies: string[];
  createdAt: string | null;
  updatedAt: string | null;
  subtasks?: Task[];
  instances?: TaskInstanceLink[];
}
export interface TaskList { project: string; exists: boolean; tasks: Task[] }

// ---------- agents ----------
export const AgentKind = z.enum(AGENT_KINDS);
export type AgentKind = z.infer<typeof AgentKind>;


const pattern = z.string().min(1).max(500).refine((p) => {
  try { new RegExp(p); return true; } catch { return false; }
}, 'not a valid regular expression');

const settingsFields = {
  autoStart: z.boolean(),
  notificationEnabled: z.boolean(),
  notifyOnTurnEnd: z.boolean(),
  maxConcurrentInstances: z.number().int().min(1).max(256),
  quietMs: z.number().int().min(50).max(60_000),
  idlePatterns: z.array(pattern).max(50),
  awaitingPatterns: z.array(pattern).max(50),
};
export const AgentSettings = z.strictObject({
  autoStart: settingsFields.autoStart.default(false),
  notificationEnabled: settingsFields.notificationEnabled.default(true),
  notifyOnTurnEnd: settingsFields.notifyOnTurnEnd.default(false),
  maxConcurrentInstances: settingsFields.maxConcurrentInstances.default(1),
  quietMs: settingsFields.quietMs.default(500),
  idlePatterns: settingsFields.idlePatterns.default(DEFAULT_IDLE_PATTERNS),
  awaitingPatterns: settingsFields.awaitingPatterns.default(DEFAULT_AWAITING_PATTERNS),
});
/** A partial settings object: what a request gives, without defaults filled in. */
export const AgentSettingsPatch = z.strictObject(settingsFields).partial();
export type AgentSettings = z.infer<typeof AgentSettings>;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name is letters, digits and _');
const agentFields = {
  name: z.string().trim().min(1, 'name must not be empty').max(100),
  projectPath: z.string().min(1).max(4096),
  description: z.string().max(10_000).nullable(),
  command: z.string().trim().min(1, 'command must not be empty').max(4096),
  args: z.array(z.string().max(10_000)).max(200),
  env: z.record(envName, z.string().max(100_000)),
  kind: AgentKind,
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour is #rrggbb').nullable(),
};
export const AgentCreate = z.strictObject({
  name: agentFields.name,
  projectPath: agentFields.projectPath,
  description: agentFields.description.optional(),
  command: agentFields.command.optional(),
  args: agentFields.args.optional(),
  env: agentFields.env.optional(),
  kind: agentFields.kind.optional(),
  color: agentFields.color.optional(),
  settings: AgentSettingsPatch.optional(),
});
export type AgentCreate = z.infer<typeof AgentCreate>;
export const AgentUpdate = AgentCreate.partial();
export type AgentUpdate = z.infer<typeof AgentUpdate>;

export interface Agent {
  id: string;
  name: string;
  projectPath: string;
  description: string | null;
  command: string;
  args: string[];
  env: Record<string, string>;
  kind: AgentKind;
  color: string | null;
  settings: AgentSettings;
  createdAt: string;
  updatedAt: string;
}

// ---------- instances ----------
export const InstanceStatus = z.enum(INSTANCE_STATUSES);
export type InstanceStatus = z.infer<typeof InstanceStatus>;

export const InstanceCreate = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  cols: z.number().int().min(2).max(1000).optional(),
  rows: z.number().int().min(2).max(500).optional(),
  prompt: z.string().min(1).max(200_000).optional(),
  projectPath: z.string().min(1).max(4096).optional(),
  taskId: taskId.optional(),
  taskProject: z.string().min(1).max(4096).optional(),
});
export type InstanceCreate = z.infer<typeof InstanceCreate>;

/** Rename an instance, or link it to a task (taskId null unlinks). */
export const InstanceUpdate = z.strictObject({
  name: InstanceCreate.shape.name,
  taskId: taskId.nullable().optional(),
  taskProject: z.string().min(1).max(4096).nullable().optional(),
});
export type InstanceUpdate = z.infer<typeof InstanceUpdate>;

export interface MessagePreview { id: number; senderType: 'user' | 'agent'; kind: string; content: string; createdAt: string }

export interface Instance {
  id: string;
  agentId: string;
  agentName: string;
  name: string;
  status: InstanceStatus;
  statusReason: string | null;
  projectPath: string;
  ptySessionId: string | null;
  pid: number | null;
  exitCode: number | null;
  taskId: string | null;
  taskProject: string | null;
  cols: number;
  rows: number;
  startedAt: string;
  completedAt: string | null;
  lastActivityAt: string;
  /** The newest message (its first 200 characters), for overviews. */
  lastMessage: MessagePreview | null;
}

// ---------- messages ----------
export const MESSAGE_KINDS = ['text', 'question', 'permission', 'tool', 'system'] as const;
export const MessageKind = z.enum(MESSAGE_KINDS);
export const DELIVERY_STATES = ['queued', 'sent', 'cancelled'] as const;
export type Delivery = (typeof DELIVERY_STATES)[number];

export interface Message {
  id: number;
  instanceId: string;
  senderType: 'user' | 'agent';
  content: string;
  requiresUserInput: boolean;
  kind: z.infer<typeof MessageKind>;
  metadata: Record<string, unknown> | null;
  delivery: Delivery | null;
  createdAt: string;
  deliveredAt: string | null;
}

export const MessageSend = z.strictObject({
  content: z.string().min(1, 'content must not be empty').max(200_000),
  mode: z.enum(['auto', 'now', 'queue']).default('auto'),
});
export const MessageEdit = z.strictObject({ content: MessageSend.shape.content });

export const KEY_NAMES = ['enter', 'escape', 'tab', 'up', 'down', 'left', 'right', 'ctrl-c', 'ctrl-d', 'space', 'backspace',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export const InputSend = z.strictObject({
  text: z.string().max(200_000).optional(),
  keys: z.array(z.enum(KEY_NAMES)).max(100).optional(),
}).refine((v) => v.text !== undefined || v.keys !== undefined, 'give text or keys');

export const RespondBody = z.strictObject({
  // allow / allow_always / deny, an option number, or an option key the question offered (y, n, enter…)
  choice: z.union([z.enum(['allow', 'allow_always', 'deny']), z.number().int().min(1).max(9), z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, 'an option key')]),
});

// ---------- events (SSE) ----------
export type EventType =
  | 'task.created' | 'task.updated' | 'task.deleted' | 'tasks.changed'
  | 'agent.created' | 'agent.updated' | 'agent.deleted'
  | 'instance.created' | 'instance.updated' | 'instance.deleted'
  | 'message.created' | 'message.updated' | 'message.deleted'
  | 'notification';

export interface ServerEvent<T = unknown> { id: number; type: EventType; data: T; at: string }

// ---------- errors ----------
export interface ApiErrorBody { error: { code: string; message: string; details?: unknown } }
