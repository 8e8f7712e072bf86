import { isLive } from '../../common/constants.js';
import { canResume, closeEndedTabs, closeTab, confirmStopAll, openTab, resumeAll } from '../lib/actions.js';
import { setNotifications } from '../lib/notify.js';
import { useRoute } from '../lib/router.js';
import { openDialog, setState, useStore } from '../lib/store.js';
import { Icon } from '../ui/Icon.js';
import { StatusBadge } from '../instances/StatusBadge.js';

/** The tab strip of open instances, plus the drawer button (phone), the palette, notifications and help. */
export function TopBar() {
  const tabs = useStore((s) => s.openTabs);
  const instances = useStore((s) => s.instances);
  const agents = useStore((s) => s.agents);
  const notificationsOn = useStore((s) => s.notificationsOn);
  const route = useRoute();
  const current = route.page === 'instance' ? route.id : null;
  const all = Object.values(instances);
  const running = all.filter((i) => isLive(i.status)).length;
  const lost = all.filter((i) => i.statusReason === 'host_lost' && canResume(i, agents[i.agentId])).length;
  const endedTabs = tabs.filter((id) => instances[id] && !isLive(instances[id].status)).length;
  return (
    <div className="topbar">
      <button className="icon-btn drawer-btn" aria-label="Menu" onClick={() => setState((s) => ({ drawerOpen: !s.drawerOpen }))} data-testid="drawer-toggle"><Icon name="menu" size={16} /></button>
      <div className="tabs" role="tablist" aria-label="Open instances" data-testid="tabs">
        {tabs.length === 0 && <span className="tabs-empty muted">Open an instance from the sidebar — it stays here as a tab.</span>}
        {tabs.map((id, n) => {
          const i = instances[id];
          if (!i) return null;
          const color = agents[i.agentId]?.color ?? 'var(--accent)';
          return (
            <div key={id} role="tab" aria-selected={id === current} tabIndex={0} className={`tab${id === current ? ' current' : ''}${i.status === 'awaiting_input' ? ' attention' : ''}`}
              style={{ ['--agent-color' as string]: color }} data-testid="tab" data-instance={id} data-status={i.status}
              title={`${i.agentName} · ${i.name}${n < 9 ? `  (Alt+${n + 1})` : ''}`}
              onClick={() => openTab(id)} onKeyDown={(e) => { if (e.key === 'Enter') openTab(id); }}
              onAuxClick={(e) => { if (e.button === 1) { e.preventDefault(); closeTab(id); } }}
              onMouseDown={(e) => { if (e.button === 1) e.preventDefault(); }}>
              <StatusBadge status={i.status} compact />
              <span className="tab-label"><span className="tab-agent">{i.agentName}</span> {i.name}</span>
              <button className="tab-x" aria-label={`Close tab ${i.agentName} ${i.name}`} data-testid="tab-close"
                onClick={(e) => { e.stopPropagation(); closeTab(id); }}>×</button>
            </div>
          );
        })}
      </div>
      <div className="top-actions">
        {endedTabs > 0 && (
          <button className="btn small ghost" onClick={closeEndedTabs} data-testid="close-ended" title="Close the tabs of instances that have ended">
            Close ended tabs
          </button>
        )}
        {lost > 0 && (
          <button className="btn small primary" onClick={() => void resumeAll()} data-testid="resume-all"
            title="Their pty host was lost (a reboot?): start each again as the same conversation">Resume all ({lost})</button>
        )}
        {running > 0 && (
          <button className="btn small ghost" onClick={confirmStopAll} data-testid="stop-all" title="Stop every running instance">Stop all</button>
        )}
        <button className="btn small ghost palette-btn" onClick={() => openDialog({ type: 'palette' })} title="Jump to anything (Ctrl+K)" data-testid="palette-button">
          <Icon name="search" size={13} /><span className="hide-narrow"> Jump to…</span> <kbd className="hide-narrow">Ctrl K</kbd>
        </button>
        <button className={`icon-btn bell${notificationsOn ? ' on' : ''}`} aria-pressed={notificationsOn} data-testid="notify-toggle"
          title={notificationsOn ? 'Notifications on (click to mute)' : 'Notifications off (click to turn on)'}
          onClick={() => void setNotifications(!notificationsOn)}><Icon name={notificationsOn ? 'bell' : 'bellOff'} size={15} /></button>
      </div>
    </div>
  );
}
