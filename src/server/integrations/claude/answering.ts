// Answering the dialog an instance waits on (POST /respond), for the Claude driver: a permission or plan approval by
// pressing the dialog's option once it is on the screen (respond.ts), Claude's questions, a plan's feedback and a
// cancel through the decision hook (dialogs.ts), each confirmed by what Claude Code reports it took.
import { findOption, type InstanceStatus, type Option, type RespondBody } from '../../../common/schema.js';
import { conflict, invalid } from '../../errors.js';
import { AnswerError, askDecision, buildAnswers, cancelDecision, sameAnswers } from './ask.js';
import { alreadyAnswered, describeOutcome, type DialogOutcome, type DialogTracker, type OpenDialog } from './dialogs.js';
import { planFeedbackDecision, planOptions, readPlanDialog } from './plan.js';
import { normalizeChoice, PERMISSION_INPUT_GUARD_MS, permissionKeys, readPermissionDialog, statusAfterAnswer } from './respond.js';

/** Upper bounds, not synchronisation: how long to wait for a dialog to be drawn, to leave after a key, for Claude's word. */
const DIALOG_WAIT_MS = 10_000;
const DIALOG_GONE_WAIT_MS = 1500;
/** After an answer went out through the decision hook: how long Claude may take to say it took it (PostToolUse / transcript). */
const OUTCOME_WAIT_MS = 5000;

/** What the answerer needs of the driver. */
export interface AnswerHost {
  readonly dialogs: DialogTracker;
  status(): InstanceStatus;
  setStatus(status: 'idle' | 'active', reason: string): void;
  screen(): string;
  /** Resolves true once pred(screen) holds, false after timeoutMs. */
  waitScreen(pred: (screen: string) => boolean, timeoutMs: number): Promise<boolean>;
  /** Re-reads the screen now (the dialog's first sighting and its options). */
  refresh(): void;
  write(keys: string): void;
  /** Counts PermissionRequests: a new one while answering means the answer was taken and the next dialog is open. */
  permissionSeq(): number;
  /** When the open dialog was first seen on the screen. */
  dialogSeenAt(): number | null;
  /** The options of the open plan question as first drawn (before any typing in the terminal changed a label). */
  planOptions(): Option[] | null;
  disposed(): boolean;
}

export class Answerer {
  constructor(private h: AnswerHost) {}

  async respond(reply: RespondBody): Promise<boolean> {
    const d = this.h.dialogs.open;
    if (d?.type === 'choices') return this.answerChoices(d, reply);
    if (d?.type === 'plan') return this.answerPlan(d, reply);
    if ('answers' in reply)
      throw invalid(
        'not_choices',
        'answers',
        'this is a permission request: answer it with {choice} (allow, allow_always, deny or an option number)',
      );
    if ('choice' in reply && reply.text !== undefined) throw invalid('text_not_taken', 'text', 'a permission takes no text');
    return this.pressOption('cancel' in reply ? 'deny' : String(reply.choice), 'permission');
  }

  private async answerChoices(d: OpenDialog, reply: RespondBody): Promise<boolean> {
    if ('choice' in reply) {
      throw invalid(
        'answers_required',
        'choice',
        'Claude asks questions here: answer with {answers: [{question, options: [labels], text}]} or skip them with {cancel: true}',
      );
    }
    if (d.outcome) throw conflict('already_answered', alreadyAnswered(d));
    if ('cancel' in reply) return this.decide(d, cancelDecision(), (o) => o.kind === 'declined' || o.kind === 'interrupted', 'idle');
    if (!d.questions) throw conflict('unreadable_question', 'the question could not be read; answer it in the terminal');
    let answers: Record<string, string>;
    try {
      answers = buildAnswers(d.questions, reply.answers);
    } catch (e) {
      if (e instanceof AnswerError) throw invalid(e.code, 'answers', e.message);
      throw e;
    }
    return this.decide(d, askDecision(d.rawInput, answers), (o) => o.kind === 'answered' && sameAnswers(o.answers, answers), 'active');
  }

  private async answerPlan(d: OpenDialog, reply: RespondBody): Promise<boolean> {
    if ('answers' in reply)
      throw invalid('not_choices', 'answers', 'this is a plan approval: answer it with {choice} (an option of the dialog) or {cancel: true}');
    if (d.outcome) throw conflict('already_answered', alreadyAnswered(d));
    if ('cancel' in reply) return this.decide(d, cancelDecision(), (o) => o.kind === 'declined' || o.kind === 'interrupted', 'idle');
    if (!(await this.h.waitScreen((s) => readPlanDialog(s).visible, DIALOG_WAIT_MS))) {
      if (d.outcome) throw conflict('already_answered', alreadyAnswered(d));
      throw conflict('no_dialog', 'no plan dialog is on the screen');
    }
    this.h.refresh();
    // The options as first drawn: once feedback is being typed in the terminal, its row shows the text instead.
    const options = this.h.planOptions() ?? planOptions(readPlanDialog(this.h.screen()));
    const opt = findOption(options, String(reply.choice));
    if (!opt) return false;
    if (opt.intent === 'feedback') {
      if (!reply.text) throw invalid('text_required', 'text', `"${opt.label}" takes text: what should Claude change?`);
      return this.decide(d, planFeedbackDecision(reply.text), (o) => o.kind === 'rejected', 'active');
    }
    if (reply.text !== undefined) throw invalid('text_not_taken', 'text', `"${opt.label}" takes no text`);
    return this.pressOption(opt.key, 'plan');
  }

  /**
   * Sends the decision hook's output for the dialog and waits until Claude Code says what it took (PostToolUse, or the
   * transcript's tool_result / interrupt). An answer given in the terminal first wins there, and is a 409 here.
   */
  private async decide(d: OpenDialog, output: object, took: (o: DialogOutcome) => boolean, after: 'active' | 'idle'): Promise<boolean> {
    // The decision hook runs beside the one that reported the dialog: its request may still be on its way.
    await this.h.dialogs.decisions.whenWaiting(d.key, DIALOG_WAIT_MS);
    if (!this.h.dialogs.decisions.answer(d.key, output)) {
      if (d.outcome) throw conflict('already_answered', alreadyAnswered(d));
      throw conflict(
        'no_decision_channel',
        'AreYouJ cannot answer this dialog: its hook is not waiting (it may have timed out); answer it in the terminal',
      );
    }
    const o = await this.h.dialogs.waitOutcome(d, OUTCOME_WAIT_MS);
    if (!o) throw conflict('answer_not_taken', 'Claude Code did not confirm the answer; look at the terminal');
    if (!took(o))
      throw conflict('answered_elsewhere', `${d.type === 'plan' ? 'The plan' : 'The question'} was ${describeOutcome(d)} in the terminal meanwhile`);
    if (this.h.status() === 'awaiting_input') this.h.setStatus(after, after === 'idle' ? 'dialog cancelled' : 'dialog answered');
    return true;
  }

  /** Presses a permission or plan dialog's option (a digit; deny = Esc) once the dialog is on the screen. */
  private async pressOption(choice: string, kind: 'permission' | 'plan'): Promise<boolean> {
    let c: ReturnType<typeof normalizeChoice>;
    try {
      c = normalizeChoice(choice);
    } catch {
      return false;
    }
    const visible = (s: string) => (kind === 'plan' ? readPlanDialog(s).visible : readPermissionDialog(s).visible);
    const seq = this.h.permissionSeq();
    if (!(await this.h.waitScreen(visible, DIALOG_WAIT_MS))) throw conflict('no_dialog', `no ${kind} dialog is on the screen`);
    this.h.refresh(); // dialogSeenAt
    const options = kind === 'plan' ? planOptions(readPlanDialog(this.h.screen())) : readPermissionDialog(this.h.screen()).options;
    const keys = keysFor(c, options);
    if (keys === null) return false;
    // Keys typed within ~100-200 ms of the dialog appearing are dropped by Claude Code.
    const wait = (this.h.dialogSeenAt() ?? Date.now()) + PERMISSION_INPUT_GUARD_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (let attempt = 0; attempt < 2 && !this.h.disposed(); attempt++) {
      this.h.write(keys);
      const gone = await this.h.waitScreen((s) => !visible(s), DIALOG_GONE_WAIT_MS);
      if (this.h.permissionSeq() !== seq) return true; // taken, and the next permission request is already open
      if (gone) {
        // Unless a hook or the transcript moved it on meanwhile; a deny's interrupt entry confirms idle.
        if (this.h.status() === 'awaiting_input') this.h.setStatus(statusAfterAnswer(c, options), `answered ${choice}`);
        return true;
      }
    }
    throw conflict('answer_not_taken', `the ${kind} dialog is still open after the answer was typed`);
  }
}

/** The keys for a choice on this dialog; null when the dialog does not offer it. */
function keysFor(c: ReturnType<typeof normalizeChoice>, options: Option[]): string | null {
  if (c === 'deny') return permissionKeys('deny'); // Esc = No, whatever the number of options
  if (typeof c === 'number') return options.some((o) => o.key === String(c)) ? permissionKeys(c) : null;
  return findOption(options, c)?.key ?? null;
}
