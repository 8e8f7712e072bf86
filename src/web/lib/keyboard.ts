// Global shortcuts: Alt+1…9 switch tabs, Ctrl+K opens the palette, ? shows help, Esc closes the drawer (dialogs close themselves).
import { useEffect } from 'react';
import { openTab } from './actions.js';
import { getState, openDialog, setState } from './store.js';

function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  return el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable;
}

export function useKeyboard() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && !e.ctrlKey && !e.metaKey && /^Digit[1-9]$/.test(e.code)) {
        const id = getState().openTabs[Number(e.code.slice(5)) - 1];
        e.preventDefault();
        if (id) openTab(id);
        return;
      }
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        openDialog(getState().dialog?.type === 'palette' ? null : { type: 'palette' });
        return;
      }
      if (getState().dialog) return;
      if (e.key === 'Escape' && getState().drawerOpen) { setState({ drawerOpen: false }); return; }
      if (e.key === '?' && !typing(e.target) && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        openDialog({ type: 'help' });
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}
