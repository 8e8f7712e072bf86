// A driver knows how one kind of agent signals its state and takes messages. The manager owns the
// lifecycle (pty, limits, exit, queue); drivers only translate: `generic` reads the screen, `claude` its hooks.
import type { Agent, InstanceStatus, Message, NotificationKind, Question, RespondBody } from '../../common/schema.js';
import type { TerminalSession } from '../sessions/session.js';
import type { NewMessage } from './store.js';

export interface DriverHost {
  readonly instanceId: string;
  readonly agent: Agent;
  readonly session: TerminalSession;
  /** The program was already running when this driver started (the server restarted and re-adopted it). */
  readonly adopted: boolean;
  status(): InstanceStatus;
  /** The newest question still waiting for the user (after a restart: what the instance was awaiting). */
  openQuestion(): { message: Message; externalKey: string | null } | undefined;
  /** User messages the server typed into the program (after a restart: so the transcript's copies are not stored again). */
  sentUserMessages(): Message[];
  /** The agent CLI's own session id changed (a new conversation): Resume continues this one. */
  setAgentSessionId(id: string): void;
  /** Moves the instance to a state; `text` (awaiting_input) becomes an agent message needing the user. */
  setStatus(status: 'idle' | 'active' | 'awaiting_input', opts?: { reason?: string; question?: NewMessage }): void;
  addMessage(m: NewMessage): Message;
  /** Replaces the question of this instance's message stored under `externalKey` (e.g. the dialog's own options, once drawn). */
  updateQuestion(externalKey: string, question: Question): void;
  notify(kind: NotificationKind, body: string): void;
}

export interface LaunchSpec { command: string; args: string[]; env: Record<string, string> }
/** `resume`: the CLI session id to continue (its own resume command), not a new session. */
export interface LaunchOptions { resume?: string }

export interface Driver {
  /**
   * Adjusts the launch (e.g. Claude Code's --settings and --session-id; with `resume`, the CLI's own resume of that
   * session id). Called before the pty starts.
   */
  prepare?(spec: LaunchSpec, opts?: LaunchOptions): LaunchSpec;
  /** The secret the agent's hooks present to the pty host's hook endpoint (kinds that use hooks). */
  readonly hookSecret?: string;
  /** The agent CLI's own session id, once known (after prepare() or adopt()). */
  readonly agentSessionId?: string | null;
  /** What to keep with the session in the pty host, to adopt() it after a server restart. */
  meta?(): Record<string, unknown>;
  /** Instead of prepare(): the program already runs (the server restarted); `meta` is what meta() returned then. */
  adopt?(meta: Record<string, unknown>): void;
  /** Starts watching the session. */
  start(host: DriverHost): void;
  /** A hook the agent posted (relayed by the pty host, in order). */
  hook?(body: unknown): void;
  /** A decision hook (a long poll relayed by the pty host): the hook's output once the user answers, or null for none. */
  decision?(body: unknown, signal: AbortSignal): Promise<object | null>;
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
  /** Stops watching (the program ended, or the server stops and leaves it running in the pty host). */
  dispose(): void;
  /** The program is gone for good (exited or lost): remove what was made for it. */
  ended?(): void;
}
