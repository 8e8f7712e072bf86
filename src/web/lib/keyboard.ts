// Global shortcuts. A focused terminal gets every key a program can use (Ctrl+K is bash's kill-line, Alt+1…9 its
// digit-argument and irssi's window keys), so the shortcuts that work from a terminal use combinations terminals leave
// alone, as VS Code's terminal and Windows Terminal do: Ctrl+Shift+K (palette) and Ctrl+Alt+1…9 (tabs). Outside a
// terminal the short forms work too: Ctrl+K, Alt+1…9, ? (help). Esc closes the drawer (dialogs close themselves).
// The help dialog (app/HelpDialog.tsx) lists them from SHORTCUTS below.
import { useEffect } from 'react';
import { inTerminal } from '../instances/focus.js';
import { openTab } from './actions.js';
import { getState, openDialog, setState } from './store.js';

export const SHORTCUTS: { where: string; keys: [string, string][] }[] = [
  { where: 'Anywhere, a terminal included', keys: [
    ['Ctrl Alt 1 … 9', 'Switch to tab 1 … 9'],
    ['Ctrl Shift K', 'Jump to any agent, instance or task'],
  ] },
  { where: 'Outside a terminal (in a terminal these keys are the program’s)', keys: [
    ['Alt 1 … 9', 'Switch to tab 1 … 9'],
    ['Ctrl K', 'Jump to any agent, instance or task'],
    ['?', 'This help'],
    ['Esc', 'Close a dialog, the palette or the drawer'],
  ] },
  { where: 'In a terminal', keys: [
    ['Ctrl Shift C / V', 'Copy / paste (Ctrl C copies when text is selected)'],
  ] },
  { where: 'In the message box', keys: [
    ['Enter', 'Send the message'],
    ['Shift Enter', 'New line in the message'],
    ['Ctrl Enter', 'Type the message now, even while the agent works'],
    ['↑ / ↓', 'Recall earlier messages of this instance'],
  ] },
  { where: 'Tabs', keys: [
    ['Middle click', 'Close a tab (the instance keeps running)'],
  ] },
];

function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  return el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable;
}

const altGr = (e: KeyboardEvent) => e.getModifierState?.('AltGraph') === true;

/** Ctrl+Alt+1…9 anywhere, Alt+1…9 outside a terminal (AltGr, which types { [ ] } on many layouts, is not Ctrl+Alt). */
export function isTabKey(e: KeyboardEvent, terminal: boolean): boolean {
  if (!/^Digit[1-9]$/.test(e.code) || !e.altKey || e.metaKey || e.shiftKey || altGr(e)) return false;
  return e.ctrlKey || !terminal;
}

/** Ctrl+Shift+K (or Cmd+K: programs never get Cmd) anywhere, Ctrl+K outside a terminal. */
export function isPaletteKey(e: KeyboardEvent, terminal: boolean): boolean {
  if (e.key.toLowerCase() !== 'k' || e.altKey) return false;
  if (e.metaKey) return true;
  return e.ctrlKey && (e.shiftKey || !terminal);
}

export function useKeyboard() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const terminal = inTerminal(e.target);
      if (isTabKey(e, terminal)) {
        const id = getState().openTabs[Number(e.code.slice(5)) - 1];
        e.preventDefault();
        if (id) openTab(id);
        return;
      }
      if (isPaletteKey(e, terminal)) {
        e.preventDefault();
        openDialog(getState().dialog?.type === 'palette' ? null : { type: 'palette' });
        return;
      }
      if (getState().dialog || terminal) return;
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
