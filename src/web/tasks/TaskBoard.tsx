import { useEffect, useMemo, useState } from 'react';
import type { Task } from '../../common/schema.js';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../common/constants.js';
import { rememberBoard } from '../lib/actions.js';
import { baseName, shortPath } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { openDialog, useStore } from '../lib/store.js';
import { loadTasks } from '../lib/sync.js';
import { findTask, matches, stats } from './tasks.js';
import { TaskDetails } from './TaskDetails.js';
import { TaskTable } from './TaskTable.js';

/** The task board for one project's docs/tasks.db; it follows outside edits live. */
/** One empty list, so that memos over the tasks do not recompute on every render before the list is loaded. */
const NO_TASKS: Task[] = [];

export function TaskBoard({ project: routeProject, selected }: { project?: string; selected?: string }) {
  const home = useStore((s) => s.info?.home ?? '');
  const agents = useStore((s) => s.agents);
  const project = routeProject || home;
  const list = useStore((s) => s.tasks[project]);
  const error = useStore((s) => s.taskErrors[project]);
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const [priority, setPriority] = useState('');
  const [withSubtasks, setWithSubtasks] = useState(false);
  const [other, setOther] = useState('');

  useEffect(() => { if (project) void loadTasks(project); }, [project]);
  useEffect(() => rememberBoard(routeProject), [routeProject]);

  const projects = useMemo(() => {
    const set = new Set<string>([home, ...Object.values(agents).map((a) => a.projectPath), project].filter(Boolean));
    return [...set];
  }, [home, agents, project]);

  const tasks = list?.tasks ?? NO_TASKS;
  const st = stats(tasks);
  const filtering = !!(q || status || priority);
  const visible = useMemo(() => {
    const ok = (t: Task) => matches(t, q.trim()) && (!status || t.status === status) && (!priority || t.priority === priority);
    const out: { task: Task; subs: Task[] }[] = [];
    for (const t of tasks) {
      const subs = (t.subtasks ?? []).filter(ok);
      if (ok(t) || subs.length) out.push({ task: t, subs: filtering ? subs : t.subtasks ?? [] });
    }
    return out;
  }, [tasks, q, status, priority, filtering]);
  const current = selected ? findTask(tasks, selected) : undefined;
  const select = (id?: string) => navigate({ page: 'tasks', project: routeProject, task: id }, true);

  return (
    <div className={`page taskboard${current ? ' with-details' : ''}`} data-testid="taskboard">
      <div className="board-main">
        <div className="board-head">
          <div className="project-select">
            <label className="field-label" htmlFor="project">Project</label>
            <select id="project" value={project} data-testid="project-select" onChange={(e) => {
              if (e.target.value === '__other') { setOther(project); return; }
              navigate({ page: 'tasks', project: e.target.value === home ? undefined : e.target.value });
            }}>
              {projects.map((p) => <option key={p} value={p} title={p}>{p === home ? `Home — ${baseName(p)}` : shortPath(p, home)}</option>)}
              <option value="__other">Other folder…</option>
            </select>
            {other !== '' && (
              <form className="inline-form" onSubmit={(e) => { e.preventDefault(); navigate({ page: 'tasks', project: other.trim() }); setOther(''); }}>
                <input value={other} onChange={(e) => setOther(e.target.value)} autoFocus placeholder="/absolute/project/path" aria-label="Project folder" />
                <button className="btn small primary">Open</button>
              </form>
            )}
          </div>
          <div className="stats" data-testid="task-stats">
            <div className="stat"><b>{st.total}</b><span>total</span></div>
            <div className="stat st-done"><b>{st.done}</b><span>done</span></div>
            <div className="stat st-progress"><b>{st.inProgress}</b><span>in progress</span></div>
            <div className="stat"><b>{st.pending}</b><span>pending</span></div>
            <div className="stat progress" title={`${st.progress}% done`}>
              <b>{st.progress}%</b>
              <span className="bar"><span style={{ width: `${st.progress}%` }} /></span>
            </div>
          </div>
        </div>
        <div className="board-tools">
          <input type="search" className="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Search tasks or #id…" title="Searches titles, descriptions and details; #id finds a task" data-testid="task-search" aria-label="Search tasks" />
          <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="Filter by status" data-testid="task-filter-status">
            <option value="">Any status</option>
            {TASK_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
          <select value={priority} onChange={(e) => setPriority(e.target.value)} aria-label="Filter by priority" data-testid="task-filter-priority">
            <option value="">Any priority</option>
            {TASK_PRIORITIES.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
          <div className="segmented" role="group" aria-label="Subtasks">
            <button className={!withSubtasks ? 'on' : ''} aria-pressed={!withSubtasks} onClick={() => setWithSubtasks(false)}>Main tasks</button>
            <button className={withSubtasks ? 'on' : ''} aria-pressed={withSubtasks} onClick={() => setWithSubtasks(true)} data-testid="with-subtasks">With subtasks</button>
          </div>
          <button className="btn primary" onClick={() => openDialog({ type: 'task', project })} data-testid="new-task">+ New task</button>
        </div>
        {error && <p className="field-error" role="alert">{error}</p>}
        {!list && !error && <p className="muted">Loading tasks…</p>}
        {list && !list.exists && tasks.length === 0 && (
          <div className="empty-board">
            <p>No <code>docs/tasks.db</code> in this project yet.</p>
            <p className="muted">Create the first task and the file is made, in the original AreYouJ format your agents already know.</p>
          </div>
        )}
        {list && list.exists && visible.length === 0 && <p className="muted empty-table">{tasks.length ? 'No task matches these filters.' : 'No tasks yet.'}</p>}
        {visible.length > 0 && (
          <TaskTable rows={visible} project={project} expandAll={withSubtasks || filtering} selected={selected} onSelect={select} all={tasks} />
        )}
      </div>
      {current && <TaskDetails task={current} project={project} all={tasks} onClose={() => select(undefined)} onSelect={select} />}
    </div>
  );
}
