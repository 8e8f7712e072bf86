// The task board as MCP tools (the official TypeScript SDK): one McpServer per connection, bound to one project's
// docs/tasks.db. Inputs are the REST API's own schemas (src/common/schema.ts) and every write goes through the
// TaskService, so the checks (unknown ids, dependency cycles, one level of subtasks) and the events (task.created,
// task.updated → the board, live) are the same as for the dashboard. See docs/mcp.md.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { TaskCreate, TaskId, TaskPriority, TaskStatus, TaskUpdate, type Task } from '../../common/schema.js';
import type { TaskService } from '../tasks/service.js';

/** The instance the tools serve (over HTTP, with its secret), to name its task in the instructions. */
export interface McpCaller { instanceId: string; agentName: string; taskId: string | null }

export interface TaskToolsOptions { project: string; tasks: TaskService; caller?: McpCaller; version: string }

/** What list_tasks returns per task: enough to choose one, without the long texts. */
interface TaskSummary {
  id: string; title: string; status: Task['status']; priority: Task['priority']; parentId: string | null; dependencies: string[];
  subtasks?: { total: number; done: number };
}

export const LIST_LIMIT = { default: 100, max: 1000 } as const;

export const ListTasksInput = z.strictObject({
  status: TaskStatus.optional().describe('only tasks with this status'),
  priority: TaskPriority.optional().describe('only tasks with this priority'),
  query: z.string().max(500).optional().describe('words to find in the id, title, description, details or notes (case-insensitive)'),
  parentId: TaskId.optional().describe("only this task's subtasks"),
  includeSubtasks: z.boolean().default(true).describe('list subtasks too (default true); false: top-level tasks only'),
  limit: z.number().int().min(1).max(LIST_LIMIT.max).default(LIST_LIMIT.default),
});
export const GetTaskInput = z.strictObject({ id: TaskId });
export const UpdateTaskInput = TaskUpdate.extend({ id: TaskId }).refine((v) => Object.keys(v).length > 1, 'give at least one field to change besides id');
export const AddSubtaskInput = TaskCreate.omit({ parentId: true }).extend({ parentId: TaskId.describe('the task to add the subtask to') });

const flat = (tasks: Task[]): Task[] => tasks.flatMap((t) => [t, ...(t.subtasks ?? [])]);

function summary(t: Task): TaskSummary {
  const s: TaskSummary = { id: t.id, title: t.title, status: t.status, priority: t.priority, parentId: t.parentId, dependencies: t.dependencies };
  if (t.subtasks?.length) s.subtasks = { total: t.subtasks.length, done: t.subtasks.filter((x) => x.status === 'done').length };
  return s;
}

const text = (value: unknown) => ({ content: [{ type: 'text' as const, text: JSON.stringify(value, null, 2) }] });

function matches(t: Task, q: string): boolean {
  const s = q.toLowerCase().replace(/^#/, '');
  return t.id === s || [t.title, t.description, t.details, t.notes ?? ''].some((f) => f.toLowerCase().includes(s));
}

/** The server's instructions: the project, the statuses, and the caller's own task when it has one. */
export function instructionsFor(o: { project: string; caller?: McpCaller; task?: Task }): string {
  const lines = [
    `The AreYouJ task board of the project ${o.project} (its docs/tasks.db). Use these tools instead of editing tasks.db with sqlite3:`,
    'list_tasks / get_task to read, create_task and add_subtask to plan, update_task to record progress.',
    'Statuses: pending → in-progress (when you start) → done (when it is finished and checked). Write what you did, and anything left open, into notes.',
    'Dependencies name task ids that must exist and may not form a cycle; subtasks have one level ("3.1" under "3").',
  ];
  if (o.task) {
    lines.push(`You (${o.caller?.agentName ?? 'this agent'}) are working on task #${o.task.id}: "${o.task.title}" (now ${o.task.status}). `
      + `Set it in-progress with update_task when you start, and done when it is finished.`);
  } else if (o.caller?.taskId) {
    lines.push(`Your linked task #${o.caller.taskId} no longer exists on this board.`);
  }
  return lines.join('\n');
}

export function createTaskMcpServer(o: TaskToolsOptions): McpServer {
  const { project, tasks } = o;
  const task = o.caller?.taskId ? tasks.store(project).find(o.caller.taskId) : undefined;
  const mine = task ? ` Your task is #${task.id}.` : '';
  const server = new McpServer({ name: 'areyouj-tasks', version: o.version }, { instructions: instructionsFor({ project, caller: o.caller, task }) });

  server.registerTool('list_tasks', {
    title: 'List or search tasks',
    description: `Lists the tasks of ${project} (id, title, status, priority, dependencies, subtask counts), in id order, filtered by status, priority, words or parent.${mine}`,
    inputSchema: ListTasksInput,
    annotations: { readOnlyHint: true },
  }, async (a) => {
    let all = a.parentId ? tasks.store(project).get(a.parentId).subtasks ?? [] : tasks.list(project).tasks;
    if (!a.parentId && a.includeSubtasks) all = flat(all);
    const found = all.filter((t) => (!a.status || t.status === a.status) && (!a.priority || t.priority === a.priority) && (!a.query || matches(t, a.query.trim())));
    return text({ project, total: found.length, shown: Math.min(found.length, a.limit), tasks: found.slice(0, a.limit).map(summary) });
  });

  server.registerTool('get_task', {
    title: 'Get one task',
    description: `One task of ${project} in full: description, details (Markdown), notes, its subtasks, the tasks it depends on and the tasks that depend on it.${mine}`,
    inputSchema: GetTaskInput,
    annotations: { readOnlyHint: true },
  }, async ({ id }) => {
    const t = tasks.store(project).get(id);
    const all = flat(tasks.list(project).tasks);
    const brief = (x: Task) => ({ id: x.id, title: x.title, status: x.status });
    const byId = new Map(all.map((x) => [x.id, x]));
    const { subtasks, instances: _i, ...rest } = t;
    return text({
      ...rest,
      dependencies: t.dependencies.map((d) => (byId.get(d) ? brief(byId.get(d)!) : { id: d, title: '(missing)', status: null })),
      dependents: all.filter((x) => x.dependencies.includes(t.id)).map(brief),
      parent: t.parentId && byId.get(t.parentId) ? brief(byId.get(t.parentId)!) : null,
      subtasks: (subtasks ?? []).map(summary),
    });
  });

  server.registerTool('create_task', {
    title: 'Create a task',
    description: `Creates a task in ${project}; the id is assigned ("N", or "N.M" with parentId). Returns the task.`,
    inputSchema: TaskCreate,
  }, async (input) => text(tasks.create(project, input)));

  server.registerTool('add_subtask', {
    title: 'Add a subtask',
    description: `Adds a subtask to a top-level task of ${project} (ids "N.1", "N.2", …). Returns the subtask.`,
    inputSchema: AddSubtaskInput,
  }, async (input) => text(tasks.create(project, input)));

  server.registerTool('update_task', {
    title: 'Update a task',
    description: `Changes a task of ${project}: status (pending | in-progress | done), notes, details, and any other field but its parent. Returns the task.${mine}`,
    inputSchema: UpdateTaskInput,
    annotations: { idempotentHint: true },
  }, async ({ id, ...patch }) => text(tasks.update(project, id, patch)));

  return server;
}
