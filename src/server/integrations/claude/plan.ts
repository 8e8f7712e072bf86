// Claude Code's plan approvals (ExitPlanMode in plan mode), observed with 2.1.330 (docs/claude.md, recorded in
// test/fakes/claude-recorded-dialogs.json):
//   - In plan mode Claude writes the plan to <config dir>/plans/<slug>.md, then calls ExitPlanMode {}: PreToolUse and
//     PermissionRequest carry tool_input {plan: <the file's Markdown>, planFilePath}.
//   - The dialog: "Ready to code? / Here is Claude's plan: … / Claude has written up a plan and is ready to execute. Would
//     you like to proceed?" with numbered options, e.g. 1. Yes, and use auto mode  2. Yes, manually approve edits
//     3. Tell Claude what to change (a text field). A digit selects and confirms an approval; the labels vary with the
//     modes on offer, so they are read from the screen. Esc rejects and interrupts the turn.
//   - Approved → PostToolUse(ExitPlanMode) → the model goes on (mode auto / default as chosen). Feedback → a rejected
//     tool_result "…To tell you how to proceed, the user said:\n<feedback>" and the turn goes on (Stop follows).
//   - A PermissionRequest hook can reject with feedback ({behavior:"deny", message}: the model gets exactly the message)
//     but a bare allow is ignored; AreYouJ presses the approval's digit and sends feedback through the hook.
import { z } from 'zod';
import type { Option } from '../../../common/schema.js';
import type { NewMessage } from '../../instances/store.js';
import { permissionDecision } from './ask.js';

const PlanInputIn = z.object({ plan: z.string().max(200_000) });

/** The plan of an ExitPlanMode call; null when the input holds none (ExitPlanMode without a plan file: tool_input {}). */
export function parsePlanInput(input: unknown): { plan: string } | null {
  const r = PlanInputIn.safeParse(input);
  return r.success ? { plan: r.data.plan } : null;
}

/** approve: a digit approves (the label says how); feedback: a text field, the plan is rejected with the text. */
export type PlanOptionRole = 'approve' | 'feedback' | 'reject';
export interface PlanOption {
  number: number;
  label: string;
  role: PlanOptionRole;
}
export interface PlanDialog {
  visible: boolean;
  options: PlanOption[];
}

const OPTION = /^\s*(?:❯\s*)?([1-9])\.\s+(.+?)\s*$/;
const FEEDBACK = /^(Tell Claude what to change|No, keep planning|No, and tell Claude)/i;

/** Reads the plan approval dialog from the screen (the headless terminal's visible lines). */
export function readPlanDialog(screen: string): PlanDialog {
  const lines = screen.split('\n');
  // "Would you like to proceed?" wraps on narrow screens: the line "…ready to execute." (or "Exit plan mode?") anchors it.
  let at = -1;
  for (let i = lines.length - 1; i >= 0 && at < 0; i--) if (/ready to execute|Would you like to proceed|Exit plan mode\?/.test(lines[i])) at = i;
  if (at < 0) return { visible: false, options: [] };
  const options: PlanOption[] = [];
  for (const l of lines.slice(at + 1, at + 16)) {
    const m = OPTION.exec(l);
    if (!m) continue;
    const number = Number(m[1]);
    if (options.some((o) => o.number === number)) break; // a second list: not this dialog's
    // (While feedback is typed, its option shows the text instead of its label: read the options before any input.)
    const label = m[2];
    options.push({ number, label, role: FEEDBACK.test(label) ? 'feedback' : /^No\b/.test(label) ? 'reject' : 'approve' });
  }
  return options.length ? { visible: true, options } : { visible: false, options: [] };
}

/** What the dialog's "Tell Claude what to change" sends the model (its exact wording, 2.1.330). */
export function planFeedbackMessage(feedback: string): string {
  return (
    "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT " +
    `written to the file). To tell you how to proceed, the user said:\n${feedback}`
  );
}

/** The PermissionRequest hook's output rejecting the plan with the user's feedback; the turn goes on. */
export function planFeedbackDecision(feedback: string) {
  return permissionDecision({ behavior: 'deny', message: planFeedbackMessage(feedback) });
}

/** One line for lists and notifications: the plan's first heading or line. */
export function summarizePlan(plan: string): string {
  const first =
    plan
      .split('\n')
      .map((l) => l.replace(/^#+\s*/, '').trim())
      .find(Boolean) ?? 'a plan';
  return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}

/** The options for clients: key = the number, intent feedback (takes text) or deny (a plain "No"). */
export function planOptions(d: PlanDialog): Option[] {
  return d.options.map((o) => ({
    key: String(o.number),
    label: o.label,
    ...(o.role === 'feedback' ? { intent: 'feedback' as const } : o.role === 'reject' ? { intent: 'deny' as const } : {}),
  }));
}

/** The message an ExitPlanMode call becomes: a `plan` question; its options come from the screen once drawn. */
export function planMessage(input: unknown, externalKey: string): NewMessage {
  const plan = parsePlanInput(input)?.plan ?? '';
  return {
    senderType: 'agent',
    kind: 'question',
    requiresUserInput: true,
    externalKey,
    content: plan ? `Claude's plan: ${summarizePlan(plan)}` : 'Claude wants to leave plan mode',
    question: { type: 'plan', plan, options: [] },
  };
}
