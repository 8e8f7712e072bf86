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

const unbox = (l: string) => l.replace(/^\s*│\s?/, '').replace(/\s*│\s*$/, '').replace(/^\s*│\s?/, '').replace(/\s*│\s*$/, '');

export const GEMINI_DIALOG: DialogSyntax = {
  question: /^\s*(Allow execution of .+\?|Apply this change\?|Do you want to .+\?|Allow .+\?)\s*$/,
  strip: unbox,
  marker: '●',
  command: /^\s*\?\s+\S+\s+(.+)$/,
  choiceOf: (label) => (/^No\b/.test(label) ? 'deny' : /^Allow once\b/.test(label) ? 'allow' : /^Allow (for this session|always|for all)/.test(label) ? 'allow_always' : undefined),
};

export const readGeminiDialog = (screen: string): ApprovalDialog | null => readDialog(screen, GEMINI_DIALOG);

export function geminiAnswerKeys(choice: string | number, options: readonly ApprovalOption[]) {
  return answerKeys(choice, options);
}

/** Gemini's input box is ready for typing: its placeholder or a typed line in the box, and no dialog. */
export function geminiComposerReady(screen: string): boolean {
  return !readGeminiDialog(screen) && /^ > /m.test(screen) && !/esc to cancel/.test(screen);
}
