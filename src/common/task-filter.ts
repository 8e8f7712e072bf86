// The board's filter (words, status, priority), defined once: the web app filters with it as you type, and the server
// exports "the current filter" with it (GET /api/tasks/export?q=&status=&priority=). Zod-free: the web app imports it.
import type { Task } from './schema.js';
import { TASK_PRIORITIES, TASK_STATUSES } from './constants.js';

export interface TaskFilter { q?: string; status?: string; priority?: string }

export function isTaskStatus(s: string): s is Task['status'] { return (TASK_STATUSES as readonly string[]).includes(s); }
export function isTaskPriority(s: string): s is Task['priority'] { return (TASK_PRIORITIES as readonly string[]).includes(s); }

/** A task matches words when its id (as "3" or "#3") is them, or its title, description, details or notes hold them. */
export function matchesWords(t: Task, q: string): boolean {
  if (!q) return true;
  const s = q.toLowerCase();
  return t.id === q || `#${t.id}` === q || t.title.toLowerCase().includes(s) || t.description.toLowerCase().includes(s)
    || (t.details ?? '').toLowerCase().includes(s) || (t.notes ?? '').toLowerCase().includes(s);
}

export const isFiltering = (f: TaskFilter) => !!(f.q?.trim() || f.status || f.priority);

/**
 * The visible rows of a board: each top-level task that matches or has a matching subtask, with its matching
 * subtasks (all of them when nothing filters).
 */
export function filterTasks(tasks: Task[], f: TaskFilter): { task: Task; subs: Task[] }[] {
  const q = f.q?.trim() ?? '';
  const filtering = isFiltering(f);
  const ok = (t: Task) => matchesWords(t, q) && (!f.status || t.status === f.status) && (!f.priority || t.priority === f.priority);
  const out: { task: Task; subs: Task[] }[] = [];
  for (const t of tasks) {
    const subs = filtering ? (t.subtasks ?? []).filter(ok) : t.subtasks ?? [];
    if (!filtering || ok(t) || subs.length) out.push({ task: t, subs });
  }
  return out;
}
