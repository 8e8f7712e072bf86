// One schema definition shared by the server (validation), the web app and the tests.
// JSON on the wire is camelCase; the databases keep their snake_case columns.
import { z } from 'zod';
import {
  AGENT_KINDS, DEFAULT_AWAITING_PATTERNS, DEFAULT_IDLE_PATTERNS, DELIVERY_STATES, INSTANCE_STATUSES, MESSAGE_KINDS, OPTION_INTENTS,
  TASK_PRIORITIES, TASK_STATUSES,
} from './constants.js';
import { TERMINAL_SIZE_LIMITS as T } from './limits.js';
import { InstanceWorktree } from './changes.js';
import { Question } from './questions.js';

export * from './constants.js';
export * from './questions.js';
export type { InstanceWorktree } from './changes.js';

// ---------- tasks (the original AreYouJ tasks.db format) ----------
export const TaskStatus = z.enum(TASK_STATUSES);
export const TaskPriority = z.enum(TASK_PRIORITIES);

/** A task id as the original writes them: "N" (a task) or "N.M" (its subtask). */
export const TaskId = z.string().regex(/^\d+(\.\d+)?$/, 'a task id is "N" or "N.M"');
const taskId = TaskId;
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
/** GET /api/tasks. `detailsOmitted`: the tasks' details were left out (''), being large together: GET /api/tasks/:id has them. */
export interface TaskList { project: string; exists: boolean; detailsOmitted: boolean; tasks: Task[] }

/** GET /api/tasks/export: the board (all of it, or as filtered: q, status, priority) as CSV or an Excel workbook. */
export const TaskExportQuery = z.strictObject({
  project: z.string().optional(),
  format: z.enum(['csv', 'xlsx']).default('csv'),
  /** 1: add the Details column (Markdown; long). */
  details: z.enum(['0', '1']).default('0'),
  q: z.string().max(500).optional(),
  status: z.union([TaskStatus, z.literal('')]).optional(),
  priority: z.union([TaskPriority, z.literal('')]).optional(),
});
export type TaskExportQuery = z.infer<typeof TaskExportQuery>;

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
  /** Each instance in a git project gets its own worktree and branch (issue 10); off: it works in the project itself. */
  ownWorktree: z.boolean(),
};
export const AgentSettings = z.strictObject({
  autoStart: settingsFields.autoStart.default(false),
  notificationEnabled: settingsFields.notificationEnabled.default(true),
  notifyOnTurnEnd: settingsFields.notifyOnTurnEnd.default(false),
  maxConcurrentInstances: settingsFields.maxConcurrentInstances.default(1),
  quietMs: settingsFields.quietMs.default(500),
  idlePatterns: settingsFields.idlePatterns.default(DEFAULT_IDLE_PATTERNS),
  awaitingPatterns: settingsFields.awaitingPatterns.default(DEFAULT_AWAITING_PATTERNS),
  ownWorktree: settingsFields.ownWorktree.default(true),
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
/** GET /api/agents/resolve: which executable a command runs (for an agent in projectPath), and its --version. A
 *  command that resolves to nothing is an answer (200, `path: null`, `error`), not a bad request. */
export const ResolveQuery = z.strictObject({
  command: agentFields.command,
  projectPath: agentFields.projectPath.optional(),
});
export interface CommandResolution {
  command: string;
  /** The absolute path it resolves to, or null: then `error` says why (not found on the agents' PATH, not executable). */
  path: string | null;
  error: string | null;
  /** The first line of its `--version` output, or null (then versionError says why, when it was asked). */
  version: string | null;
  versionError: string | null;
}
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

// ---------- projects ----------
/**
 * A folder the task board knows: the home, each agent's project, and those remembered in agents.db (opened on the
 * board, or brought over from the original AreYouJ's settings). Its tasks are <path>/docs/tasks.db.
 */
export const Project = z.strictObject({
  path: z.string(),
  source: z.enum(['home', 'agent', 'user', 'legacy']),
  /** The folder exists on this machine (imported paths may not). */
  exists: z.boolean(),
});
export type Project = z.infer<typeof Project>;
export const ProjectCreate = z.strictObject({ path: z.string().min(1).max(4096) });

/** POST /api/projects/import-legacy: the original AreYouJ's checkout (or its server/data folder). */
export const LegacyImportRequest = z.strictObject({ path: z.string().trim().min(1, 'give the path of the original AreYouJ checkout').max(4096) });
export interface LegacyImportReport {
  /** The data folder read (<checkout>/server/data). */
  source: string;
  /** Project paths from settings.json; `added`: new to agents.db. */
  projects: { path: string; exists: boolean; added: boolean }[];
  /** One Claude Code agent per project with a queue; counts are what this run added. */
  agents: { project: string; agentId: string; agentName: string; created: boolean; history: number; queued: number }[];
  /** Files that could not be used, by path, and why. Nothing of them was imported. */
  skipped: { path: string; reason: string }[];
  /** False when this run added nothing (it was imported before). */
  changed: boolean;
}

/** POST /api/projects/plan: an agent turns a PRD or a goal into tasks on the project's board (the task tools). */
export const PlanRequest = z.strictObject({
  project: z.string().min(1).max(4096),
  agentId: z.string().min(1),
  kind: z.enum(['prd', 'goal']),
  text: z.string().trim().min(1, 'write the PRD or the goal (or choose a file)').max(200_000),
});
export type PlanRequest = z.infer<typeof PlanRequest>;

// ---------- instances ----------
export const InstanceCreate = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  cols: z.number().int().min(T.minCols).max(T.maxCols).optional(),
  rows: z.number().int().min(T.minRows).max(T.maxRows).optional(),
  prompt: z.string().min(1).max(200_000).optional(),
  projectPath: z.string().min(1).max(4096).optional(),
  taskId: taskId.optional(),
  taskProject: z.string().min(1).max(4096).optional(),
  /** The branch an own worktree starts from (default: the project's current branch). */
  base: z.string().min(1).max(200).optional(),
});
export type InstanceCreate = z.infer<typeof InstanceCreate>;

/** What to do with an instance's worktree when the instance is deleted (default: keep it). */
export const WORKTREE_ON_DELETE = ['keep', 'discard', 'discard-force'] as const;
export type WorktreeOnDelete = (typeof WORKTREE_ON_DELETE)[number];

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
  /** The answers Claude took for its questions (question → answer), on the message recording them. */
  answers: z.record(z.string(), z.string()).optional(),
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
  /** Its own git worktree (where the agent runs), or null when it works in the project itself. */
  worktree: InstanceWorktree.nullable(),
  /** Why it has no worktree of its own, when that is worth saying (e.g. the project is not a git repository). */
  worktreeNote: z.string().nullable(),
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

/** The answer to one of a `choices` question's questions: the chosen options (by label) and/or typed text. */
export const ChoiceAnswer = z.strictObject({
  question: z.string().min(1).max(20_000),
  options: z.array(z.string().min(1).max(20_000)).max(16).default([]),
  text: z.string().max(10_000).optional(),
});
export type ChoiceAnswer = z.infer<typeof ChoiceAnswer>;

/**
 * POST /respond. One of:
 * - {choice}: an option key the question offered (y, n, 1, enter…), an option number, or an intent (allow / allow_always /
 *   deny / feedback); with `text` for an option that takes text (intent feedback);
 * - {answers}: a `choices` question's answers, one per question answered;
 * - {cancel: true}: cancel the dialog as Esc does (skip the questions, reject the plan and stop).
 */
export const RespondBody = z.union([
  z.strictObject({
    choice: z.union([z.enum(OPTION_INTENTS), z.number().int().min(1).max(9), z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, 'an option key')]),
    text: z.string().trim().min(1, 'text must not be empty').max(10_000).optional(),
  }),
  z.strictObject({ answers: z.array(ChoiceAnswer).min(1, 'answer at least one question').max(8) }),
  z.strictObject({ cancel: z.literal(true) }),
]);
export type RespondBody = z.infer<typeof RespondBody>;

// ---------- errors ----------
export interface ApiErrorBody { error: { code: string; message: string; details?: unknown } }
