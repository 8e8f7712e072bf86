// The question or plan dialog Claude Code has open (AskUserQuestion / ExitPlanMode) and how it ended, for the driver:
// the PermissionRequest hook carries no tool_use_id, so the PreToolUse just before it names the call; the decision
// hook's long poll waits under the dialog's key; the outcome comes from PostToolUse, the transcript's tool_result or
// its interrupt entry, whoever answered (the API through the hook, or the user in the terminal).
import type { AskQuestion } from './ask.js';
import { parseAskInput, summarizeAnswers, takenAnswers } from './ask.js';
import { DecisionChannel } from './decisions.js';
import { dialogKey, inputHash, type ClaudeHookPayload } from './hooks.js';

const DIALOG_TOOLS = ['AskUserQuestion', 'ExitPlanMode'] as const;
const isDialogTool = (t: unknown): t is (typeof DIALOG_TOOLS)[number] => DIALOG_TOOLS.includes(t as never);

export type DialogOutcome =
  | { kind: 'answered'; answers: Record<string, string> } // AskUserQuestion answered (answers as Claude took them)
  | { kind: 'approved' } // ExitPlanMode approved
  | { kind: 'declined' } // rejected before it ran (Esc, cancel): the interrupt entry follows
  | { kind: 'rejected' } // rejected and the turn goes on (feedback, "Chat about this", a hook's deny)
  | { kind: 'interrupted' };

export interface OpenDialog {
  key: string;
  type: 'choices' | 'plan';
  toolUseId: string | null;
  /** The tool's input as Claude sent it (the answers go back inside it). */
  rawInput: Record<string, unknown>;
  questions: AskQuestion[] | null;
  outcome: DialogOutcome | null;
}

/** What became of a dialog, in words for a 409: "answered (Which database…? → SQLite)", "approved", … */
export function describeOutcome(d: OpenDialog): string {
  const o = d.outcome;
  if (!o) return 'still open';
  if (o.kind === 'answered') return `answered (${summarizeAnswers(o.answers)})`;
  if (o.kind === 'approved') return 'approved';
  if (o.kind === 'rejected') return 'answered with feedback';
  return 'dismissed';
}
/** "The question was already answered (…)". */
export const alreadyAnswered = (d: OpenDialog) => `${d.type === 'plan' ? 'The plan' : 'The question'} was already ${describeOutcome(d)}`;

export class DialogTracker {
  readonly decisions = new DecisionChannel();
  /** `${tool}:${inputHash}` → tool_use_id, from PreToolUse (bounded). */
  private calls = new Map<string, string>();
  private current: OpenDialog | null = null;
  /** The dialog before the current one, or the last one once closed (for "already answered" replies). */
  private previous: OpenDialog | null = null;
  private waiters = new Set<{ d: OpenDialog; resolve: (o: DialogOutcome | null) => void; timer: NodeJS.Timeout }>();

  get open(): OpenDialog | null {
    return this.current;
  }
  /** The dialog most recently open, answered or not. */
  get last(): OpenDialog | null {
    return this.current ?? this.previous;
  }

  /** PreToolUse of a dialog tool: remember its id for the PermissionRequest that follows. */
  preToolUse(p: ClaudeHookPayload): void {
    if (!isDialogTool(p.tool_name) || !p.tool_use_id) return;
    this.calls.set(`${p.tool_name}:${inputHash(p.tool_name, p.tool_input)}`, p.tool_use_id);
    while (this.calls.size > 16) this.calls.delete(this.calls.keys().next().value!);
  }

  toolUseIdFor(p: ClaudeHookPayload): string | undefined {
    return isDialogTool(p.tool_name) ? this.calls.get(`${p.tool_name}:${inputHash(p.tool_name, p.tool_input)}`) : undefined;
  }

  keyFor(p: ClaudeHookPayload): string {
    return dialogKey(p, this.toolUseIdFor(p));
  }

  /** A PermissionRequest for a dialog tool has become the open dialog (the previous one, if any, is over). */
  opened(p: ClaudeHookPayload, key: string, type: OpenDialog['type']): OpenDialog {
    this.close();
    const raw = p.tool_input && typeof p.tool_input === 'object' && !Array.isArray(p.tool_input) ? (p.tool_input as Record<string, unknown>) : {};
    this.current = {
      key,
      type,
      toolUseId: this.toolUseIdFor(p) ?? null,
      rawInput: raw,
      questions: type === 'choices' ? parseAskInput(raw) : null,
      outcome: null,
    };
    return this.current;
  }

  /** The decision hook's long poll for a dialog: resolves with the hook's output, or null (no answer from here). */
  decision(p: ClaudeHookPayload, signal?: AbortSignal): Promise<object | null> {
    if (!isDialogTool(p.tool_name) || p.hook_event_name !== 'PermissionRequest') return Promise.resolve(null);
    const key = this.keyFor(p);
    if (this.current?.key === key && this.current.outcome) return Promise.resolve(null);
    return this.decisions.wait(key, signal);
  }

  /** PostToolUse of a dialog tool: answered or approved. */
  postToolUse(p: ClaudeHookPayload): void {
    if (p.tool_name === 'AskUserQuestion') this.settle(p.tool_use_id ?? null, { kind: 'answered', answers: takenAnswers(p.tool_input) ?? {} });
    else if (p.tool_name === 'ExitPlanMode') this.settle(p.tool_use_id ?? null, { kind: 'approved' });
  }

  /** A tool_result in the transcript (Claude may write it after the turn's Stop: the previous dialog counts too). */
  toolResult(r: { toolUseId: string; isError: boolean; answers?: Record<string, string> }, denied: boolean): void {
    const d = this.find(r.toolUseId);
    if (!d) return;
    if (r.answers) this.settle(r.toolUseId, { kind: 'answered', answers: r.answers });
    else if (r.isError) this.settle(r.toolUseId, { kind: denied ? 'declined' : 'rejected' });
    else if (d.type === 'plan') this.settle(r.toolUseId, { kind: 'approved' });
  }

  /** The turn was interrupted (Esc): an open dialog is over. */
  interrupted(): void {
    if (this.current && !this.current.outcome) this.settle(this.current.toolUseId, { kind: 'interrupted' });
  }

  /** The dialog of this tool call (the open one, or the one before), or the open one when the call is unknown. */
  private find(toolUseId: string | null): OpenDialog | null {
    for (const d of [this.current, this.previous]) if (d && toolUseId && d.toolUseId === toolUseId) return d;
    return this.current && (!toolUseId || !this.current.toolUseId) ? this.current : null;
  }

  /** Records how a dialog ended (the first signal wins) and lets its hook go. */
  settle(toolUseId: string | null, outcome: DialogOutcome): void {
    const d = this.find(toolUseId);
    if (!d || d.outcome) return;
    d.outcome = outcome;
    this.decisions.settle(d.key);
    for (const w of [...this.waiters])
      if (w.d === d) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(outcome);
      }
  }

  /** Resolves with the dialog's outcome once known, or null after timeoutMs. */
  waitOutcome(d: OpenDialog, timeoutMs: number): Promise<DialogOutcome | null> {
    if (d.outcome) return Promise.resolve(d.outcome);
    return new Promise((resolve) => {
      const w = {
        d,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          resolve(d.outcome);
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  /**
   * The turn moved on (a new prompt, Stop, a new session, another dialog): no dialog is open any more. Its hook is let
   * go; its outcome may still come (the transcript can trail the Stop hook).
   */
  close(): void {
    if (!this.current) return;
    this.decisions.settle(this.current.key);
    this.previous = this.current;
    this.current = null;
  }

  /** The turn is over (Stop, a new prompt, a new session): no dialog is open, and no hook may wait any longer. */
  turnOver(): void {
    this.close();
    this.decisions.settleAll();
  }

  dispose(): void {
    this.close();
    this.decisions.settleAll();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
    this.waiters.clear();
  }
}
