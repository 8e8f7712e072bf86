// One schema definition shared by the server (validation), the web app and the tests.
// JSON on the wire is camelCase; the databases keep their snake_case columns.
import { z } from 'zod';
import {
  AGENT_KINDS, DEFAULT_AWAITING_PATTERNS, DEFAULT_IDLE_PATTERNS, DELIVERY_STATES, INSTANCE_STATUSES, MESSAGE_KINDS, OPTION_INTENTS,
  TASK_PRIORITIES, TASK_STATUSES,
} from './constants.js';
import { TERMINAL_SIZE_LIMITS as T } from './limits.js';
import { Question } from './questions.js';

export * from './constants.js';
export * from './questions.js';

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

export const InstanceStatus = z.enum(INSTANCE_STATUSES);
export type InstanceStatus = z.infer<typeof InstanceStatus>;

export const TaskInstanceLink = z.strictObject({ id: z.string(), agentId: z.string(), agentName: z.string(), name: z.string(), status: InstanceStatus });
export type TaskInstanceLink = z.infer<typeof TaskInstanceLink>;

/** A task as served: subtasks nested in lists, and the instances started for it. */
export const Task = z.strictObject({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  status: TaskStatus,
  priority: TaskPriority,
  notes: z.string().nullable(),
  details: z.string(),
  parentId: z.string().nullable(),
  dependencies: z.array(z.string()),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
  get subtasks(): z.ZodOptional<z.ZodArray<typeof Task>> { return z.array(Task).optional(); },
  instances: z.array(TaskInstanceLink).optional(),
});
export type Task = z.infer<typeof Task>;
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

export const Agent = z.strictObject({
  id: z.string(),
  name: z.string(),
  projectPath: z.string(),
  description: z.string().nullable(),
  command: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  kind: AgentKind,
  color: z.string().nullable(),
  settings: AgentSettings,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Agent = z.infer<typeof Agent>;

// ---------- instances ----------
export const InstanceCreate = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  cols: z.number().int().min(T.minCols).max(T.maxCols).optional(),
  rows: z.number().int().min(T.minRows).max(T.maxRows).optional(),
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

// ---------- messages ----------
export const MessageKind = z.enum(MESSAGE_KINDS);
export type MessageKind = z.infer<typeof MessageKind>;
export type Delivery = (typeof DELIVERY_STATES)[number];
export const SenderType = z.enum(['user', 'agent']);

/** What else is known about a message, by its producer. */
export const MessageMeta = z.strictObject({
  /** A user message typed in the terminal (Claude Code's UserPromptSubmit) or read from the transcript. */
  source: z.enum(['terminal', 'transcript']).optional(),
  /** A slash command typed in Claude Code (`/clear`). */
  command: z.literal(true).optional(),
  /** A tool call (kind `tool`) or a denied one (kind `system`). */
  toolName: z.string().optional(),
  toolUseId: z.string().nullable().optional(),
  /** A denied tool call: how it was denied (Claude Code's toolDenialKind, or user-rejected). */
  denial: z.string().optional(),
  /** A cancelled queued message: why (cancelled_by_user, the instance ended…). */
  cancelReason: z.string().optional(),
});
export type MessageMeta = z.infer<typeof MessageMeta>;

export const Message = z.strictObject({
  id: z.number().int(),
  instanceId: z.string(),
  senderType: SenderType,
  content: z.string(),
  requiresUserInput: z.boolean(),
  kind: MessageKind,
  /** The question or permission request, on an agent's message that asks the user something. */
  question: Question.nullable(),
  metadata: MessageMeta.nullable(),
  delivery: z.enum(DELIVERY_STATES).nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type Message = z.infer<typeof Message>;

export const MessagePreview = z.strictObject({ id: z.number().int(), senderType: SenderType, kind: MessageKind, content: z.string(), createdAt: z.string() });
export type MessagePreview = z.infer<typeof MessagePreview>;

export const Instance = z.strictObject({
  id: z.string(),
  agentId: z.string(),
  agentName: z.string(),
  name: z.string(),
  status: InstanceStatus,
  statusReason: z.string().nullable(),
  projectPath: z.string(),
  ptySessionId: z.string().nullable(),
  pid: z.number().int().nullable(),
  exitCode: z.number().int().nullable(),
  taskId: z.string().nullable(),
  taskProject: z.string().nullable(),
  cols: z.number().int(),
  rows: z.number().int(),
  startedAt: z.string(),
  completedAt: z.string().nullable(),
  lastActivityAt: z.string(),
  /** The agent CLI's own session id (Claude Code's --session-id): what Resume continues. Null for other kinds. */
  agentSessionId: z.string().nullable(),
  /** The newest message (its first 200 characters), for overviews. */
  lastMessage: MessagePreview.nullable(),
});
export type Instance = z.infer<typeof Instance>;

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
  // an option key the question offered (y, n, 1, enter…), an option number, or an intent (allow / allow_always / deny)
  choice: z.union([z.enum(OPTION_INTENTS), z.number().int().min(1).max(9), z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, 'an option key')]),
});

// ---------- errors ----------
export interface ApiErrorBody { error: { code: string; message: string; details?: unknown } }
