// Gemini CLI's approval dialog on the screen (0.61, docs/gemini.md), inside a box:
//   │ ? Shell  echo hello > out.txt
//   │ │ echo hello > out.txt                 (the command in an inner box)
//   │ Allow execution of [Shell]?
//   │ ● 1. Allow once
//   │   2. Allow for this session
//   │   3. No, suggest changes (esc)
// A digit selects and confirms (taken even 0 ms after the dialog is drawn); Esc or 3 denies and cancels the whole
// turn ("Request cancelled.", no further hook). A key sent before the dialog is drawn lands in the prompt box as
// text. After a paste, an Enter within 40 ms is taken as a newline, not a submit (an "unsafe paste" guard of the
// CLI): deliver Enter GEMINI_ENTER_GUARD_MS after the pasted text is shown.
import { answerKeys, readDialog, type ApprovalDialog, type DialogSyntax } from '../dialog.js';
import type { ApprovalOption } from '../agent-effects.js';

export const GEMINI_INPUT_GUARD_MS = 150;
export const GEMINI_ENTER_GUARD_MS = 150;
/**
 * Under load the CLI's 40 ms paste window can outlast GEMINI_ENTER_GUARD_MS (its timer and re-render are late), and
 * the Enter then only ends a line. If the text is still in the box this long after the Enter, press Enter again
 * (measured: the second Enter submits the text as typed).
 */
export const GEMINI_RESUBMIT_AFTER_MS = 1500;

/** A line without its box frame (two levels: the dialog and the command box inside it); border lines become empty. */
const unbox = (l: string) => {
  const s = l
    .replace(/^\s*│\s?/, '')
    .replace(/\s*│\s*$/, '')
    .replace(/^\s*│\s?/, '')
    .replace(/\s*│\s*$/, '');
  return /^[\s─│╭╮╰╯]*$/.test(s) ? '' : s;
};

export const GEMINI_DIALOG: DialogSyntax = {
  question: /^\s*(Allow execution of .+\?|Apply this change\?|Do you want to .+\?|Allow .+\?)\s*$/,
  strip: unbox,
  marker: '●',
  command: /^\s*\?\s+\S+\s+(.+)$/,
  choiceOf: (label) =>
    /^No\b/.test(label)
      ? 'deny'
      : /^Allow once\b/.test(label)
        ? 'allow'
        : /^Allow (for this session|always|for all)/.test(label)
          ? 'allow_always'
          : undefined,
};

export const readGeminiDialog = (screen: string): ApprovalDialog | null => readDialog(screen, GEMINI_DIALOG);

export function geminiAnswerKeys(choice: string | number, options: readonly ApprovalOption[]) {
  return answerKeys(choice, options);
}

/** A spinner line: the CLI is busy ("⠏ Resuming session...", "⠋ Thinking... (esc to cancel, 5s)"). */
const BUSY = /^\s*[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\s+\S|esc to cancel/m;

/**
 * Gemini's input box is empty and takes typing: its placeholder is shown, no dialog, no spinner. A resumed session
 * draws the box before it loads the history, and drops keys until it has (measured: pastes in the first ~1 s after
 * the box appeared were lost, "⠏ Resuming session..." in between): with `resumed`, the conversation must be on the
 * screen again too (a reply line "✦ …" or an earlier prompt " > …").
 */
export function geminiComposerReady(screen: string, opts: { resumed?: boolean } = {}): boolean {
  if (readGeminiDialog(screen) || !/^ >\s+Type your message/m.test(screen) || BUSY.test(screen)) return false;
  return !opts.resumed || /^ ?✦ /m.test(screen) || /^ > (?!\s*Type your message)\S/m.test(screen);
}

/**
 * The text in Gemini's input box (the lines between its ▄▄▄ top and ▀▀▀ bottom borders, without the " > " prompt),
 * '' when it shows the placeholder, null when no box is on the screen.
 */
export function geminiInputText(screen: string): string | null {
  const lines = screen.split('\n');
  let bottom = -1;
  for (let i = lines.length - 1; i >= 0; i--)
    if (/^▀{10,}\s*$/.test(lines[i])) {
      bottom = i;
      break;
    }
  if (bottom < 0) return null;
  let top = -1;
  for (let i = bottom - 1; i >= 0; i--)
    if (/^▄{10,}\s*$/.test(lines[i])) {
      top = i;
      break;
    }
  if (top < 0) return null;
  const body = lines.slice(top + 1, bottom).map((l) => l.replace(/^ (> |  )/, '').trimEnd());
  if (body.length === 1 && /^\s*Type your message/.test(body[0])) return '';
  return body.join('\n').trim();
}

/**
 * For a slash command typed into the box: its completion row is listed under the box (" quit   Exit the cli"). An
 * Enter before the list is there only completes the command, so Enter waits for it.
 */
export function geminiCompletionShown(screen: string, text: string): boolean {
  const name = /^\/(\S+)/.exec(text.trim())?.[1];
  if (!name) return true;
  const lines = screen.split('\n');
  let bottom = -1;
  for (let i = lines.length - 1; i >= 0; i--)
    if (/^▀{10,}\s*$/.test(lines[i])) {
      bottom = i;
      break;
    }
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return lines.slice(bottom + 1).some((l) => new RegExp(`^\\s*${esc}\\s{2,}\\S`).test(l));
}
