import { useMemo, useState } from 'react';
import type { Task, TaskInstanceLink } from '../../common/schema.js';
import { TASK_STATUSES } from '../../common/constants.js';
import { api } from '../lib/api.js';
import { attempt, openTab } from '../lib/actions.js';
import { ago, fullTime, truncate } from '../lib/format.js';
import { loadTasks } from '../lib/sync.js';
import { useStore } from '../lib/store.js';
import { findTask, linksOf, taskLinks } from './tasks.js';
import { StatusBadge } from '../instances/StatusBadge.js';

export async function setTaskStatus(project: string, t: Task, status: Task['status']) {
  const r = await attempt(() => api.updateTask(project, t.id, { status }));
  if (r) void loadTasks(project);
}

export function TaskStatusSelect({ project, task }: { project: string; task: Task }) {
  return (
    <select className={`status-select ts-${task.status}`} value={task.status} aria-label={`Status of task ${task.id}`} data-testid="task-status-select"
      onClick={(e) => e.stopPropagation()} onChange={(e) => void setTaskStatus(project, task, e.target.value as Task['status'])}>
      {TASK_STATUSES.map((s) => <option key={s} value={s}>{s === 'in-progress' ? 'in progress' : s}</option>)}
    </select>
  );
}

export function Deps({ task, all, onSelect }: { task: Task; all: Task[]; onSelect: (id: string) => void }) {
  if (!task.dependencies.length) return <span className="muted">—</span>;
  return (
    <span className="deps">
      {task.dependencies.map((d) => {
        const dep = findTask(all, d);
        const done = dep?.status === 'done';
        return (
          <button key={d} className={`dep${done ? ' done' : ''}`} title={dep ? `${dep.title} (${dep.status})` : `#${d} (missing)`}
            onClick={(e) => { e.stopPropagation(); onSelect(d); }}>{done ? '✓' : '○'} #{d}</button>
        );
      })}
    </span>
  );
}

function Row({ t, sub, project, all, open, onToggle, selected, onSelect, links }: {
  t: Task; sub: boolean; project: string; all: Task[]; open?: boolean; onToggle?: () => void; selected?: string; onSelect: (id: string) => void;
  links: TaskInstanceLink[];
}) {
  const kids = t.subtasks ?? [];
  const doneKids = kids.filter((k) => k.status === 'done').length;
  return (
    <tr className={`task-row${sub ? ' sub' : ''}${selected === t.id ? ' current' : ''} tp-${t.priority} ts-${t.status}`} onClick={() => onSelect(t.id)}
      data-testid="task-row" data-task={t.id}>
      <td className="c-id" data-label="">
        {!sub && kids.length > 0 ? (
          <button className="expander" aria-expanded={open} aria-label={open ? 'Collapse subtasks' : 'Expand subtasks'} data-testid="task-expand"
            onClick={(e) => { e.stopPropagation(); onToggle?.(); }}>{open ? '▾' : '▸'}</button>
        ) : <span className="expander-space" />}
        <span className="task-id">#{t.id}</span>
      </td>
      <td className="c-title" data-label="">
        <div className="task-title" data-testid="task-title">{t.title}</div>
        {t.description && <div className="task-desc muted">{truncate(t.description, 140)}</div>}
      </td>
      <td className="c-status" data-label="Status"><TaskStatusSelect project={project} task={t} /></td>
      <td className="c-priority" data-label="Priority"><span className={`prio prio-${t.priority}`}>{t.priority}</span></td>
      <td className="c-deps" data-label="Depends on"><Deps task={t} all={all} onSelect={onSelect} /></td>
      <td className="c-sub" data-label="Subtasks">{kids.length ? <span className="subcount">{doneKids}/{kids.length}</span> : <span className="muted">—</span>}</td>
      <td className="c-agents" data-label="Agents">
        {links.length ? links.map((i) => (
          <button key={i.id} className="inst-chip" data-testid="task-instance" data-instance={i.id} title={`${i.agentName} · ${i.name}`} onClick={(e) => { e.stopPropagation(); openTab(i.id); }}>
            <StatusBadge status={i.status} compact /> {i.agentName}
          </button>
        )) : <span className="muted">—</span>}
      </td>
      <td className="c-updated muted" data-label="Updated" title={fullTime(t.updatedAt)}>{ago(t.updatedAt)}</td>
    </tr>
  );
}

export function TaskTable({ rows, project, expandAll, selected, onSelect, all }: {
  rows: { task: Task; subs: Task[] }[]; project: string; expandAll: boolean; selected?: string; onSelect: (id: string) => void; all: Task[];
}) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  const instances = useStore((s) => s.instances);
  const live = useMemo(() => taskLinks(instances, project), [instances, project]);
  const toggle = (id: string) => setOpen((p) => { const n = new Set(p); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  return (
    <table className="grid task-table" data-testid="task-table">
      <thead><tr><th className="c-id">ID</th><th className="c-title">Title</th><th className="c-status">Status</th><th className="c-priority">Priority</th><th className="c-deps">Depends on</th><th className="c-sub">Subtasks</th><th className="c-agents">Agents</th><th className="c-updated">Updated</th></tr></thead>
      <tbody>
        {rows.map(({ task, subs }) => {
          const isOpen = expandAll || open.has(task.id) || (!!selected && selected.startsWith(`${task.id}.`));
          return [
            <Row key={task.id} t={task} sub={false} project={project} all={all} open={isOpen} onToggle={() => toggle(task.id)} selected={selected} onSelect={onSelect} links={linksOf(task, live, instances)} />,
            ...(isOpen ? subs.map((s) => <Row key={s.id} t={s} sub project={project} all={all} selected={selected} onSelect={onSelect} links={linksOf(s, live, instances)} />) : []),
          ];
        })}
      </tbody>
    </table>
  );
}
