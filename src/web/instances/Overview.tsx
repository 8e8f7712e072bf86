import { useMemo, useState } from 'react';
import type { Instance, InstanceStatus } from '../../common/schema.js';
import { INSTANCE_STATUSES, isLive } from '../../common/constants.js';
import { openTab } from '../lib/actions.js';
import { ago, baseName, fullTime, truncate, useNow } from '../lib/format.js';
import { STATUS, STATUS_RANK } from './status.js';
import { navigate } from '../lib/router.js';
import { dismissErrors, openDialog, useStore } from '../lib/store.js';
import { endReason } from './reasons.js';
import { AwaitingBanner } from './AwaitingBanner.js';
import { StatusBadge } from './StatusBadge.js';

/** Every instance, "who needs me now?" first. */
export function Overview({ agent }: { agent?: string }) {
  const instances = useStore((s) => s.instances);
  const agents = useStore((s) => s.agents);
  const tasks = useStore((s) => s.tasks);
  const dismissed = useStore((s) => s.dismissedErrors);
  const [statuses, setStatuses] = useState<Set<InstanceStatus>>(new Set());
  // One agent's instances (#/?agent=<id>: where deleting one of its instances leads), or all.
  const agentId = agent && agents[agent] ? agent : '';
  const setAgentId = (id: string) => navigate({ page: 'overview', agent: id || undefined }, true);
  const [showEnded, setShowEnded] = useState(true);
  const now = useNow(15_000);

  const all = useMemo(() => Object.values(instances).sort((a, b) =>
    STATUS_RANK[a.status] - STATUS_RANK[b.status] || b.lastActivityAt.localeCompare(a.lastActivityAt)), [instances]);
  const waiting = all.filter((i) => i.status === 'awaiting_input');
  const failed = all.filter((i) => i.status === 'error' && !dismissed.includes(i.id) && now - Date.parse(i.completedAt ?? i.lastActivityAt) < 24 * 3600_000);
  const counts = Object.fromEntries(INSTANCE_STATUSES.map((s) => [s, all.filter((i) => i.status === s).length])) as Record<InstanceStatus, number>;
  const rows = all.filter((i) => (statuses.size === 0 || statuses.has(i.status)) && (!agentId || i.agentId === agentId) && (showEnded || isLive(i.status)));

  const taskTitle = (i: Instance) => {
    if (!i.taskId) return null;
    const list = tasks[i.taskProject ?? ''];
    const find = (ts: typeof list.tasks): string | undefined => {
      for (const t of ts) { if (t.id === i.taskId) return t.title; const s = t.subtasks && find(t.subtasks); if (s) return s; }
      return undefined;
    };
    return list ? find(list.tasks) : undefined;
  };

  if (Object.keys(agents).length === 0) {
    return (
      <div className="page overview" data-testid="overview">
        <div className="welcome">
          <h1>Mission control for your coding agents</h1>
          <p className="muted">Define an agent — Claude Code, a shell, any CLI — in a project folder, then run as many instances as you need. You’ll see every terminal live, answer their questions from here, and hand them tasks from the board.</p>
          <div className="welcome-actions">
            <button className="btn primary" onClick={() => openDialog({ type: 'agent' })} data-testid="welcome-new-agent">Create your first agent</button>
            <button className="btn" onClick={() => openDialog({ type: 'import' })} data-testid="import-legacy">Import from AreYouJ…</button>
          </div>
        </div>
      </div>
    );
  }

  const toggle = (s: InstanceStatus) => setStatuses((prev) => { const n = new Set(prev); if (n.has(s)) n.delete(s); else n.add(s); return n; });

  return (
    <div className="page overview" data-testid="overview">
      <section className="needs-you" data-testid="needs-you">
        <div className="section-bar">
          <h2>{waiting.length ? `${waiting.length} waiting for you` : 'Nobody is waiting for you'}</h2>
          {failed.length > 1 && <button className="btn small ghost" onClick={() => dismissErrors(failed.map((i) => i.id))} data-testid="dismiss-all-errors">Dismiss all errors</button>}
        </div>
        {waiting.length === 0 && failed.length === 0 && <p className="muted calm">All agents are working or idle. Questions and permission requests show up here first.</p>}
        <div className="needs-grid">
          {waiting.map((i) => (
            <div key={i.id} className="needs-card" data-testid="needs-card">
              <div className="needs-card-head">
                <button className="link-btn strong" onClick={() => openTab(i.id)}>{i.agentName} · {i.name}</button>
                <span className="muted">{ago(i.lastActivityAt, now)}</span>
              </div>
              <AwaitingBanner instance={i} />
            </div>
          ))}
          {failed.map((i) => {
            const why = endReason(i);
            return (
              <div key={i.id} className="needs-card failed" data-testid="failed-card" data-instance={i.id}>
                <div className="needs-card-head">
                  <button className="link-btn strong" onClick={() => openTab(i.id)}>{i.agentName} · {i.name}</button>
                  <span className="needs-card-tools">
                    <StatusBadge status={i.status} />
                    <button className="icon-btn" aria-label={`Dismiss the error of ${i.agentName} · ${i.name}`} title="Dismiss (the instance stays in the list below)"
                      onClick={() => dismissErrors([i.id])} data-testid="dismiss-error">×</button>
                  </span>
                </div>
                <p className="muted"><span title={why?.code} data-testid="failed-reason">{why?.text ?? 'Failed'}</span> · {ago(i.completedAt ?? i.lastActivityAt, now)}</p>
              </div>
            );
          })}
        </div>
      </section>

      <section className="instances-section">
        <div className="section-bar">
          <h2>Instances</h2>
          <div className="chips" role="group" aria-label="Filter by status">
            {INSTANCE_STATUSES.map((s) => (
              <button key={s} className={`chip ${STATUS[s].cls}${statuses.has(s) ? ' on' : ''}`} aria-pressed={statuses.has(s)} onClick={() => toggle(s)} data-testid={`filter-${s}`}>
                <span aria-hidden="true">{STATUS[s].icon}</span> {STATUS[s].label} <span className="chip-n">{counts[s]}</span>
              </button>
            ))}
          </div>
          <select value={agentId} onChange={(e) => setAgentId(e.target.value)} aria-label="Filter by agent" data-testid="filter-agent">
            <option value="">All agents</option>
            {Object.values(agents).sort((a, b) => a.name.localeCompare(b.name)).map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
          <label className="check"><input type="checkbox" checked={showEnded} onChange={(e) => setShowEnded(e.target.checked)} /> Ended</label>
          <button className="btn small ghost" onClick={() => openDialog({ type: 'import' })} data-testid="import-legacy" title="Bring the original AreYouJ's projects and message queues here">Import from AreYouJ…</button>
        </div>
        {rows.length === 0 ? <p className="muted empty-table">No instances match. Start one with ▶ next to an agent.</p> : (
          <table className="grid inst-table" data-testid="instances-table">
            <thead><tr><th>Agent</th><th>Instance</th><th>Project</th><th>Status</th><th>Since</th><th>Last activity</th><th>Task</th><th>Last message</th></tr></thead>
            <tbody>
              {rows.map((i) => {
                const m = i.lastMessage;
                const title = taskTitle(i);
                return (
                  <tr key={i.id} onClick={() => openTab(i.id)} className={`clickable row-${i.status}`} data-testid="instance-row" data-instance={i.id}
                    style={{ ['--agent-color' as string]: agents[i.agentId]?.color ?? 'var(--accent)' }}>
                    <td data-label="Agent"><span className="agent-dot" aria-hidden="true" />{i.agentName}</td>
                    <td data-label="Instance"><button className="link-btn" onClick={(e) => { e.stopPropagation(); openTab(i.id); }}>{i.name}</button></td>
                    <td data-label="Project" title={i.projectPath}>{baseName(i.projectPath)}</td>
                    <td data-label="Status"><StatusBadge status={i.status} /></td>
                    <td data-label="Since" title={fullTime(i.startedAt)}>{ago(i.startedAt, now)}</td>
                    <td data-label="Activity" title={fullTime(i.lastActivityAt)}>{ago(i.lastActivityAt, now)}</td>
                    <td data-label="Task">{i.taskId ? <span title={title ?? ''}>#{i.taskId}{title ? ` ${truncate(title, 28)}` : ''}</span> : <span className="muted">—</span>}</td>
                    <td data-label="Last message" className="last-msg" title={m?.content} data-testid="last-message">
                      {m ? <><span className="muted">{m.senderType === 'user' ? 'You: ' : m.kind === 'permission' ? 'Asks: ' : ''}</span>{truncate(m.content, 80)}</> : <span className="muted">—</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
