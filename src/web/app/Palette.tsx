import { useEffect, useMemo, useState } from 'react';
import type { Task } from '../../common/schema.js';
import { isLive } from '../../common/constants.js';
import { openTab, startInstance, tasksRoute } from '../lib/actions.js';
import { navigate } from '../lib/router.js';
import { STATUS } from '../instances/status.js';
import { getState, openDialog, useStore } from '../lib/store.js';
import { loadTasks } from '../lib/sync.js';
import { Dialog } from '../ui/Dialog.js';

interface Item { key: string; group: string; label: string; hint?: string; run: () => void }

function score(text: string, q: string): number {
  if (!q) return 1;
  const t = text.toLowerCase();
  const i = t.indexOf(q);
  if (i >= 0) return 100 - i;
  let pos = 0;
  for (const ch of q) { pos = t.indexOf(ch, pos); if (pos < 0) return 0; pos++; }
  return 1;
}

/** Ctrl+K: jump to any agent, instance or task, or run a common action. */
export function Palette({ onClose }: { onClose: () => void }) {
  const [q, setQ] = useState('');
  const [sel, setSel] = useState(0);
  const agents = useStore((s) => s.agents);
  const instances = useStore((s) => s.instances);
  const tasks = useStore((s) => s.tasks);

  // Tasks of every project known here (the home's, each agent's, each linked task's), not only of boards opened before.
  useEffect(() => {
    const s = getState();
    const projects = new Set([s.info?.home, ...Object.values(s.agents).map((a) => a.projectPath), ...Object.values(s.instances).map((i) => i.taskProject)]);
    for (const p of projects) if (p && !s.tasks[p] && !s.taskErrors[p]) void loadTasks(p);
  }, []);

  const items = useMemo(() => {
    const out: Item[] = [];
    const go = (fn: () => void) => () => { openDialog(null); fn(); };
    out.push({ key: 'a:overview', group: 'Go to', label: 'Overview', run: go(() => navigate({ page: 'overview' })) });
    out.push({ key: 'a:tasks', group: 'Go to', label: 'Task board', run: go(() => navigate(tasksRoute())) });
    out.push({ key: 'a:new-agent', group: 'Action', label: 'New agent…', run: () => openDialog({ type: 'agent' }) });
    const live = Object.values(instances).sort((a, b) => Number(isLive(b.status)) - Number(isLive(a.status)) || b.lastActivityAt.localeCompare(a.lastActivityAt));
    for (const i of live) {
      out.push({ key: `i:${i.id}`, group: 'Instance', label: `${i.agentName} · ${i.name}`, hint: STATUS[i.status].label, run: go(() => openTab(i.id)) });
    }
    for (const a of Object.values(agents)) {
      out.push({ key: `g:${a.id}`, group: 'Agent', label: `Start ${a.name}`, hint: a.projectPath, run: go(() => void startInstance(a.id)) });
      out.push({ key: `e:${a.id}`, group: 'Agent', label: `Edit ${a.name}`, run: () => openDialog({ type: 'agent', agentId: a.id }) });
    }
    for (const [project, list] of Object.entries(tasks)) {
      const walk = (ts: Task[]) => {
        for (const t of ts) {
          out.push({ key: `t:${project}:${t.id}`, group: 'Task', label: `#${t.id} ${t.title}`, hint: t.status,
            run: go(() => navigate({ page: 'tasks', project, task: t.id })) });
          if (t.subtasks) walk(t.subtasks);
        }
      };
      walk(list.tasks);
    }
    return out;
  }, [agents, instances, tasks]);

  const query = q.trim().toLowerCase();
  const shown = items.map((it) => ({ it, s: score(`${it.label} ${it.group}`, query) })).filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s).slice(0, 50).map((x) => x.it);
  const cur = Math.min(sel, shown.length - 1);

  return (
    <Dialog title="Jump to" onClose={onClose} testId="palette">
      <input className="palette-input" autoFocus value={q} placeholder="Agent, instance, task or action…" data-testid="palette-input" aria-label="Search"
        onChange={(e) => { setQ(e.target.value); setSel(0); }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') { e.preventDefault(); setSel(Math.min(cur + 1, shown.length - 1)); }
          if (e.key === 'ArrowUp') { e.preventDefault(); setSel(Math.max(cur - 1, 0)); }
          if (e.key === 'Enter' && shown[cur]) { e.preventDefault(); shown[cur].run(); }
        }} />
      <ul className="palette-list" role="listbox">
        {shown.length === 0 && <li className="muted palette-empty">Nothing matches.</li>}
        {shown.map((it, n) => (
          <li key={it.key} role="option" aria-selected={n === cur} className={n === cur ? 'current' : ''} data-testid="palette-item"
            onMouseEnter={() => setSel(n)} onClick={() => it.run()}>
            <span className="palette-group">{it.group}</span>
            <span className="palette-label">{it.label}</span>
            {it.hint && <span className="palette-hint muted">{it.hint}</span>}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
