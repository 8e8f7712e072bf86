import { useEffect, useRef, useState } from 'react';
import { isLive } from '../../common/constants.js';
import type { Instance } from '../../common/schema.js';
import { canResume, closeAllTabs, closeEndedTabs, closeTab, confirmStopAll, openTab, resumeAll } from '../lib/actions.js';
import { setNotifications } from '../lib/notify.js';
import { useRoute } from '../lib/router.js';
import { openDialog, setState, useStore } from '../lib/store.js';
import { StatusBadge } from '../instances/StatusBadge.js';
import { STATUS } from '../instances/status.js';
import { Icon } from '../ui/Icon.js';

/**
 * The tab strip of open instances (each: status, agent, instance name), scrolled with the wheel or by touch, and a menu
 * that lists every tab and closes the ended ones; plus the drawer button (phone), the palette, notifications and help.
 */
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
  const strip = useRef<HTMLDivElement>(null);

  // The current tab is always in view.
  useEffect(() => {
    if (!current) return;
    strip.current?.querySelector<HTMLElement>(`[data-instance="${CSS.escape(current)}"]`)?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [current, tabs.length]);

  // A vertical wheel scrolls the strip sideways, as in VS Code's tab bar.
  useEffect(() => {
    const el = strip.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (Math.abs(e.deltaY) <= Math.abs(e.deltaX) || el.scrollWidth <= el.clientWidth) return;
      e.preventDefault();
      el.scrollLeft += e.deltaY;
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const open = tabs.map((id) => instances[id]).filter((i): i is Instance => !!i);
  return (
    <div className="topbar">
      <button className="icon-btn drawer-btn" aria-label="Menu" onClick={() => setState((s) => ({ drawerOpen: !s.drawerOpen }))} data-testid="drawer-toggle"><Icon name="menu" size={16} /></button>
      <div className="tabs" role="tablist" aria-label="Open instances" data-testid="tabs" ref={strip}>
        {open.length === 0 && <span className="tabs-empty muted">Open an instance from the sidebar — it stays here as a tab.</span>}
        {open.map((i, n) => {
          const color = agents[i.agentId]?.color ?? 'var(--accent)';
          return (
            <div key={i.id} role="tab" aria-selected={i.id === current} tabIndex={0}
              className={`tab${i.id === current ? ' current' : ''}${i.status === 'awaiting_input' ? ' attention' : ''}${isLive(i.status) ? '' : ' ended'}`}
              style={{ ['--agent-color' as string]: color }} data-testid="tab" data-instance={i.id} data-status={i.status}
              title={`${i.agentName} · ${i.name} — ${STATUS[i.status].label}${n < 9 ? `  (Ctrl+Alt+${n + 1})` : ''}`}
              onClick={() => openTab(i.id)} onKeyDown={(e) => { if (e.key === 'Enter') openTab(i.id); }}
              onAuxClick={(e) => { if (e.button === 1) { e.preventDefault(); closeTab(i.id); } }}
              onMouseDown={(e) => { if (e.button === 1) e.preventDefault(); }}>
              <StatusBadge status={i.status} compact />
              <span className="tab-label"><span className="tab-agent">{i.agentName}</span><span className="tab-name" data-testid="tab-name">{i.name}</span></span>
              <button className="tab-x" aria-label={`Close tab ${i.agentName} ${i.name}`} data-testid="tab-close"
                onClick={(e) => { e.stopPropagation(); closeTab(i.id); }}>×</button>
            </div>
          );
        })}
      </div>
      {open.length > 0 && <TabsMenu open={open} current={current} />}
      <div className="top-actions">
        {lost > 0 && (
          <button className="btn small primary" onClick={() => void resumeAll()} data-testid="resume-all"
            title="Their pty host was lost (a reboot?): start each again as the same conversation">Resume all ({lost})</button>
        )}
        {running > 0 && (
          <button className="btn small ghost" onClick={confirmStopAll} data-testid="stop-all" title="Stop every running instance">Stop all</button>
        )}
        <button className="btn small ghost palette-btn" onClick={() => openDialog({ type: 'palette' })} title="Jump to anything (Ctrl+Shift+K; Ctrl+K outside a terminal)" data-testid="palette-button">
          <Icon name="search" size={13} /><span className="hide-narrow"> Jump to…</span> <kbd className="hide-narrow">Ctrl Shift K</kbd>
        </button>
        <button className={`icon-btn bell${notificationsOn ? ' on' : ''}`} aria-pressed={notificationsOn} data-testid="notify-toggle"
          title={notificationsOn ? 'Notifications on (click to mute)' : 'Notifications off (click to turn on)'}
          onClick={() => void setNotifications(!notificationsOn)}><Icon name={notificationsOn ? 'bell' : 'bellOff'} size={15} /></button>
      </div>
    </div>
  );
}

/** Every open tab in a list (those scrolled out of the strip included), and closing them in bulk. */
function TabsMenu({ open, current }: { open: Instance[]; current: string | null }) {
  const [shown, setShown] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const ended = open.filter((i) => !isLive(i.status)).length;
  useEffect(() => {
    if (!shown) return;
    const away = (e: Event) => { if (!box.current?.contains(e.target as Node)) setShown(false); };
    const esc = (e: KeyboardEvent) => { if (e.key === 'Escape') { e.stopPropagation(); setShown(false); } };
    document.addEventListener('pointerdown', away, true);
    window.addEventListener('keydown', esc, true);
    box.current?.querySelector<HTMLElement>('[role=menuitem]')?.focus();
    return () => { document.removeEventListener('pointerdown', away, true); window.removeEventListener('keydown', esc, true); };
  }, [shown]);
  const pick = (fn: () => void) => () => { setShown(false); fn(); };
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const items = [...(box.current?.querySelectorAll<HTMLElement>('[role=menuitem]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    items[(at + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
  };
  return (
    <div className="tabs-menu" ref={box}>
      <button className="tabs-menu-btn" aria-haspopup="menu" aria-expanded={shown} onClick={() => setShown(!shown)} data-testid="tabs-menu"
        title="All open tabs">{open.length} <span aria-hidden="true">▾</span></button>
      {shown && (
        <div className="menu" role="menu" aria-label="Open tabs" data-testid="tabs-menu-list" onKeyDown={onKeyDown}>
          {open.map((i) => (
            <button key={i.id} role="menuitem" className={`menu-item${i.id === current ? ' current' : ''}`} onClick={pick(() => openTab(i.id))}
              data-testid="tabs-menu-item" data-instance={i.id}>
              <StatusBadge status={i.status} compact />
              <span className="menu-label"><b>{i.agentName}</b> {i.name}</span>
              <span className="menu-hint">{STATUS[i.status].label}</span>
            </button>
          ))}
          <div className="menu-sep" role="separator" />
          <button role="menuitem" className="menu-item" disabled={ended === 0} onClick={pick(closeEndedTabs)} data-testid="close-ended-tabs">
            Close ended tabs{ended ? ` (${ended})` : ''}
          </button>
          <button role="menuitem" className="menu-item" onClick={pick(closeAllTabs)} data-testid="close-all-tabs">Close all tabs</button>
        </div>
      )}
    </div>
  );
}
