// Claude Code's own questions (its AskUserQuestion tool), observed with 2.1.330 (docs/claude.md, recorded in
// test/fakes/claude-recorded-dialogs.json):
//   - PreToolUse(AskUserQuestion){tool_use_id} → PermissionRequest(AskUserQuestion){tool_input.questions} → the dialog;
//     the answer → PostToolUse{tool_input.answers} → Stop. Esc → a user-rejected tool_result + "[Request interrupted…]",
//     no further hook.
//   - A PermissionRequest hook may answer it: {behavior:"allow", updatedInput:{questions, answers:{<question>: <answer>}}}
//     gives the model exactly the tool_result the dialog would (a bare allow is ignored: the dialog stays);
//     {behavior:"deny", interrupt:true} is the dialog's Esc. The dialog is drawn while the hook runs, and an answer typed
//     in the terminal first wins (the hook's late output is ignored).
//   - An answer is the option's label; multi-select joins the chosen labels in the options' order, then the typed
//     text, with ", " (what the dialog sends: "Logging, Audit log"). Free text is the text itself.
// This module is pure: it reads the tool input, checks an answer against it and builds the hook's output.
import { z } from 'zod';
import type { NewMessage } from '../../instances/store.js';

/** Bounds on what Claude sends (the tool's own schema says 1-4 questions of 2-4 options; a little slack, no more). */
const MAX_QUESTIONS = 8;
const MAX_OPTIONS = 10;
const MAX_TEXT = 20_000;
/** The longest free-text answer accepted from a client. */
export const MAX_ANSWER_TEXT = 10_000;

const Text = z.string().max(MAX_TEXT);
const AskOptionIn = z.object({ label: Text.min(1), description: Text.optional(), preview: z.string().max(20_000).optional() });
const AskQuestionIn = z.object({
  question: Text.min(1),
  header: Text.optional(),
  multiSelect: z.boolean().optional(),
  options: z.array(AskOptionIn).min(1).max(MAX_OPTIONS),
});
const AskInputIn = z.object({ questions: z.array(AskQuestionIn).min(1).max(MAX_QUESTIONS) });

export interface AskOption {
  label: string;
  description: string;
  preview?: string;
}
export interface AskQuestion {
  header: string;
  question: string;
  multiSelect: boolean;
  options: AskOption[];
}

/** The questions of one AskUserQuestion call; null when the input is not one (untrusted: it comes from a hook). */
export function parseAskInput(input: unknown): AskQuestion[] | null {
  const r = AskInputIn.safeParse(input);
  if (!r.success) return null;
  const qs = r.data.questions.map((q) => ({
    header: q.header ?? '',
    question: q.question,
    multiSelect: q.multiSelect ?? false,
    options: q.options.map((o) => ({ label: o.label, description: o.description ?? '', ...(o.preview ? { preview: o.preview } : {}) })),
  }));
  // Claude keys the answers by the question's text: two questions with one text could not be told apart.
  if (new Set(qs.map((q) => q.question)).size !== qs.length) return null;
  return qs;
}

/** One question's answer from a client: the chosen options (labels) and/or typed text. */
export interface AskAnswer {
  question: string;
  options: string[];
  text?: string;
}

export class AnswerError extends Error {
  constructor(
    readonly code: 'unknown_question' | 'unknown_option' | 'not_multi_select' | 'empty_answer' | 'duplicate_answer' | 'text_too_long',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The `answers` record Claude takes (question text → answer), exactly as the dialog would build it; throws AnswerError
 * for anything the dialog would not accept. Questions left out stay unanswered (the dialog allows that too).
 */
export function buildAnswers(questions: readonly AskQuestion[], answers: readonly AskAnswer[]): Record<string, string> {
  if (!answers.length) throw new AnswerError('empty_answer', 'give an answer to at least one question');
  const out: Record<string, string> = {};
  for (const a of answers) {
    const q = questions.find((x) => x.question === a.question);
    if (!q) throw new AnswerError('unknown_question', `Claude did not ask ${JSON.stringify(a.question)}`);
    if (a.question in out) throw new AnswerError('duplicate_answer', `${JSON.stringify(a.question)} is answered twice`);
    const chosen = new Set(a.options);
    for (const label of chosen) {
      if (!q.options.some((o) => o.label === label)) {
        throw new AnswerError(
          'unknown_option',
          `${JSON.stringify(label)} is not an option of ${JSON.stringify(q.question)} (${q.options.map((o) => o.label).join(', ')})`,
        );
      }
    }
    const text = a.text?.trim() ?? '';
    if (text.length > MAX_ANSWER_TEXT) throw new AnswerError('text_too_long', `the typed answer is longer than ${MAX_ANSWER_TEXT} characters`);
    const parts = [...q.options.filter((o) => chosen.has(o.label)).map((o) => o.label), ...(text ? [text] : [])];
    if (!parts.length) throw new AnswerError('empty_answer', `choose an option or type an answer for ${JSON.stringify(q.question)}`);
    if (!q.multiSelect && parts.length > 1) {
      throw new AnswerError('not_multi_select', `${JSON.stringify(q.question)} takes one answer: one option or typed text`);
    }
    out[q.question] = parts.join(', ');
  }
  return out;
}

/** The PermissionRequest hook's output (stdout JSON) that gives Claude these answers. */
export function askDecision(rawInput: unknown, answers: Record<string, string>) {
  const input = rawInput && typeof rawInput === 'object' && !Array.isArray(rawInput) ? rawInput : {};
  return permissionDecision({ behavior: 'allow', updatedInput: { ...input, answers } });
}

/** The hook's output that cancels the dialog, as its Esc does: the turn is interrupted and Claude waits for the user. */
export function cancelDecision() {
  return permissionDecision({ behavior: 'deny', message: 'The user cancelled the dialog.', interrupt: true });
}

export function permissionDecision(decision: Record<string, unknown>) {
  return { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision } };
}

/** The answers Claude took, from PostToolUse(AskUserQuestion)'s tool_input (or the transcript's toolUseResult). */
export function takenAnswers(v: unknown): Record<string, string> | null {
  const a = (v as { answers?: unknown } | null)?.answers;
  if (!a || typeof a !== 'object' || Array.isArray(a)) return null;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(a)) if (typeof x === 'string') out[k] = x;
  return out;
}

export const sameAnswers = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** One line for lists and notifications: the first question and its options. */
export function summarizeAsk(qs: readonly AskQuestion[]): string {
  const first = qs[0];
  const line = `${first.question} (${first.options.map((o) => o.label).join(' / ')})`;
  return clip(qs.length > 1 ? `${line} and ${qs.length - 1} more question${qs.length > 2 ? 's' : ''}` : line, 300);
}

/** "Which database…? → Postgres; Which language…? → Go", for the message that records what was answered. */
export function summarizeAnswers(answers: Record<string, string>): string {
  return clip(
    Object.entries(answers)
      .map(([q, a]) => `${q} → ${a}`)
      .join('; '),
    1000,
  );
}

/** The question dialog (or its "Review your answers" step) is on the screen. */
export function questionDialogVisible(screen: string): boolean {
  const tail = screen.split('\n').slice(-30).join('\n');
  return (/Enter to select/.test(tail) && /Esc to cancel/.test(tail)) || (/Review your answers/.test(tail) && /\d\. Submit answers/.test(tail));
}

/** The message an AskUserQuestion call becomes: a `choices` question (options keyed by their number, named by label). */
export function askMessage(input: unknown, externalKey: string): NewMessage | null {
  const qs = parseAskInput(input);
  if (!qs) return null;
  return {
    senderType: 'agent',
    kind: 'question',
    requiresUserInput: true,
    content: `Claude asks: ${summarizeAsk(qs)}`,
    externalKey,
    question: {
      type: 'choices',
      freeText: true,
      questions: qs.map((q) => ({
        header: q.header,
        question: q.question,
        multiSelect: q.multiSelect,
        options: q.options.map((o, i) => ({ key: String(i + 1), label: o.label, ...(o.description ? { description: o.description } : {}) })),
      })),
    },
  };
}
