// A driver knows how one kind of agent signals its state and takes messages. The manager owns the
// lifecycle (pty, limits, exit, queue); drivers only translate: `generic` reads the screen, `claude` its hooks.
import type { Agent, InstanceStatus, Message, NotificationKind, Question, RespondBody } from '../../common/schema.js';
import type { PtySession } from '../sessions/pty-session.js';
import type { NewMessage } from './store.js';

export interface DriverHost {
  readonly instanceId: string;
  readonly agent: Agent;
  readonly session: PtySession;
  status(): InstanceStatus;
  /** Moves the instance to a state; `text` (awaiting_input) becomes an agent message needing the user. */
  setStatus(status: 'idle' | 'active' | 'awaiting_input', opts?: { reason?: string; question?: NewMessage }): void;
  addMessage(m: NewMessage): Message;
  /** Replaces the question of this instance's message stored under `externalKey` (e.g. the dialog's own options, once drawn). */
  updateQuestion(externalKey: string, question: Question): void;
  notify(kind: NotificationKind, body: string): void;
}

export interface LaunchSpec { command: string; args: string[]; env: Record<string, string> }
/** `resume`: continue the CLI session the instance ran last (its own resume command), not a new one. */
export interface LaunchOptions { resume?: boolean }

export interface Driver {
  /** Adjusts the launch (e.g. Claude Code's --settings and --session-id). Called before the pty starts. */
  prepare?(spec: LaunchSpec, opts?: LaunchOptions): LaunchSpec;
  /** Starts watching the session. */
  start(host: DriverHost): void;
  /** Types a message into the program, as a user would (paste, then Enter). */
  deliver(text: string): Promise<void>;
  /**
   * Answers the open question or permission dialog (POST /respond): {choice} an option key, an option number ('1'…'9')
   * or an intent (allow / allow_always / deny / feedback, with text); {answers} a `choices` question; {cancel} as Esc.
   * False when the choice is not an option offered; a domain error when the answer does not fit the question or the
   * dialog no longer takes it (may wait for the screen).
   */
  respond(reply: RespondBody): boolean | Promise<boolean>;
  /** How the last dialog ended, when an answer comes after it did ("The question was already answered (…)"). */
  answeredNote?(): string | null;
  dispose(): void;
}
