import { useMemo, useState } from 'react';
import type { Agent, Instance } from '../../common/schema.js';
import { isLive } from '../../common/constants.js';
import { confirmDeleteAgent, openTab, startInstance, tasksRoute } from '../lib/actions.js';
import { ago, shortPath, useNow } from '../lib/format.js';
import { navigate, useRoute } from '../lib/router.js';
import { openDialog, setState, useStore } from '../lib/store.js';
import { AwaitingBanner } from '../instances/AwaitingBanner.js';
import { Icon } from '../ui/Icon.js';
import { StatusBadge } from '../instances/StatusBadge.js';

export function Sidebar() {
  const agents = useStore((s) => s.agents);
  const instances = useStore((s) => s.instances);
  const info = useStore((s) => s.info);
  const connection = useStore((s) => s.connection);
  const route = useRoute();
  const byAgent = useMemo(() => {
    const m = new Map<string, Instance[]>();
    for (const i of Object.values(instances)) m.set(i.agentId, [...(m.get(i.agentId) ?? []), i]);
    for (const list of m.values()) list.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    return m;
  }, [instances]);
  const sorted = useMemo(() => Object.values(agents).sort((a, b) => a.name.localeCompare(b.name)), [agents]);
  const attention = Object.values(instances).filter((i) => i.status === 'awaiting_input').length;

  return (
    <aside className="sidebar" data-testid="sidebar">
      <div className="brand">
        <span className="logo" aria-hidden="true">A</span>
        <span className="brand-name">AreYouJ</span>
        <span className={`conn conn-${connection}`} title={connection === 'online' ? 'Live' : connection} aria-label={`Connection: ${connection}`} />
      </div>
      <nav className="side-nav">
        <button className={`nav-item${route.page === 'overview' ? ' current' : ''}`} onClick={() => { navigate({ page: 'overview' }); setState({ drawerOpen: false }); }} data-testid="nav-overview">
          <span className="nav-icon"><Icon name="grid" /></span>Overview
          {attention > 0 && <span className="count warn" data-testid="attention-count" title="Instances waiting for you">{attention}</span>}
        </button>
        <button className={`nav-item${route.page === 'tasks' ? ' current' : ''}`} onClick={() => { navigate(tasksRoute()); setState({ drawerOpen: false }); }} data-testid="nav-tasks">
          <span className="nav-icon"><Icon name="list" /></span>Tasks
        </button>
      </nav>
      <div className="side-section">
        <span>Agents</span>
        <button className="btn small ghost" onClick={() => openDialog({ type: 'agent' })} data-testid="new-agent">+ New agent</button>
      </div>
      <div className="agent-list">
        {sorted.length === 0 && (
          <div className="empty-side">
            <p>No agents yet.</p>
            <p className="muted">An agent is a command (Claude Code, a shell, any CLI) in a project folder. Start as many instances of it as you like.</p>
          </div>
        )}
        {sorted.map((a) => <AgentItem key={a.id} agent={a} instances={byAgent.get(a.id) ?? []} home={info?.home} activeId={route.page === 'instance' ? route.id : undefined} />)}
      </div>
      <div className="side-foot muted">
        <span>{info ? `v${info.version}` : ''}</span>
        <button className="link-btn" onClick={() => openDialog({ type: 'help' })} title="Keyboard shortcuts (?)">Shortcuts <kbd>?</kbd></button>
      </div>
    </aside>
  );
}

function AgentItem({ agent, instances, home, activeId }: { agent: Agent; instances: Instance[]; home?: string; activeId?: string }) {
  const [showEnded, setShowEnded] = useState(false);
  const now = useNow(30_000);
  const live = instances.filter((i) => isLive(i.status));
  const ended = instances.filter((i) => !isLive(i.status));
  const waiting = live.filter((i) => i.status === 'awaiting_input').length;
  const shown = showEnded ? instances : live;
  return (
    <section className="agent" data-testid="agent-item" data-agent={agent.name} style={{ ['--agent-color' as string]: agent.color ?? 'var(--accent)' }}>
      <header className="agent-head">
        <span className="agent-swatch" aria-hidden="true" />
        <div className="agent-title">
          <div className="agent-name" title={agent.description ?? agent.name}>{agent.name}</div>
          <div className="agent-path" title={agent.projectPath}><bdi>{shortPath(agent.projectPath, home)}</bdi></div>
        </div>
        {waiting > 0 && <span className="count warn" title={`${waiting} waiting for you`}>{waiting}</span>}
        <span className="count" title={`${live.length} running`}>{live.length}</span>
        {/* Start is always there (keyboard and touch too); edit and delete show on hover or focus. */}
        <button className="start-btn" title={`Start an instance of ${agent.name}`} aria-label={`Start an instance of ${agent.name}`}
          onClick={() => void startInstance(agent.id)} data-testid="start-instance"><Icon name="play" size={11} /></button>
        <div className="agent-actions">
          <button className="icon-btn" title="Start an instance with options (base branch, name, prompt)" aria-label={`Start ${agent.name} with options`} onClick={() => openDialog({ type: 'start', agentId: agent.id })} data-testid="start-options"><Icon name="branch" size={13} /></button>
          <button className="icon-btn" title="Edit agent" aria-label={`Edit ${agent.name}`} onClick={() => openDialog({ type: 'agent', agentId: agent.id })} data-testid="edit-agent"><Icon name="edit" size={13} /></button>
          <button className="icon-btn danger" title="Delete agent" aria-label={`Delete ${agent.name}`} onClick={() => confirmDeleteAgent(agent.id)} data-testid="delete-agent"><Icon name="trash" size={13} /></button>
        </div>
      </header>
      <ul className="inst-list">
        {shown.map((i) => (
          <li key={i.id}>
            <button className={`inst-item${i.id === activeId ? ' current' : ''}`} onClick={() => openTab(i.id)} data-testid="instance-item" data-instance={i.id} data-status={i.status}>
              <StatusBadge status={i.status} compact />
              <span className="inst-name">{i.name}</span>
              <span className="inst-meta">{i.status === 'awaiting_input' ? 'needs input' : i.status === 'active' ? 'working' : ago(i.lastActivityAt, now)}</span>
            </button>
            {i.status === 'awaiting_input' && <AwaitingBanner instance={i} compact />}
          </li>
        ))}
        {ended.length > 0 && (
          <li><button className="link-btn small-text" onClick={() => setShowEnded(!showEnded)}>{showEnded ? 'Hide ended' : `Show ${ended.length} ended`}</button></li>
        )}
      </ul>
    </section>
  );
}
