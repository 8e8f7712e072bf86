// What an instance waiting on the user shows: the question of its message (Message.question, one typed union written by
// every driver, see src/common/questions.ts) and the answers it offers.
import type { Option, Question } from '../../common/schema.js';
import { truncate } from '../lib/format.js';

export interface Answer {
  /** What POST /respond gets: the option's number, its key, or allow/allow_always/deny. */
  choice: string;
  label: string;
  /** A short label for narrow places (the sidebar). */
  short: string;
  kind: 'primary' | 'danger' | '';
  /** allow / allow_always / deny when known (also for numbered options), for tests and styling. */
  intent: string;
}

const CHOICE_LABEL: Record<string, string> = { allow: 'Allow', allow_always: 'Always allow', deny: 'Deny' };
const kindOf = (intent: string, first: boolean): Answer['kind'] => (intent === 'deny' ? 'danger' : intent === 'allow' || (first && !intent) ? 'primary' : '');

/** The tool's input as text: the command for Bash, the file for file tools, JSON otherwise. Never HTML. */
export function describeToolInput(tool: string | null, input: unknown): { main: string; note?: string } {
  if (input === undefined || input === null) return { main: '' };
  if (typeof input !== 'object') return { main: String(input) };
  const o = input as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  if (tool === 'Bash' && str('command') !== undefined) return { main: str('command')!, note: str('description') };
  if (/^(Edit|MultiEdit|Write|Read|NotebookEdit)$/.test(tool ?? '')) {
    const file = str('file_path') ?? str('notebook_path') ?? str('path');
    if (file !== undefined) return { main: file };
  }
  if (tool === 'WebFetch' && str('url')) return { main: str('url')!, note: str('prompt') };
  let json: string;
  try { json = JSON.stringify(input, null, 2); } catch { json = String(input); }
  return { main: json };
}

/** One button: an option of the question. A numbered option (the dialog's own, `1`…`9`) shows its number. */
function answer(o: Option, first: boolean): Answer {
  const label = /^[1-9]$/.test(o.key) ? `${o.key}. ${o.label}` : o.label;
  const intent = o.intent ?? '';
  return { choice: o.key, label, short: CHOICE_LABEL[intent] ?? truncate(label, 24), kind: kindOf(intent, first), intent };
}

/**
 * The answers to offer as buttons: the question's options (at most 9); none for a screen question without any (the user
 * types one). Claude's questions (`choices`) are answered with a form instead (ChoiceQuestions), so no buttons here.
 */
export function answers(q: Question | null | undefined): { list: Answer[]; permission: boolean; freeText: boolean } {
  if (!q) return { list: [], permission: false, freeText: true };
  switch (q.type) {
    case 'permission': return { list: buttons(q.options), permission: true, freeText: false };
    case 'screen': return { list: buttons(q.options), permission: false, freeText: q.options.length === 0 };
    case 'plan': return { list: buttons(q.options), permission: false, freeText: false };
    case 'choices': return { list: [], permission: false, freeText: false };
    default: return unhandled(q);
  }
}

const buttons = (options: Option[]) => options.slice(0, 9).map((o, n) => answer(o, n === 0));

/** A question type this file does not show yet fails to compile here. */
function unhandled(q: never): never {
  throw new Error(`unknown question type ${(q as { type: string }).type}`);
}
