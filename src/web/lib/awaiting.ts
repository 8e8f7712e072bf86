// What an instance waiting on the user shows: the question or permission request, read from the message's metadata
// (see docs/claude.md and the generic driver), and the answers it offers.
import type { Message } from '../../common/schema.js';
import { truncate } from './format.js';

export interface RawOption { key?: string; number?: number; label?: string; choice?: string }
export interface Meta {
  toolName?: string; toolInput?: unknown; options?: RawOption[]; choices?: string[]; question?: string | null; lines?: string[];
}

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
export function describeToolInput(tool: string | undefined, input: unknown): { main: string; note?: string } {
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

/** The answers to offer: the dialog's own (numbered) options when known, else allow / always / deny, else yes / no. */
export function answers(msg: Message | undefined): { list: Answer[]; permission: boolean; freeText: boolean } {
  const meta = (msg?.metadata ?? {}) as Meta;
  const permission = msg?.kind === 'permission' || !!meta.toolName;
  const opts = (meta.options ?? []).filter((o) => o && (o.key || o.number)).slice(0, 9);
  if (opts.length) {
    const list = opts.map((o, n): Answer => {
      const num = o.number ?? (/^[1-9]$/.test(o.key ?? '') ? Number(o.key) : undefined);
      const label = o.label ?? o.key ?? String(num);
      const intent = o.choice ?? '';
      return {
        choice: num !== undefined ? String(num) : o.key!,
        label: num !== undefined ? `${num}. ${label}` : label,
        short: CHOICE_LABEL[intent] ?? truncate(num !== undefined ? `${num}. ${label}` : label, 24),
        kind: kindOf(intent, n === 0),
        intent,
      };
    });
    return { list, permission, freeText: false };
  }
  if (permission) {
    const choices = meta.choices?.length ? meta.choices : ['allow', 'allow_always', 'deny'];
    const list = choices.map((c, n): Answer => ({ choice: c, label: CHOICE_LABEL[c] ?? c, short: CHOICE_LABEL[c] ?? c, kind: kindOf(c, n === 0), intent: c }));
    return { list, permission, freeText: false };
  }
  return { list: [], permission, freeText: true };
}
