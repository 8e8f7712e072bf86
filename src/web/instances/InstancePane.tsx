import { lazy, Suspense, useEffect, useState } from 'react';
import { isLive } from '../../common/constants.js';
import { canResume, closeTab, confirmDeleteInstance, restart, resume, terminate } from '../lib/actions.js';
import { ago, fullTime, shortPath, useNow } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { useStore } from '../lib/store.js';
import { AwaitingBanner } from './AwaitingBanner.js';
import { Composer } from './Composer.js';
import { KeyRow } from './KeyRow.js';
import { MessageList } from './MessageList.js';
import { QueueList } from './QueueList.js';
import { StatusBadge } from './StatusBadge.js';
import { TerminalView } from './TerminalView.js';
import { endReason } from './reasons.js';
import { prefetchChanges, useChangesSummary } from '../changes/live.js';

// The changes panel brings the diff renderer and its grammars: loaded the first time someone opens it.
const loadChanges = () => import('../changes/ChangesPanel.js');
const ChangesPanel = lazy(loadChanges);
let prefetched = false;

/** One open tab: the terminal, and beside it the conversation, the queue and the composer. Stays mounted while the tab is open. */
export function InstancePane({ id, active }: { id: string; active: boolean }) {
  const inst = useStore((s) => s.instances[id]);
  const agent = useStore((s) => (inst ? s.agents[inst.agentId] : undefined));
  const home = useStore((s) => s.info?.home);
  const [panel, setPanel] = useState(true);
  const [view, setView] = useState<'terminal' | 'changes'>('terminal');
  const summary = useChangesSummary(id);
  // Fetch the panel's code while the browser is idle once a tab is shown, so that the first click shows changes at once.
  useEffect(() => {
    if (!active || prefetched) return;
    prefetched = true;
    const idle = (window as { requestIdleCallback?: (f: () => void) => void }).requestIdleCallback ?? ((f: () => void) => setTimeout(f, 1500));
    idle(() => void loadChanges().catch(() => { prefetched = false; }));
  }, [active]);
  const now = useNow(30_000);
  if (!inst) return null;
  const live = isLive(inst.status);
  const ended = endReason(inst);
  return (
    <section className={`instance-pane${active ? ' active' : ''}${panel ? '' : ' no-panel'}`} hidden={!active} data-testid="instance-pane" data-instance={id}
      style={{ ['--agent-color' as string]: agent?.color ?? 'var(--accent)' }}>
      <header className="pane-head">
        <div className="pane-title">
          <span className="agent-swatch" aria-hidden="true" />
          <h1><span className="pane-agent">{inst.agentName}</span><span className="sep">/</span>{inst.name}</h1>
          <StatusBadge status={inst.status} />
        </div>
        <div className="pane-meta muted">
          <span title={inst.projectPath}>{shortPath(inst.projectPath, home)}</span>
          {inst.worktree && <span className="pane-branch" title={`Its own worktree: ${inst.worktree.path}`} data-testid="pane-branch">⎇ {inst.worktree.branch}</span>}
          {inst.worktreeNote && <span title={inst.worktreeNote}>in place</span>}
          <span title={fullTime(inst.startedAt)}>started {ago(inst.startedAt, now)}</span>
          {inst.taskId && (
            <button className="link-btn" onClick={() => navigate({ page: 'tasks', project: inst.taskProject ?? undefined, task: inst.taskId ?? undefined })}>task #{inst.taskId}</button>
          )}
          {ended && <span className={`reason st-${inst.status}`} title={ended.code} data-testid="end-reason">{ended.text}</span>}
        </div>
        <div className="seg pane-view" role="group" aria-label="Show">
          <button className={view === 'terminal' ? 'on' : ''} aria-pressed={view === 'terminal'} onClick={() => setView('terminal')} data-testid="view-terminal">Terminal</button>
          <button className={view === 'changes' ? 'on' : ''} aria-pressed={view === 'changes'} onClick={() => { if (view !== 'changes') prefetchChanges(id); setView('changes'); }} data-testid="view-changes"
            title="What the agent changed: files, diffs, review, merge">
            Changes{summary && summary.totals.files > 0 ? <span className="count" data-testid="changes-count">{summary.totals.files}</span> : null}
          </button>
        </div>
        <div className="pane-actions">
          {canResume(inst, agent) && (
            <button className="btn small primary" onClick={() => void resume(inst)} data-testid="resume"
              title="Start it again as the same conversation (the CLI's own resume)">Resume</button>
          )}
          {live ? <button className="btn small" onClick={() => void terminate(inst)} data-testid="terminate">Stop</button>
            : <button className="btn small" onClick={() => void restart(inst)} data-testid="restart" title="Start a new instance of this agent">Restart</button>}
          <button className="btn small ghost" onClick={() => confirmDeleteInstance(inst)} data-testid="delete-instance">Delete</button>
          <button className="btn small ghost panel-toggle" onClick={() => setPanel(!panel)} aria-pressed={panel} title="Show or hide the messages panel">Messages</button>
          <button className="icon-btn" onClick={() => closeTab(id)} aria-label="Close tab" title="Close tab (the instance keeps running)">×</button>
        </div>
      </header>
      <AwaitingBanner instance={inst} />
      <div className="pane-body">
        <div className="term-col" hidden={view !== 'terminal'}>
          {/* A resumed instance (same id) gets a fresh terminal on its new program. */}
          <TerminalView key={inst.startedAt} instanceId={id} active={active && view === 'terminal'} />
          <KeyRow instanceId={id} disabled={!live} />
        </div>
        {view === 'changes' && (
          <div className="changes-col">
            <Suspense fallback={<div className="splash"><span className="spinner" aria-hidden="true" /> Loading…</div>}>
              <ChangesPanel instance={inst} active={active} />
            </Suspense>
          </div>
        )}
        <div className="side-col">
          <MessageList instanceId={id} />
          <QueueList instanceId={id} />
          <Composer instance={inst} />
        </div>
      </div>
    </section>
  );
}
