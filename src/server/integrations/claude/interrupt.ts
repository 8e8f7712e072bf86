// Interrupts (Esc or Ctrl-C while Claude Code works), observed with 2.1.330 (docs/claude.md, recorded in
// test/fakes/claude-recorded-dialogs.json). No hook fires for any of them (no Stop, no PostToolUse(Failure)):
//   - during a running tool: the transcript gets a user-rejected tool_result and "[Request interrupted by user for tool
//     use]" ~0.3 s after the key;
//   - while the answer streams: "[Request interrupted by user]";
//   - before the model has sent anything (a long think, a slow API): NOTHING is written anywhere. Claude aborts the
//     request, puts the prompt back into its input box for editing and is idle at its prompt ~0.4-0.9 s after the key.
//     Only the screen tells: the status line's "esc to interrupt" is gone. This is why instances stayed `active`.
// This module reads the screen and decides, from the keys typed into the terminal, when a turn ended that way.

/** The status line shows "esc to interrupt" while a turn runs (spinner, streaming, tools); not at the prompt or in dialogs. */
export function isWorking(screen: string): boolean {
  return screen
    .split('\n')
    .slice(-8)
    .some((l) => /esc to interrupt/.test(l));
}

const RULE = /^\s*─{10,}\s*$/;

/**
 * The text in Claude Code's input box (between the two rules around "❯"), '' when empty, null when no input box is on
 * the screen (a dialog is open, or Claude has not drawn it yet).
 */
export function readInputBox(screen: string): string | null {
  const lines = screen.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^❯(?:\s(.*))?$/.exec(lines[i].replace(/\s+$/, ''));
    if (!m) continue;
    let top = i - 1;
    while (top >= 0 && !RULE.test(lines[top]) && i - top < 30) top--;
    if (top < 0 || !RULE.test(lines[top]) || top !== i - 1) return null;
    const out = [m[1] ?? ''];
    let j = i + 1;
    for (; j < lines.length && !RULE.test(lines[j]) && j - i < 30; j++) out.push(lines[j].replace(/^ {2}/, ''));
    // The input box sits at the bottom: its closing rule, then only the status line(s).
    if (j >= lines.length || !RULE.test(lines[j]) || lines.slice(j + 1).filter((l) => l.trim()).length > 4) return null;
    return out
      .map((l) => l.replace(/\s+$/, ''))
      .join('\n')
      .trim();
  }
  return null;
}

/** Esc alone (not the start of an arrow key or another sequence) or Ctrl-C, in what was typed into the terminal. */
export function isInterruptKey(data: string): boolean {
  return data.includes('\x03') || /\x1b(?![[O\]P_^\\])/.test(data);
}

/**
 * Decides that a turn was interrupted without a trace in the transcript: armed by an interrupt key typed while the
 * instance is active, it fires once the screen shows Claude idle at its prompt (no "esc to interrupt", an input box).
 * Any hook or transcript signal that arrives meanwhile speaks for itself: disarm() then.
 */
export class InterruptWatch {
  private armedAt: number | null = null;
  constructor(private readonly windowMs = 10_000) {}

  get armed(): boolean {
    return this.armedAt !== null;
  }

  arm(now = Date.now()): void {
    this.armedAt = now;
  }

  disarm(): void {
    this.armedAt = null;
  }

  /**
   * Checks the screen; returns the input box's text (what Claude put back, '' when nothing) when the interrupt has
   * brought Claude back to its prompt, else null. Fires once.
   */
  check(screen: string, now = Date.now()): string | null {
    if (this.armedAt === null) return null;
    if (now - this.armedAt > this.windowMs) {
      this.armedAt = null;
      return null;
    }
    if (isWorking(screen)) return null;
    const input = readInputBox(screen);
    if (input === null) return null;
    this.armedAt = null;
    return input;
  }
}
