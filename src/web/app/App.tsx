import { lazy, Suspense, useEffect } from 'react';
import { openTab } from '../lib/actions.js';
import { unknownInstance } from '../lib/gone.js';
import { useKeyboard } from '../lib/keyboard.js';
import { primeAudio } from '../lib/notify.js';
import { useRoute } from '../lib/router.js';
import { getState, openDialog, setState, useStore, type Dialog } from '../lib/store.js';
import { ErrorBoundary } from '../ui/ErrorBoundary.js';
import { AgentForm } from '../agents/AgentForm.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { DeleteInstanceDialog } from '../instances/DeleteInstanceDialog.js';
import { HandoffDialog } from '../tasks/HandoffDialog.js';
import { ExportDialog } from '../tasks/ExportDialog.js';
import { PlanDialog } from '../tasks/PlanDialog.js';
import { ImportDialog } from '../projects/ImportDialog.js';
import { HelpDialog } from './HelpDialog.js';
import { NotifyNotice } from './NotifyNotice.js';
import { OfflineBanner } from './OfflineBanner.js';
import { Overview } from '../instances/Overview.js';
import { Palette } from './Palette.js';
import { Sidebar } from './Sidebar.js';
import { StartDialog } from '../instances/StartDialog.js';
import { TaskForm } from '../tasks/TaskForm.js';
import { Toasts } from '../ui/Toasts.js';
import { TopBar } from './TopBar.js';

// Loaded when first needed, not with the page: the task board, and the instance tabs (xterm.js, the Markdown renderer).
const InstancePane = lazy(() => import('../instances/InstancePane.js').then((m) => ({ default: m.InstancePane })));
const TaskBoard = lazy(() => import('../tasks/TaskBoard.js').then((m) => ({ default: m.TaskBoard })));
const Loading = () => <div className="splash"><span className="spinner" aria-hidden="true" /> Loading…</div>;

export function App() {
  const route = useRoute();
  const tabs = useStore((s) => s.openTabs);
  const loaded = useStore((s) => s.loaded);
  const drawerOpen = useStore((s) => s.drawerOpen);
  const known = useStore((s) => (route.page === 'instance' ? !!s.instances[route.id] : false));
  const attention = useStore((s) => Object.values(s.instances).filter((i) => i.status === 'awaiting_input').length);
  useKeyboard();

  // A link to #/i/<id> opens that instance's tab; a link to one that is not there leads to the overview, saying so.
  useEffect(() => {
    if (route.page !== 'instance' || !loaded) return;
    if (!known) unknownInstance();
    else if (!getState().openTabs.includes(route.id)) openTab(route.id);
  }, [route, known, loaded]);

  // Any navigation closes the phone drawer.
  useEffect(() => { if (getState().drawerOpen) setState({ drawerOpen: false }); }, [route]);

  useEffect(() => {
    document.title = attention > 0 ? `(${attention}) AreYouJ — ${attention} waiting` : 'AreYouJ';
  }, [attention]);

  useEffect(() => {
    const prime = () => primeAudio();
    window.addEventListener('pointerdown', prime, { once: true });
    return () => window.removeEventListener('pointerdown', prime);
  }, []);

  return (
    <div className={`app${drawerOpen ? ' drawer-open' : ''}`} data-testid="app">
      <OfflineBanner />
      <ErrorBoundary name="sidebar" className="sidebar"><Sidebar /></ErrorBoundary>
      <div className="scrim" onClick={() => setState({ drawerOpen: false })} aria-hidden="true" />
      <main className="main">
        <ErrorBoundary name="tab bar" className="topbar"><TopBar /></ErrorBoundary>
        <NotifyNotice />
        <div className="content">
          {!loaded && <div className="splash"><span className="spinner" aria-hidden="true" /> Connecting to AreYouJ…</div>}
          {loaded && route.page !== 'instance' && (
            <ErrorBoundary name="page" resetKey={location.hash}>
              {route.page === 'overview' && <Overview agent={route.agent} />}
              {route.page === 'tasks' && <Suspense fallback={<Loading />}><TaskBoard project={route.project} selected={route.task} /></Suspense>}
            </ErrorBoundary>
          )}
          {tabs.length > 0 && (
            <Suspense fallback={route.page === 'instance' ? <Loading /> : null}>
              {tabs.map((id) => {
                const active = route.page === 'instance' && route.id === id;
                return <ErrorBoundary key={id} name="tab" hidden={!active}><InstancePane id={id} active={active} /></ErrorBoundary>;
              })}
            </Suspense>
          )}
        </div>
      </main>
      <Dialogs />
      <Toasts />
    </div>
  );
}

function Dialogs() {
  const d = useStore((s) => s.dialog);
  if (!d) return null;
  return (
    <ErrorBoundary name="dialog" resetKey={d} className="backdrop"
      actions={<button className="btn small" onClick={() => openDialog(null)}>Close</button>}>
      <OneDialog d={d} />
    </ErrorBoundary>
  );
}

function OneDialog({ d }: { d: Dialog }) {
  const close = () => openDialog(null);
  switch (d.type) {
    case 'agent': return <AgentForm key={d.agentId ?? 'new'} agentId={d.agentId} onClose={close} />;
    case 'help': return <HelpDialog onClose={close} />;
    case 'palette': return <Palette onClose={close} />;
    case 'confirm': return <ConfirmDialog {...d} onClose={close} />;
    case 'task': return <TaskForm project={d.project} taskId={d.taskId} parentId={d.parentId} onClose={close} />;
    case 'handoff': return <HandoffDialog project={d.project} taskId={d.taskId} onClose={close} />;
    case 'start': return <StartDialog agentId={d.agentId} onClose={close} />;
    case 'delete-instance': return <DeleteInstanceDialog instanceId={d.instanceId} onClose={close} />;
    case 'export': return <ExportDialog project={d.project} filter={d.filter} onClose={close} />;
    case 'plan': return <PlanDialog project={d.project} onClose={close} />;
    case 'import': return <ImportDialog onClose={close} />;
  }
}
