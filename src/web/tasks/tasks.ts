// Task tree helpers for the board.
import type { Instance, Task, TaskInstanceLink } from '../../common/schema.js';

export function flatten(tasks: Task[]): Task[] {
  const out: Task[] = [];
  for (const t of tasks) { out.push(t); if (t.subtasks) out.push(...t.subtasks); }
  return out;
}

export function findTask(tasks: Task[], id: string): Task | undefined {
  for (const t of tasks) {
    if (t.id === id) return t;
    const s = t.subtasks?.find((x) => x.id === id);
    if (s) return s;
  }
  return undefined;
}

export function stats(tasks: Task[]) {
  const all = flatten(tasks);
  const done = all.filter((t) => t.status === 'done').length;
  const inProgress = all.filter((t) => t.status === 'in-progress').length;
  return { total: all.length, done, inProgress, pending: all.length - done - inProgress, progress: all.length ? Math.round((done / all.length) * 100) : 0 };
}

/**
 * The prompt a task becomes when handed to an agent: all the task says (its notes often hold the file paths to work
 * on), with its subtasks, each with its status and what it says.
 */
export function taskPrompt(t: Task): string {
  const parts = [`Task #${t.id}: ${t.title}`];
  if (t.description.trim()) parts.push(t.description.trim());
  if (t.details?.trim()) parts.push(`Details:\n${t.details.trim()}`);
  if (t.notes?.trim()) parts.push(`Notes:\n${t.notes.trim()}`);
  if (t.subtasks?.length) {
    parts.push(`Subtasks:\n${t.subtasks.map((s) => {
      const lines = [`- #${s.id} ${s.title} (${s.status})`];
      for (const [label, text] of [['', s.description], ['Details: ', s.details], ['Notes: ', s.notes]] as const) {
        if (text?.trim()) lines.push(...`${label}${text.trim()}`.split('\n').map((l) => `  ${l}`));
      }
      return lines.join('\n');
    }).join('\n')}`);
  }
  if (t.dependencies.length) parts.push(`Depends on: ${t.dependencies.map((d) => `#${d}`).join(', ')}`);
  return parts.join('\n\n');
}

/** Task id → the instances linked to it: the live ones from the store (status, new links), plus any the server listed. */
export function taskLinks(instances: Record<string, Instance>, project: string): Map<string, TaskInstanceLink[]> {
  const out = new Map<string, TaskInstanceLink[]>();
  for (const i of Object.values(instances)) {
    if (!i.taskId || i.taskProject !== project) continue;
    const list = out.get(i.taskId) ?? [];
    list.push({ id: i.id, agentId: i.agentId, agentName: i.agentName, name: i.name, status: i.status });
    out.set(i.taskId, list);
  }
  return out;
}

export function linksOf(t: Task, live: Map<string, TaskInstanceLink[]>, instances: Record<string, Instance>): TaskInstanceLink[] {
  const mine = live.get(t.id) ?? [];
  // The server's list, less instances the store knows are linked elsewhere now (or deleted, once loaded).
  const rest = (t.instances ?? []).filter((i) => !mine.some((m) => m.id === i.id) && !instances[i.id]);
  return [...mine, ...rest];
}
