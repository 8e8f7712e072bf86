import { useEffect, useMemo, useRef, useState } from 'react';
import type { Project, Task } from '../../common/schema.js';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../common/constants.js';
import { rememberBoard } from '../lib/actions.js';
import { filterTasks, isFiltering } from '../../common/task-filter.js';
import { api } from '../lib/api.js';
import { baseName, shortPath } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { openDialog, useStore } from '../lib/store.js';
import { loadTasks } from '../lib/sync.js';
import { flatten, stats } from './tasks.js';
import { TaskDetails } from './TaskDetails.js';
import { TaskTable } from './TaskTable.js';

/** One empty list, so that memos over the tasks do not recompute on every render before the list is loaded. */
const NO_TASKS: Task[] = [];

/** The task board for one project's docs/tasks.db; it follows outside edits live. */
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
  const [known, setKnown] = useState<Project[]>([]);
  const scrollRef = useRef<HTMLDivElement>(null);

  useEffect(() => { if (project) void loadTasks(project); }, [project]);
  useEffect(() => rememberBoard(routeProject), [routeProject]);
  // The projects the server knows (home, agents', remembered and imported ones), refreshed when the agents change.
  useEffect(() => { void api.projects().then(setKnown).catch(() => undefined); }, [agents]);

  const projects = useMemo(() => {
    const out = new Map<string, Project | null>([[home, null]]);
    for (const p of known) out.set(p.path, p);
    for (const a of Object.values(agents)) if (!out.has(a.projectPath)) out.set(a.projectPath, null);
    if (project && !out.has(project)) out.set(project, null);
    return [...out.entries()].filter(([p]) => p);
  }, [home, agents, project, known]);

  const tasks = list?.tasks ?? NO_TASKS;
  const st = useMemo(() => stats(tasks), [tasks]);
  const byId = useMemo(() => new Map(flatten(tasks).map((t) => [t.id, t])), [tasks]);
  const filter = useMemo(() => ({ q, status, priority }), [q, status, priority]);
  const filtering = isFiltering(filter);
  const visible = useMemo(() => filterTasks(tasks, filter), [tasks, filter]);
  const current = selected ? byId.get(selected) : undefined;
  const select = (id?: string) => navigate({ page: 'tasks', project: routeProject, task: id }, true);
  const open = (p: string) => {
    void api.rememberProject(p).then(setKnown).catch(() => undefined); // remembered for the selector (if it is a folder)
    navigate({ page: 'tasks', project: p === home ? undefined : p });
  };

  return (
    <div className={`page taskboard${current ? ' with-details' : ''}`} data-testid="taskboard">
      <div className="board-main" ref={scrollRef} data-testid="board-scroll">
        <div className="board-head">
          <div className="project-select">
            <label className="field-label" htmlFor="project">Project</label>
            <select id="project" value={project} data-testid="project-select" onChange={(e) => {
              if (e.target.value === '__other') { setOther(project); return; }
              navigate({ page: 'tasks', project: e.target.value === home ? undefined : e.target.value });
            }}>
              {projects.map(([p, info]) => (
                <option key={p} value={p} title={p}>
                  {p === home ? `Home — ${baseName(p)}` : shortPath(p, home)}{info && !info.exists ? ' (not on this machine)' : ''}{info?.source === 'legacy' ? ' · imported' : ''}
                </option>
              ))}
              <option value="__other">Other folder…</option>
            </select>
            {other !== '' && (
              <form className="inline-form" onSubmit={(e) => { e.preventDefault(); open(other.trim()); setOther(''); }}>
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
          <input type="search" className="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Search tasks or #id…" data-testid="task-search" aria-label="Search tasks"
            title={list?.detailsOmitted ? 'Searches titles, descriptions and notes (this board is large: details are loaded per task); #id finds a task' : 'Searches titles, descriptions, details and notes; #id finds a task'} />
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
          <button className="btn" onClick={() => openDialog({ type: 'export', project, filter: filtering ? filter : undefined })} disabled={!tasks.length} data-testid="export-tasks"
            title="Download the board as CSV or an Excel workbook">Export</button>
          <button className="btn" onClick={() => openDialog({ type: 'plan', project })} data-testid="plan-tasks" title="An agent turns a PRD or a goal into tasks">Plan with an agent</button>
          <button className="btn primary" onClick={() => openDialog({ type: 'task', project })} data-testid="new-task">+ New task</button>
        </div>
        {error && <p className="field-error" role="alert">{error}</p>}
        {!list && !error && <p className="muted">Loading tasks…</p>}
        {list && !list.exists && tasks.length === 0 && (
          <div className="empty-board">
            <p>No <code>docs/tasks.db</code> in this project yet.</p>
            <p className="muted">Create the first task, or let an agent plan them, and the file is made in the original AreYouJ format your agents already know.</p>
          </div>
        )}
        {list && list.exists && visible.length === 0 && <p className="muted empty-table">{tasks.length ? 'No task matches these filters.' : 'No tasks yet.'}</p>}
        {visible.length > 0 && (
          <TaskTable rows={visible} project={project} expandAll={withSubtasks || filtering} selected={selected} onSelect={select} byId={byId} scrollRef={scrollRef} />
        )}
      </div>
      {current && <TaskDetails task={current} project={project} byId={byId} detailsOmitted={!!list?.detailsOmitted} onClose={() => select(undefined)} onSelect={select} />}
    </div>
  );
}
