// The driver for any terminal program: its state is read from the screen by ScreenStateDetector.
import type { Option, RespondBody } from '../../common/schema.js';
import { invalid } from '../errors.js';
import { ScreenStateDetector } from '../sessions/detector.js';
import { pasteText } from '../sessions/keys.js';
import type { Driver, DriverHost } from './driver.js';

/** An answer and the keys that give it. */
export interface QuestionOption extends Option { send: string }

/** The answers a question on the screen offers: y/n for [y/N]-style prompts, numbered menu entries. */
export function questionOptions(text: string): QuestionOption[] {
  const last = text.split('\n').filter((l) => l.trim()).slice(-8);
  const joined = last.join('\n');
  // [y/N], (yes/no)… and Aider's "(Y)es/(N)o".
  if (/[[(]\s*y(es)?\s*\/\s*n(o)?\s*[\])]/i.test(joined) || /\(Y\)es\/\(N\)o/.test(joined)) {
    const words = /yes\s*\/\s*no/i.test(joined);
    return [
      { key: 'y', label: 'Yes', send: words ? 'yes\r' : 'y\r' },
      { key: 'n', label: 'No', send: words ? 'no\r' : 'n\r' },
    ];
  }
  const menu: QuestionOption[] = [];
  for (const l of last) {
    const m = /^\s*(?:[>❯›]\s*)?([1-9])[.)]\s+(.+?)\s*$/.exec(l);
    if (m) menu.push({ key: m[1], label: m[2], send: `${m[1]}\r` });
  }
  if (menu.length) return menu;
  if (/press (enter|any key)/i.test(joined)) return [{ key: 'enter', label: 'Continue', send: '\r' }];
  return [];
}

export class GenericDriver implements Driver {
  private detector: ScreenStateDetector | null = null;
  private host!: DriverHost;
  private options: QuestionOption[] = [];

  start(host: DriverHost): void {
    this.host = host;
    const s = host.agent.settings;
    // Re-adopted after a server restart: it goes on from the stored state (and the open question's options).
    const status = host.status();
    const initial = host.adopted && (status === 'idle' || status === 'active' || status === 'awaiting_input') ? status : 'starting';
    if (initial === 'awaiting_input') this.options = questionOptions(host.openQuestion()?.message.content ?? '');
    this.detector = new ScreenStateDetector(host.session, { quietMs: s.quietMs, idlePatterns: s.idlePatterns, awaitingPatterns: s.awaitingPatterns }, initial);
    this.detector.on('change', (c) => {
      if (c.state === 'starting') return;
      if (c.state === 'awaiting_input') {
        const text = c.text ?? '';
        this.options = questionOptions(text);
        host.setStatus('awaiting_input', {
          reason: 'screen',
          question: {
            senderType: 'agent', content: text, requiresUserInput: true, kind: 'question',
            question: { type: 'screen', lines: text.split('\n'), options: this.options.map(({ key, label }) => ({ key, label })) },
          },
        });
      } else {
        host.setStatus(c.state, { reason: c.reason });
      }
    });
  }

  async deliver(text: string): Promise<void> {
    const session = this.host.session;
    const writes = pasteText(text, session.bracketedPasteEnabled);
    for (const w of writes) session.write(w);
  }

  respond(reply: RespondBody): boolean {
    if (!('choice' in reply) || reply.text !== undefined) {
      throw invalid('choice_required', 'choice', 'this question is answered with {choice}: one of its options (or type into the terminal)');
    }
    const c = String(reply.choice);
    const opt = this.options.find((o) => o.key === c)
      ?? (c === 'allow' || c === 'allow_always' ? this.options.find((o) => o.key === 'y') ?? this.options[0] : undefined)
      ?? (c === 'deny' ? this.options.find((o) => o.key === 'n') ?? this.options.at(-1) : undefined)
      ?? (/^[1-9]$/.test(c) ? this.options[Number(c) - 1] : undefined);
    if (!opt) return false;
    this.host.session.write(opt.send);
    return true;
  }

  dispose(): void {
    this.detector?.dispose();
    this.detector = null;
  }
}
