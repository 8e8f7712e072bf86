// Reading a CLI's numbered approval dialog from the rendered screen, and the keys that answer it. Codex CLI and
// Gemini CLI both draw "N. label" options under a question and take a digit as select-and-confirm and Esc as "no"
// (measured: docs/codex.md, docs/gemini.md).
import type { ApprovalChoice, ApprovalOption } from './agent-effects.js';

export interface ApprovalDialog {
  question: string;
  /** The command shown in the dialog, when there is one. */
  command: string | null;
  options: ApprovalOption[];
  /** The highlighted option. */
  selected: number | null;
}

export interface DialogSyntax {
  /** The dialog's question line (after frame characters are stripped). */
  question: RegExp;
  /** Decoration before and after each line (box drawing). */
  strip?: (line: string) => string;
  /** The highlight marker in front of the selected option. */
  marker: string;
  /** A line that ends the dialog. */
  end?: RegExp;
  /** The line holding the command, and the command in group 1. */
  command?: RegExp;
  choiceOf: (label: string, number: number) => ApprovalChoice | undefined;
}

/** The dialog at the bottom of the screen (the last question line), or null when none is shown. */
export function readDialog(screen: string, syn: DialogSyntax): ApprovalDialog | null {
  const lines = screen.split('\n').map((l) => (syn.strip ? syn.strip(l) : l));
  let qi = -1;
  for (let i = lines.length - 1; i >= 0; i--)
    if (syn.question.test(lines[i])) {
      qi = i;
      break;
    }
  if (qi < 0) return null;
  const esc = syn.marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const option = new RegExp(`^\\s*(${esc})?\\s*([1-9])\\.\\s+(.+?)\\s*$`);
  const options: ApprovalOption[] = [];
  let selected: number | null = null;
  let firstOption = -1;
  for (const [j, l] of lines.slice(qi + 1).entries()) {
    if (syn.end?.test(l)) break;
    const m = option.exec(l);
    if (m) {
      if (firstOption < 0) firstOption = qi + 1 + j;
      const number = Number(m[2]);
      if (options.length && number !== options[options.length - 1].number + 1) break;
      options.push({ key: String(number), number, label: m[3] });
      if (m[1]) selected = number;
    } else if (options.length && l.trim()) {
      options[options.length - 1].label += ` ${l.trim()}`; // a wrapped label
    } else if (options.length) break;
  }
  if (!options.length) return null;
  for (const o of options) {
    const sc = /\s+\(([a-z]+)\)$/.exec(o.label);
    if (sc) {
      o.shortcut = sc[1];
      o.label = o.label.slice(0, sc.index);
    }
    const choice = syn.choiceOf(o.label, o.number);
    if (choice) o.choice = choice;
  }
  // The command is shown between the question and the options (Codex) or above the question (Gemini).
  let command: string | null = null;
  if (syn.command) {
    for (let i = firstOption - 1; i >= Math.max(0, qi - 12) && command === null; i--) {
      const m = syn.command.exec(lines[i]);
      if (m) command = m[1].trim();
    }
  }
  return { question: lines[qi].trim(), command, options, selected };
}

/**
 * The keys answering a dialog: a digit selects and confirms its option; `allow` / `allow_always` / `deny` pick the
 * option with that role. `deny` without such an option is Esc. (A digit, not Esc, for "no": an Esc that reaches Codex
 * before its dialog takes keys goes to its input box, where a second Esc opens "edit previous message".)
 */
export function answerKeys(choice: string | number, options: readonly ApprovalOption[]): { keys: string; option: ApprovalOption | null } | null {
  if (choice === 'deny') {
    const o = options.find((x) => x.choice === 'deny');
    return o ? { keys: o.key, option: o } : { keys: '\x1b', option: null };
  }
  if (choice === 'allow' || choice === 'allow_always') {
    const o = options.find((x) => x.choice === choice);
    return o ? { keys: o.key, option: o } : null;
  }
  const n = typeof choice === 'number' ? choice : /^[1-9]$/.test(String(choice)) ? Number(choice) : NaN;
  const o = options.find((x) => x.number === n);
  return o ? { keys: o.key, option: o } : null;
}
