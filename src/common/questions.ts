// What an instance waiting on the user asks: one discriminated union, written by every driver, stored with the
// message, served typed (Message.question) and read by the web app as is. One Option type for every answer.
//
// To add a kind of question (next: `approval` for Codex/Gemini approvals), add its schema to `Question` below: the web
// app's switch on `type` (src/web/instances/awaiting.ts) then fails to compile until it handles it.
import { z } from 'zod';
import { OPTION_INTENTS } from './constants.js';

/** Any JSON value (what a program sent us, kept as it came). */
export type Json = z.infer<ReturnType<typeof z.json>>;

/** One answer a question offers. `key` is what POST /respond takes (`y`, `1`, `allow`…). */
export const Option = z.strictObject({
  key: z.string().min(1).max(40),
  label: z.string(),
  /** A longer explanation, when the program gives one. */
  description: z.string().optional(),
  /**
   * What choosing it means, when known: /respond also accepts the intent's name (allow / allow_always / deny).
   * `feedback`: the option takes text (POST /respond {choice, text}), e.g. "Tell Claude what to change".
   */
  intent: z.enum(OPTION_INTENTS).optional(),
});
export type Option = z.infer<typeof Option>;

/** A question read off the screen (generic driver): the last lines of the screen and the answers recognised in them. */
export const ScreenQuestion = z.strictObject({
  type: z.literal('screen'),
  lines: z.array(z.string()),
  /** Empty when no answers were recognised: the user types one. */
  options: z.array(Option),
});

/** A tool permission request (Claude Code's PermissionRequest hook and dialog). */
export const PermissionQuestion = z.strictObject({
  type: z.literal('permission'),
  /** The tool's name (Bash, Edit…); null when the program did not say which. */
  tool: z.string().nullable(),
  /** The tool's input, as the program gave it (JSON). */
  input: z.json(),
  /** Allow / Always allow / Deny until the dialog is read from the screen, then the dialog's own options. */
  options: z.array(Option),
  /** The dialog's own question ("Do you want to proceed?"), once it is on the screen. */
  prompt: z.string().optional(),
  /** The program's suggested permission rules (Claude Code's permission_suggestions), as given. */
  suggestions: z.array(z.json()).optional(),
});

/** One question of a `choices` question: pick one option (or several, multiSelect), or type an answer (freeText). */
export const ChoiceItem = z.strictObject({
  /** A short label (Claude Code: ≤ 12 characters, shown as a chip). */
  header: z.string(),
  /** The question's text; /respond names the question by it. */
  question: z.string(),
  multiSelect: z.boolean(),
  /** key: the option's number; label: what /respond names it by; description: what choosing it means. */
  options: z.array(Option),
});
export type ChoiceItem = z.infer<typeof ChoiceItem>;

/**
 * The program's own multiple-choice questions (Claude Code's AskUserQuestion): one or several, shown and answered
 * together, with POST /respond {answers: [{question, options: [labels], text?}]} or skipped with {cancel: true}.
 */
export const ChoicesQuestion = z.strictObject({
  type: z.literal('choices'),
  questions: z.array(ChoiceItem).min(1),
  /** An answer may be typed instead of (single-select) or besides (multi-select) the options. */
  freeText: z.boolean(),
});

/**
 * A plan to approve (Claude Code's ExitPlanMode): the plan (Markdown: render it safely, never as HTML) and the dialog's
 * own options, read from the screen (empty until it is drawn). An option with intent `feedback` takes text.
 */
export const PlanQuestion = z.strictObject({
  type: z.literal('plan'),
  plan: z.string(),
  options: z.array(Option),
});

export const Question = z.discriminatedUnion('type', [ScreenQuestion, PermissionQuestion, ChoicesQuestion, PlanQuestion]);
export type Question = z.infer<typeof Question>;

/** The option a /respond choice names: its key, else the option whose intent it names. */
export function findOption(options: readonly Option[], choice: string): Option | undefined {
  return options.find((o) => o.key === choice) ?? options.find((o) => o.intent !== undefined && o.intent === choice);
}
