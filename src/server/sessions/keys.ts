// Key names (schema.ts KEY_NAMES) to the bytes a terminal sends, and message delivery as paste + Enter.
import type { KEY_NAMES } from '../../common/schema.js';

export type KeyName = (typeof KEY_NAMES)[number];

const KEYS: Record<KeyName, string> = {
  enter: '\r', escape: '\x1b', tab: '\t', space: ' ', backspace: '\x7f',
  up: '\x1b[A', down: '\x1b[B', right: '\x1b[C', left: '\x1b[D',
  'ctrl-c': '\x03', 'ctrl-d': '\x04',
  0: '0', 1: '1', 2: '2', 3: '3', 4: '4', 5: '5', 6: '6', 7: '7', 8: '8', 9: '9',
};

/**
 * The bytes for one key. With applicationCursor (DECCKM set by the program, see
 * PtySession.applicationCursorKeys) the arrows are ESC O A… as a real terminal sends them.
 */
export function keyBytes(name: KeyName, opts: { applicationCursor?: boolean } = {}): string {
  const s = KEYS[name];
  if (s === undefined) throw new RangeError(`unknown key: ${String(name)}`);
  return opts.applicationCursor && s.startsWith('\x1b[') && s.length === 3 ? `\x1bO${s[2]}` : s;
}

/** The bytes for a sequence of keys, as one write. */
export function keysBytes(names: readonly KeyName[], opts: { applicationCursor?: boolean } = {}): string {
  return names.map((n) => keyBytes(n, opts)).join('');
}

export const PASTE_START = '\x1b[200~';
export const PASTE_END = '\x1b[201~';

/**
 * The writes that deliver `text` as a message, like a user pasting it and pressing Enter:
 * newlines become CR (as terminals send them when pasting); with bracketed paste the text is wrapped
 * in ESC[200~ … ESC[201~ (and any paste markers inside it are removed, so the text cannot end the paste
 * early and have the rest typed as keys); Enter (CR) is always a separate, last write.
 * Write them in order; some programs want a short pause before the Enter (the caller decides).
 */
export function pasteText(text: string, bracketed: boolean): string[] {
  if (text === '') return ['\r'];
  let body = text.replace(/\r?\n/g, '\r');
  if (!bracketed) return [body, '\r'];
  body = body.replace(/\x1b\[20[01]~/g, '');
  return [PASTE_START + body + PASTE_END, '\r'];
}

// A terminal's automatic reports: replies to the program's queries (device attributes, cursor position, status,
// modes, kitty keyboard flags, OSC colours, DCS) and focus in/out. A viewer's terminal sends them as input, but no user
// typed them: they neither take the pty's size (viewer-sizes.ts) nor count as keystrokes (detector.ts).
const REPORT = /^(?:\x1b\[[?>=]?[\d;]*[cnR]|\x1b\[\?[\d;]*\$y|\x1b\[\?[\d;]*u|\x1b\[[IO]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\)+$/;

/** Whether an input write is only terminal reports (see above), not something a user typed. */
export function isTerminalReport(data: string | Buffer): boolean {
  const s = typeof data === 'string' ? data : data.toString('latin1');
  return s.length > 0 && REPORT.test(s);
}
