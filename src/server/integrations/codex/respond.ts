// Codex CLI's approval dialog on the screen (0.171, docs/codex.md):
//     Would you like to run the following command?
//     Environment: local
//     Reason: <the model's justification>
//     $ echo hello > out.txt
//   › 1. Yes, proceed (y)
//     2. Yes, and don't ask again for commands that start with `echo hello > out.txt` (p)
//     3. No, and tell Codex what to do differently (esc)
//     Press enter to confirm or esc to cancel
// A digit (or the shortcut) selects and confirms; Esc or n denies. Keys sent within ~0-50 ms of the dialog being
// drawn are dropped (measured: 0 ms lost, 50 ms taken), and a key sent before the dialog is drawn lands in the
// prompt box as text: answer only once the dialog has been on the screen CODEX_INPUT_GUARD_MS.
import { answerKeys, readDialog, type ApprovalDialog, type DialogSyntax } from '../dialog.js';
import type { ApprovalOption } from '../agent-effects.js';

export const CODEX_INPUT_GUARD_MS = 300;
/**
 * Ctrl-U empties the input line. Seen with 0.171: after an interrupted turn, a prompt sent in the next turn was left
 * in (or put back into) the input box when that turn ended, and the next text typed was appended to it ("say again/exit").
 * Typing starts with Ctrl-U, so a delivered message never lands behind stale text.
 */
export const CODEX_CLEAR_INPUT = '\x15';

export const CODEX_DIALOG: DialogSyntax = {
  question: /^\s*(Would you like to .+\?|Do you want to .+\?)\s*$/,
  marker: '›',
  end: /Press enter to confirm|esc to cancel/,
  command: /^\s*\$ (.+)$/,
  choiceOf: (label, n) =>
    /^No\b/.test(label)
      ? 'deny'
      : /^Yes, and (don.t ask again|always)/.test(label)
        ? 'allow_always'
        : n === 1 && /^Yes\b/.test(label)
          ? 'allow'
          : undefined,
};

export const readCodexDialog = (screen: string): ApprovalDialog | null => readDialog(screen, CODEX_DIALOG);

export function codexAnswerKeys(choice: string | number, options: readonly ApprovalOption[]) {
  return answerKeys(choice, options);
}

/** Codex's prompt box is ready for typing: the composer line (›) with no dialog on the screen. */
export function codexComposerReady(screen: string): boolean {
  return !readCodexDialog(screen) && /^› /m.test(screen) && /(for shortcuts|context left|Ask Codex)/.test(screen);
}
