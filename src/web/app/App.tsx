import { lazy, Suspense, useEffect } from 'react';
import { openTab } from '../lib/actions.js';
import { useKeyboard } from '../lib/keyboard.js';
import { primeAudio } from '../lib/notify.js';
import { useRoute } from '../lib/router.js';
import { getState, openDialog, setState, useStore } from '../lib/store.js';
import { AgentForm } from '../agents/AgentForm.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { DeleteInstanceDialog } from '../instances/DeleteInstanceDialog.js';
import { HandoffDialog } from '../tasks/HandoffDialog.js';
import { HelpDialog } from './HelpDialog.js';
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

  // A link to #/i/<id> opens that instance's tab.
  useEffect(() => {
    if (route.page === 'instance' && known && !getState().openTabs.includes(route.id)) openTab(route.id);
  }, [route, known]);

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
      <Sidebar />
      <div className="scrim" onClick={() => setState({ drawerOpen: false })} aria-hidden="true" />
      <main className="main">
        <TopBar />
        <div className="content">
          {!loaded && <div className="splash"><span className="spinner" aria-hidden="true" /> Connecting to AreYouJ…</div>}
          {loaded && route.page === 'overview' && <Overview />}
          {loaded && route.page === 'tasks' && <Suspense fallback={<Loading />}><TaskBoard project={route.project} selected={route.task} /></Suspense>}
          {loaded && route.page === 'instance' && !known && (
            <div className="splash">This instance no longer exists. <a href="#/">Back to the overview</a></div>
          )}
          {tabs.length > 0 && (
            <Suspense fallback={route.page === 'instance' ? <Loading /> : null}>
              {tabs.map((id) => <InstancePane key={id} id={id} active={route.page === 'instance' && route.id === id} />)}
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
  }
}
