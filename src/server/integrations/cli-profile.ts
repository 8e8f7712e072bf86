// What the shared hook-driven driver (hook-driver.ts) needs to know about one CLI: how it launches, what its hooks
// and transcript mean, how its screen looks and which keys it takes. One profile per CLI: codex/driver.ts,
// gemini/driver.ts.
import type { InstanceStatus, Option } from '../../common/schema.js';
import type { NewMessage } from '../instances/store.js';
import type { AgentEffects, ApprovalOption } from './agent-effects.js';
import type { ApprovalDialog } from './dialog.js';
import type { HookTransport } from './hook-transport.js';

/**
 * One transcript entry, mapped: messages to store, whether it ends the turn unfinished (denied, cancelled) or is the
 * CLI's own end of a turn (`turnComplete`: the turn id), its time.
 */
export interface TranscriptEffects {
  messages: NewMessage[];
  interrupted?: boolean;
  turnComplete?: string;
  at?: number;
}

/** The epoch ms of an entry's `timestamp` field, when it has a valid one. */
export function entryTime(e: unknown): number | undefined {
  const t = (e as { timestamp?: unknown } | null)?.timestamp;
  const ms = typeof t === 'string' ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

export interface CliLaunchInput {
  instanceId: string;
  runDir: string;
  /** The pty host's hooks socket. */
  hookSocket: string;
  secret: string;
  userArgs: string[];
  env: NodeJS.ProcessEnv;
  resumeSessionId: string | null;
  transport?: HookTransport;
}

/** How one CLI starts: its arguments, the variables laid over the agent's environment and those taken out of it. */
export interface CliLaunch {
  args: string[];
  env: Record<string, string>;
  /** Variables removed from the agent's environment (Gemini CLI: CI makes it headless, so it would exit at once). */
  unsetEnv?: readonly string[];
  home: string;
  dir: string;
}

/** The environment a CLI runs with: the agent's, with the launch's variables laid over it and its unset ones removed. */
export function launchEnv(base: Record<string, string | undefined>, l: Pick<CliLaunch, 'env' | 'unsetEnv'>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...base, ...l.env })) if (v !== undefined && !l.unsetEnv?.includes(k)) env[k] = v;
  return env;
}

export interface CliProfile {
  kind: 'codex' | 'gemini';
  /** For messages and notifications: "Codex", "Gemini CLI". */
  name: string;
  launch(o: CliLaunchInput): CliLaunch;
  /** Validates and maps one hook body; null when it is not one of this CLI's hook payloads. */
  hook(body: unknown, status: InstanceStatus): AgentEffects | null;
  /** A fresh mapper for one pass over a transcript file (mappers may keep state across entries). */
  transcript(): (entry: unknown) => TranscriptEffects;
  /** Where the CLI's transcripts live inside its home: a hook-reported path outside it is not followed. */
  transcriptDir(home: string): string;
  readDialog(screen: string): ApprovalDialog | null;
  /** The input box is empty and takes typing (resumed: the CLI has reloaded the conversation). */
  composerReady(screen: string, resumed: boolean): boolean;
  /** Keys sent sooner after the dialog is drawn may be dropped. */
  inputGuardMs: number;
  /** Enter this long after the pasted text is shown (0: at once). */
  enterGuardMs: number;
  /** Keys that empty the input line before a paste (Codex can leave a sent prompt in its box: docs/codex.md). */
  clearInput?: string;
  /** When the text is still in the box this long after Enter, press Enter again (the CLI took it as a newline). */
  resubmit?: { afterMs: number; inputText(screen: string): string | null };
  /** Whether the screen shows what must be there before Enter (a slash command's completion row). */
  readyToSubmit?(screen: string, text: string): boolean;
  /** Lines on the screen saying the turn was cancelled: more of them after a dialog closed = denied. */
  cancelledOnScreen?(screen: string): number;
}

export const toOption = (o: ApprovalOption): Option => ({ key: o.key, label: o.label, ...(o.choice ? { intent: o.choice } : {}) });
