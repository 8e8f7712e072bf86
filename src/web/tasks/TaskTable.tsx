import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Task, TaskInstanceLink } from '../../common/schema.js';
import { TASK_STATUSES } from '../../common/constants.js';
import { api } from '../lib/api.js';
import { attempt, openTab } from '../lib/actions.js';
import { ago, fullTime, truncate } from '../lib/format.js';
import { loadTasks } from '../lib/sync.js';
import { useStore } from '../lib/store.js';
import { linksOf, taskLinks } from './tasks.js';
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

export function Deps({ task, byId, onSelect }: { task: Task; byId: Map<string, Task>; onSelect: (id: string) => void }) {
  if (!task.dependencies.length) return <span className="muted">—</span>;
  return (
    <span className="deps">
      {task.dependencies.map((d) => {
        const dep = byId.get(d);
        const done = dep?.status === 'done';
        return (
          <button key={d} className={`dep${done ? ' done' : ''}`} title={dep ? `${dep.title} (${dep.status})` : `#${d} (missing)`}
            onClick={(e) => { e.stopPropagation(); onSelect(d); }}>{done ? '✓' : '○'} #{d}</button>
        );
      })}
    </span>
  );
}

/** One row; memoised: while the board scrolls, only the rows coming into view render. */
const Row = memo(function Row({ t, sub, project, byId, open, onToggle, current, onSelect, links, index, measure }: {
  t: Task; sub: boolean; project: string; byId: Map<string, Task>; open?: boolean; onToggle: (id: string) => void; current: boolean;
  onSelect: (id: string) => void; links: TaskInstanceLink[]; index: number; measure: (el: HTMLTableRowElement | null) => void;
}) {
  const kids = t.subtasks ?? [];
  const doneKids = kids.filter((k) => k.status === 'done').length;
  return (
    <tr ref={measure} data-index={index} className={`task-row${sub ? ' sub' : ''}${current ? ' current' : ''} tp-${t.priority} ts-${t.status}`} onClick={() => onSelect(t.id)}
      data-testid="task-row" data-task={t.id}>
      <td className="c-id" data-label="">
        {!sub && kids.length > 0 ? (
          <button className="expander" aria-expanded={open} aria-label={open ? 'Collapse subtasks' : 'Expand subtasks'} data-testid="task-expand"
            onClick={(e) => { e.stopPropagation(); onToggle(t.id); }}>{open ? '▾' : '▸'}</button>
        ) : <span className="expander-space" />}
        <span className="task-id">#{t.id}</span>
      </td>
      <td className="c-title" data-label="">
        <div className="task-title" data-testid="task-title" title={t.title}>{t.title}</div>
        {t.description && <div className="task-desc muted">{truncate(t.description, 140)}</div>}
      </td>
      <td className="c-status" data-label="Status"><TaskStatusSelect project={project} task={t} /></td>
      <td className="c-priority" data-label="Priority"><span className={`prio prio-${t.priority}`}>{t.priority}</span></td>
      <td className="c-deps" data-label="Depends on"><Deps task={t} byId={byId} onSelect={onSelect} /></td>
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
});

const NO_LINKS: TaskInstanceLink[] = [];
/** A row's height before it is measured (one line of title, one of description: 53 px on a desktop). */
const estimateSize = () => 53;
const noMeasure = () => undefined;
/**
 * Up to this many rows the table is not virtualised: every row is in the page, so the browser's find, printing and
 * screen readers see the whole board, and a row added at the end is there at once. Above it, rendering them all
 * would cost (10,000 rows: seconds), and only the rows in view are rendered.
 */
export const VIRTUALISE_ABOVE = 200;

/**
 * The board's table. Large boards are virtualised (@tanstack/react-virtual): only the rows in view (and a few around
 * them) are in the page, with spacer rows above and below, so 10,000 tasks scroll as smoothly as 10. `scrollRef` is
 * the element that scrolls (the board), the table somewhere inside it. The selected task's row is scrolled into view
 * when it is selected (a task just created, a dependency followed, a link opened), or when it first appears.
 */
export function TaskTable({ rows, project, expandAll, selected, onSelect, byId, scrollRef }: {
  rows: { task: Task; subs: Task[] }[]; project: string; expandAll: boolean; selected?: string; onSelect: (id: string) => void;
  byId: Map<string, Task>; scrollRef: RefObject<HTMLElement | null>;
}) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  const instances = useStore((s) => s.instances);
  const live = useMemo(() => taskLinks(instances, project), [instances, project]);
  // Each task's links, once per change of the tasks or the instances (stable arrays: the memoised rows stay put).
  const links = useMemo(() => {
    const out = new Map<string, TaskInstanceLink[]>();
    for (const t of byId.values()) {
      if (!t.instances?.length && !live.has(t.id)) continue;
      const l = linksOf(t, live, instances);
      if (l.length) out.set(t.id, l);
    }
    return out;
  }, [byId, live, instances]);
  const toggle = useCallback((id: string) => setOpen((p) => { const n = new Set(p); if (n.has(id)) n.delete(id); else n.add(id); return n; }), []);
  const flat = useMemo(() => {
    const out: { t: Task; sub: boolean; open: boolean }[] = [];
    for (const { task, subs } of rows) {
      const isOpen = expandAll || open.has(task.id) || (!!selected && selected.startsWith(`${task.id}.`));
      out.push({ t: task, sub: false, open: isOpen });
      if (isOpen) for (const s of subs) out.push({ t: s, sub: true, open: false });
    }
    return out;
  }, [rows, expandAll, open, selected]);

  const tbodyRef = useRef<HTMLTableSectionElement>(null);
  const [margin, setMargin] = useState(0);
  // Where the rows start inside the scrolling board (the head and the tools above them can change height).
  useLayoutEffect(() => {
    const body = tbodyRef.current, scroller = scrollRef.current;
    if (!body || !scroller) return;
    const measureMargin = () => setMargin(body.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop);
    measureMargin();
    const ro = new ResizeObserver(measureMargin);
    for (const el of scroller.children) if (!el.contains(body)) ro.observe(el);
    return () => ro.disconnect();
  }, [scrollRef]);
  const virtual = flat.length > VIRTUALISE_ABOVE;
  // Stable options: the virtualizer recomputes every row's position when one of them changes. Overscan 4 rows (enough
  // for a wheel step): with 12, Chromium's paint per scrolled frame took twice as long (a trace: 9.2 → 4.8 ms a frame;
  // bench 8, 100 px steps: p95 frame 43 → 28 ms).
  const getItemKey = useCallback((i: number) => flat[i].t.id, [flat]);
  const getScrollElement = useCallback(() => scrollRef.current, [scrollRef]);
  const v = useVirtualizer({ count: flat.length, getScrollElement, estimateSize, overscan: 4, scrollMargin: margin, getItemKey, enabled: virtual });
  const items = virtual ? v.getVirtualItems() : null;
  const top = items?.length ? items[0].start - margin : 0;
  const bottom = items?.length ? v.getTotalSize() - (items[items.length - 1].end - margin) : 0;

  // The selected task's row into view, once per selection (the user may scroll away from it afterwards).
  const selectedIndex = useMemo(() => (selected ? flat.findIndex((r) => r.t.id === selected) : -1), [flat, selected]);
  const shown = useRef<string | undefined>(undefined);
  useLayoutEffect(() => {
    if (!selected) { shown.current = undefined; return; }
    if (selectedIndex < 0 || shown.current === selected) return;
    shown.current = selected;
    // A row in the page is placed by its real box (scroll-padding keeps it clear of the sticky header); one the
    // virtualiser has not rendered is brought to the middle by its estimated position (then measured, and rendered).
    const el = tbodyRef.current?.querySelector(`tr[data-index="${selectedIndex}"]`);
    if (el || !virtual) el?.scrollIntoView({ block: 'nearest' });
    else v.scrollToIndex(selectedIndex, { align: 'center' });
  }, [selected, selectedIndex, virtual, v]);

  const row = (r: (typeof flat)[number], index: number) => (
    <Row key={r.t.id} t={r.t} sub={r.sub} project={project} byId={byId} open={r.open} onToggle={toggle} current={selected === r.t.id}
      onSelect={onSelect} links={links.get(r.t.id) ?? NO_LINKS} index={index} measure={virtual ? v.measureElement : noMeasure} />
  );
  return (
    <table className="grid task-table" data-testid="task-table" data-rows={flat.length} data-virtual={virtual}>
      <thead><tr><th className="c-id">ID</th><th className="c-title">Title</th><th className="c-status">Status</th><th className="c-priority">Priority</th><th className="c-deps">Depends on</th><th className="c-sub">Subtasks</th><th className="c-agents">Agents</th><th className="c-updated">Updated</th></tr></thead>
      <tbody ref={tbodyRef}>
        {top > 0 && <tr className="spacer" aria-hidden="true" style={{ height: top }} />}
        {items ? items.map((it) => row(flat[it.index], it.index)) : flat.map(row)}
        {bottom > 0 && <tr className="spacer" aria-hidden="true" style={{ height: bottom }} />}
      </tbody>
    </table>
  );
}
