// Answering Claude Code's permission dialog with keystrokes (observed with 2.1.330, see docs/claude.md):
//   - a digit selects that option AND confirms it at once (no Enter needed); Enter confirms the highlighted one (1. Yes);
//   - Esc cancels = the same as "No": the turn is interrupted, no Stop hook fires;
//   - keys arriving within ~100-200 ms of the dialog appearing are IGNORED (an anti-typeahead guard), so wait until
//     the dialog has been visible for PERMISSION_INPUT_GUARD_MS; the PermissionRequest hook arrives 100-450 ms BEFORE
//     the dialog is drawn.
import type { Option } from '../../../common/schema.js';

export type PermissionChoice = 'allow' | 'allow_always' | 'deny' | number | string;

/** Wait at least this long after the dialog is visible on the screen before pressing keys. */
export const PERMISSION_INPUT_GUARD_MS = 400;

export function normalizeChoice(choice: PermissionChoice): 'allow' | 'allow_always' | 'deny' | number {
  if (choice === 'allow' || choice === 'allow_always' || choice === 'deny') return choice;
  const n = typeof choice === 'number' ? choice : /^[1-9]$/.test(String(choice)) ? Number(choice) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new Error(`not a permission choice: ${String(choice)}`);
  return n;
}

/** Keystrokes answering the dialog: allow → "1", allow_always → "2", deny → Esc, N → "N". */
export function permissionKeys(choice: PermissionChoice): string {
  const c = normalizeChoice(choice);
  if (c === 'allow') return '1';
  if (c === 'allow_always') return '2';
  if (c === 'deny') return '\x1b';
  return String(c);
}

export interface PermissionDialog {
  visible: boolean;
  /** e.g. "Do you want to proceed?" */
  question: string | null;
  /** The dialog's options: key = the option's number, intent when the label says it. */
  options: Option[];
}

const OPTION = /^\s*(❯|>)?\s*([1-9])\.\s+(.+?)\s*$/;

/** Reads the permission dialog from the screen text (the headless terminal's visible lines). */
export function readPermissionDialog(screen: string): PermissionDialog {
  const lines = screen.split('\n');
  const qi = lines.findIndex((l) => /Do you want to (proceed|make this edit|create|allow)|Do you want to .+\?/.test(l));
  const none: PermissionDialog = { visible: false, question: null, options: [] };
  if (qi < 0) return none;
  const options: Option[] = [];
  for (const l of lines.slice(qi + 1, qi + 15)) {
    const m = OPTION.exec(l);
    if (!m) { if (options.length && l.trim()) break; continue; }
    const key = m[2];
    const label = m[3].replace(/\s{2,}.*$/, '');
    const intent = /^No\b/.test(label) ? 'deny' : key === '1' ? 'allow' : /^Yes, and (don.t ask|always allow)/.test(label) ? 'allow_always' : undefined;
    options.push({ key, label, ...(intent ? { intent } : {}) });
  }
  if (!options.length) return none;
  return { visible: true, question: lines[qi].trim(), options };
}

/** The status to assume right after the answer is pressed: deny (or the "No" option) interrupts the turn → idle. */
export function statusAfterAnswer(choice: PermissionChoice, options?: Option[]): 'active' | 'idle' {
  const c = normalizeChoice(choice);
  if (c === 'deny') return 'idle';
  if (typeof c === 'number' && options?.find((o) => o.key === String(c))?.intent === 'deny') return 'idle';
  return 'active';
}
