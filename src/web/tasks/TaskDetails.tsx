import { useEffect, useMemo, useState } from 'react';
import Markdown from 'react-markdown';
import type { Task } from '../../common/schema.js';
import { api } from '../lib/api.js';
import { openTab } from '../lib/actions.js';
import { fullTime } from '../lib/format.js';
import { openDialog, useStore } from '../lib/store.js';
import { loadTasks } from '../lib/sync.js';
import { linksOf, taskLinks } from './tasks.js';
import { StatusBadge } from '../instances/StatusBadge.js';
import { Deps, TaskStatusSelect } from './TaskTable.js';

/** One task in full: details as Markdown (sanitised: HTML is shown as text), dependencies, subtasks, linked instances. */
export function TaskDetails({ task, project, byId, detailsOmitted, onClose, onSelect }: {
  task: Task; project: string; byId: Map<string, Task>; detailsOmitted: boolean; onClose: () => void; onSelect: (id: string) => void;
}) {
  const hasAgents = useStore((s) => Object.keys(s.agents).length > 0);
  const instances = useStore((s) => s.instances);
  const links = linksOf(task, taskLinks(instances, project), instances);
  const dependents = useMemo(() => [...byId.values()].filter((t) => t.dependencies.includes(task.id)), [byId, task.id]);
  // A large board's list leaves details out (detailsOmitted): this task's come from GET /api/tasks/:id, again when it changes.
  const [full, setFull] = useState<{ key: string; details: string } | null>(null);
  const key = `${project}\u0000${task.id}\u0000${task.updatedAt}`;
  useEffect(() => {
    if (!detailsOmitted) return;
    let live = true;
    void api.task(project, task.id).then((t) => { if (live) setFull({ key, details: t.details }); }).catch(() => undefined);
    return () => { live = false; };
  }, [detailsOmitted, project, task.id, key]);
  const details = detailsOmitted ? (full?.key === key ? full.details : null) : task.details;
  const remove = () => openDialog({
    type: 'confirm',
    title: `Delete task #${task.id}?`,
    body: `"${task.title}"${task.subtasks?.length ? ` and its ${task.subtasks.length} subtasks` : ''} will be deleted, with every dependency on ${task.subtasks?.length ? 'them' : 'it'}.`,
    confirmLabel: 'Delete task',
    danger: true,
    onConfirm: async () => { await api.deleteTask(project, task.id); onClose(); void loadTasks(project); },
  });
  return (
    <aside className="task-details" data-testid="task-details" aria-label={`Task ${task.id}`}>
      <header className="details-head">
        <span className="task-id">#{task.id}</span>
        <button className="icon-btn" onClick={onClose} aria-label="Close details" title="Close">×</button>
      </header>
      <h2 className="details-title" data-testid="details-title">{task.title}</h2>
      <div className="details-row">
        <TaskStatusSelect project={project} task={task} />
        <span className={`prio prio-${task.priority}`}>{task.priority} priority</span>
      </div>
      <div className="details-actions">
        <button className="btn small primary" disabled={!hasAgents} title={hasAgents ? 'Send this task to an agent' : 'Create an agent first'}
          onClick={() => openDialog({ type: 'handoff', project, taskId: task.id })} data-testid="handoff">Hand to agent →</button>
        <button className="btn small" onClick={() => openDialog({ type: 'task', project, taskId: task.id })} data-testid="edit-task">Edit</button>
        {!task.parentId && <button className="btn small" onClick={() => openDialog({ type: 'task', project, parentId: task.id })} data-testid="add-subtask">+ Subtask</button>}
        <button className="btn small ghost danger" onClick={remove} data-testid="delete-task">Delete</button>
      </div>
      {task.description && <section><h3>Description</h3><p className="plain" data-testid="details-description">{task.description}</p></section>}
      {details === null && <section><h3>Details</h3><p className="muted">Loading details…</p></section>}
      {details && <section><h3>Details</h3><div className="md" data-testid="details-markdown"><Markdown>{details}</Markdown></div></section>}
      {task.notes && <section><h3>Notes</h3><p className="plain">{task.notes}</p></section>}
      <section>
        <h3>Depends on</h3>
        <Deps task={task} byId={byId} onSelect={onSelect} />
        {dependents.length > 0 && <>
          <h3>Needed by</h3>
          <span className="deps">{dependents.map((d) => <button key={d.id} className="dep" onClick={() => onSelect(d.id)}>#{d.id}</button>)}</span>
        </>}
      </section>
      {!!task.subtasks?.length && (
        <section>
          <h3>Subtasks</h3>
          <ul className="sublist">
            {task.subtasks.map((s) => (
              <li key={s.id}><button className="link-btn" onClick={() => onSelect(s.id)}><span className={`tdot ts-${s.status}`} aria-hidden="true" />#{s.id} {s.title}</button><span className="muted"> {s.status}</span></li>
            ))}
          </ul>
        </section>
      )}
      {links.length > 0 && (
        <section>
          <h3>Agents on it</h3>
          <ul className="sublist">
            {links.map((i) => (
              <li key={i.id} data-testid="details-instance" data-instance={i.id}><button className="link-btn" onClick={() => openTab(i.id)}>{i.agentName} · {i.name}</button> <StatusBadge status={i.status} /></li>
            ))}
          </ul>
        </section>
      )}
      <footer className="details-foot muted">Created {fullTime(task.createdAt) || '—'} · Updated {fullTime(task.updatedAt) || '—'}</footer>
    </aside>
  );
}
