// Agent presets (issue 11): what the agent form fills in for the programs people run most, and the approval mode of
// the CLIs that have one, as a visible choice mapped to the CLI's own flag. Plain data, no zod, shared by the web app
// (the form) and the tests (which check every flag value against the real CLIs' argument parsers).
import { DEFAULT_AWAITING_PATTERNS, DEFAULT_IDLE_PATTERNS, type AGENT_KINDS } from './constants.js';

type Kind = (typeof AGENT_KINDS)[number];

export interface ApprovalMode {
  /** Our name for it (stable: what the form keeps). */
  id: string;
  label: string;
  hint: string;
  /** The arguments that select it. */
  args: readonly string[];
}

export interface ApprovalModes {
  /** The flag whose value sets the mode, and its other spellings (read back from an agent's arguments). */
  flag: string;
  aliases: readonly string[];
  /** Flags that stand alone for a mode (Codex's bypass, Gemini's --yolo), by mode id. */
  standalone: Readonly<Record<string, string>>;
  modes: readonly ApprovalMode[];
  /** The default for a new agent: ask, because answering from the dashboard is the point. */
  initial: string;
}

const mode = (id: string, label: string, hint: string, ...args: string[]): ApprovalMode => ({ id, label, hint, args });

/** Per kind: the approval modes the CLI offers (values checked against the real CLIs: test/unit/presets.test.ts). */
export const APPROVAL_MODES: Partial<Record<Kind, ApprovalModes>> = {
  claude: {
    flag: '--permission-mode', aliases: [], standalone: {}, initial: 'ask',
    modes: [
      mode('ask', 'Ask', 'Every tool use that needs permission waits for you: answer it here', '--permission-mode', 'default'),
      mode('auto', 'Auto', 'Claude Code decides what is safe to run without asking', '--permission-mode', 'auto'),
      mode('accept-edits', 'Accept edits', 'File edits go through; commands still ask', '--permission-mode', 'acceptEdits'),
      mode('plan', 'Plan', 'Read-only: Claude plans, then asks you to approve the plan', '--permission-mode', 'plan'),
      mode('bypass', 'Bypass', 'Nothing asks: every tool runs (only inside a sandbox)', '--permission-mode', 'bypassPermissions'),
    ],
  },
  codex: {
    flag: '--ask-for-approval', aliases: ['-a'], standalone: { '--dangerously-bypass-approvals-and-sandbox': 'bypass' }, initial: 'ask',
    modes: [
      mode('ask', 'Ask', 'Codex asks before what it may not run on its own (on-request): answer it here', '--ask-for-approval', 'on-request'),
      mode('never', 'Never ask', 'Codex never asks; a failing command goes back to the model', '--ask-for-approval', 'never'),
      mode('bypass', 'Bypass', 'No approvals and no sandbox (only inside a sandbox of your own)', '--dangerously-bypass-approvals-and-sandbox'),
    ],
  },
  gemini: {
    flag: '--approval-mode', aliases: [], standalone: { '--yolo': 'yolo', '-y': 'yolo' }, initial: 'ask',
    modes: [
      mode('ask', 'Ask', 'Every tool call that needs approval waits for you: answer it here', '--approval-mode', 'default'),
      mode('accept-edits', 'Accept edits', 'Edit tools are approved, others ask (auto_edit)', '--approval-mode', 'auto_edit'),
      mode('plan', 'Plan', 'Read-only mode', '--approval-mode', 'plan'),
      mode('yolo', 'YOLO', 'Every tool call is approved', '--approval-mode', 'yolo'),
    ],
  },
};

/**
 * Splits an agent's arguments into its approval mode (by id; '' when none is given, so the CLI's own setting applies)
 * and the other arguments. A value the table does not know stays among the other arguments.
 */
export function splitApproval(kind: Kind, args: readonly string[]): { mode: string; rest: string[] } {
  const t = APPROVAL_MODES[kind];
  if (!t) return { mode: '', rest: [...args] };
  const rest: string[] = [];
  let found = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (t.standalone[a]) {
      found = t.standalone[a];
      continue;
    }
    if (flag === t.flag || t.aliases.includes(flag)) {
      const value = eq > 0 ? a.slice(eq + 1) : args[i + 1];
      const m = t.modes.find((x) => x.args.length === 2 && x.args[1] === value);
      if (m) {
        found = m.id;
        if (eq < 0) i++;
        continue;
      }
    }
    rest.push(a);
  }
  return { mode: found, rest };
}

/** An agent's arguments: the approval mode's (if one is chosen) before the others. */
export function joinApproval(kind: Kind, modeId: string, rest: readonly string[]): string[] {
  const m = APPROVAL_MODES[kind]?.modes.find((x) => x.id === modeId);
  return [...(m?.args ?? []), ...rest];
}

export interface AgentPreset {
  id: string;
  label: string;
  kind: Kind;
  command: string;
  /** Arguments besides the approval mode. */
  args: readonly string[];
  idlePatterns: readonly string[];
  awaitingPatterns: readonly string[];
  quietMs: number;
  /** What the form says about it. */
  hint: string;
}

export const AGENT_PRESETS: readonly AgentPreset[] = [
  {
    id: 'claude', label: 'Claude Code', kind: 'claude', command: 'claude', args: [], quietMs: 500,
    idlePatterns: DEFAULT_IDLE_PATTERNS, awaitingPatterns: DEFAULT_AWAITING_PATTERNS,
    hint: 'States, questions and approvals from Claude Code’s own hooks',
  },
  {
    id: 'codex', label: 'Codex', kind: 'codex', command: 'codex', args: [], quietMs: 500,
    idlePatterns: DEFAULT_IDLE_PATTERNS, awaitingPatterns: DEFAULT_AWAITING_PATTERNS,
    hint: 'States and approvals from Codex CLI’s hooks; Resume continues its session',
  },
  {
    id: 'gemini', label: 'Gemini CLI', kind: 'gemini', command: 'gemini', args: [], quietMs: 500,
    idlePatterns: DEFAULT_IDLE_PATTERNS, awaitingPatterns: DEFAULT_AWAITING_PATTERNS,
    hint: 'States and approvals from Gemini CLI’s hooks; Resume continues its session',
  },
  {
    // Aider's prompt is "> " (or "architect> ", "ask> ", "multi> "); its questions end in "(Y)es/(N)o … [Yes]:".
    id: 'aider', label: 'Aider', kind: 'generic', command: 'aider', args: [], quietMs: 800,
    idlePatterns: ['^[\\w-]*> ?$'],
    awaitingPatterns: ['\\(Y\\)es/\\(N\\)o', '\\[(Yes|No)\\]: ?$', ...DEFAULT_AWAITING_PATTERNS],
    hint: 'Read from the screen: its "> " prompt and its (Y)es/(N)o questions',
  },
  {
    // opencode is a full-screen TUI: its permission dialog says "Permission required" with Allow once / Allow always /
    // Reject. Its idle screen has no prompt character of its own: the input box's border is the best guess.
    id: 'opencode', label: 'opencode', kind: 'generic', command: 'opencode', args: [], quietMs: 1000,
    idlePatterns: ['^\\s*[┃│>]\\s*$', ...DEFAULT_IDLE_PATTERNS],
    awaitingPatterns: ['Permission required', 'Allow once', ...DEFAULT_AWAITING_PATTERNS],
    hint: 'Read from the screen (a full-screen program: check the patterns against your version)',
  },
  {
    id: 'shell', label: 'Plain shell', kind: 'generic', command: 'bash', args: [], quietMs: 500,
    idlePatterns: DEFAULT_IDLE_PATTERNS, awaitingPatterns: DEFAULT_AWAITING_PATTERNS,
    hint: 'A terminal in the project folder: idle at its prompt, asking on [y/N]',
  },
];
