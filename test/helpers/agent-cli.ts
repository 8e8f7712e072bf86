// Driving a real agent CLI in a test: the program in a real pty (the server's own PtySession, with its headless
// screen), an HTTP receiver on a Unix socket standing in for the pty host's hooks socket, and one waiter that re-checks a condition
// on every change (output parsed, hook received, process exit) instead of sleeping.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PtySession, type ExitInfo } from '../../src/ptyhost/pty-session.js';

export class Waiter {
  private pending: { check: () => unknown; resolve: (v: any) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  constructor(private describe: () => string = () => '') {}

  /** Resolves with the first truthy value check() returns, re-checked on every poke(); rejects after timeoutMs. */
  until<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 60_000): Promise<T> {
    const v = check();
    if (v) return Promise.resolve(v);
    return new Promise<T>((resolve, reject) => {
      const entry = {
        check,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.pending.splice(this.pending.indexOf(entry), 1);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`));
        }, timeoutMs),
      };
      this.pending.push(entry);
    });
  }

  poke(): void {
    for (const p of [...this.pending]) {
      let v: unknown;
      try {
        v = p.check();
      } catch (e) {
        v = undefined;
        clearTimeout(p.timer);
        this.pending.splice(this.pending.indexOf(p), 1);
        p.reject(e as Error);
        continue;
      }
      if (v) {
        clearTimeout(p.timer);
        this.pending.splice(this.pending.indexOf(p), 1);
        p.resolve(v);
      }
    }
  }
}

export interface ReceivedHook {
  at: number;
  path: string;
  body: any;
}

export interface HookReceiver {
  /** The Unix socket it listens on (what a launch takes as the pty host's hooks socket). */
  socket: string;
  hooks: ReceivedHook[];
  /** Requests with a wrong path or secret (must stay 0). */
  rejected: number;
  close(): Promise<void>;
}

/** A stand-in for the pty host's hooks socket (POST /hooks/<instanceId>): checks the path and the secret header, records the JSON body. */
export async function startHookReceiver(o: {
  path: string;
  header: string;
  secret: string;
  onHook?: (h: ReceivedHook) => void;
}): Promise<HookReceiver> {
  const hooks: ReceivedHook[] = [];
  const r: HookReceiver = { socket: '', hooks, rejected: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== o.path || req.headers[o.header] !== o.secret) {
        r.rejected++;
        res.writeHead(401).end();
        return;
      }
      res.writeHead(204).end();
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        r.rejected++;
        return;
      }
      const h = { at: Date.now(), path: req.url, body };
      hooks.push(h);
      o.onHook?.(h);
    });
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-hooks-'));
  r.socket = path.join(dir, 'hooks.sock');
  await new Promise<void>((resolve) => server.listen(r.socket, resolve));
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

export interface CliRun {
  session: PtySession;
  /** The visible screen, lines joined with \n. */
  screen(): string;
  exit: ExitInfo | null;
  write(data: string): void;
  /** Terminates the program if it still runs and waits for its exit. */
  stop(): Promise<void>;
}

/** Starts a CLI in a pty; calls onChange after each chunk of output is parsed and at exit. */
export function startCli(o: {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  cols?: number;
  rows?: number;
  onChange: () => void;
}): CliRun {
  const session = PtySession.start({ command: o.command, args: o.args, cwd: o.cwd, env: o.env, cols: o.cols ?? 120, rows: o.rows ?? 40 });
  // The screen as last read (reads are asynchronous): refreshed after each chunk of output is parsed.
  let last = '';
  const refresh = () => session.screen({ settle: true }).then((sc) => { last = sc.lines.join('\n'); }, () => undefined);
  const run: CliRun = {
    session,
    screen: () => last,
    exit: null,
    write: (d) => {
      session.write(d);
    },
    stop: async () => {
      if (!run.exit) await session.terminate(2000);
    },
  };
  session.on('data', () => {
    void refresh().then(o.onChange);
  });
  session.on('exit', (e: ExitInfo) => {
    run.exit = e;
    void refresh().then(o.onChange);
  });
  return run;
}

/**
 * Types a prompt the way the drivers do: bracketed paste, then Enter as a separate write once the text is shown and,
 * for CLIs that take an Enter right after a paste as a newline (Gemini CLI: within 40 ms), enterGuardMs later;
 * clearInput first when the CLI can leave stale text in its box (Codex: Ctrl-U).
 */
export async function typePrompt(run: CliRun, w: Waiter, text: string, enterGuardMs = 0, clearInput = ''): Promise<void> {
  if (clearInput) run.write(clearInput);
  run.write(`\x1b[200~${text}\x1b[201~`);
  await w.until(() => run.screen().includes(text), `the prompt "${text}" on the screen`);
  if (enterGuardMs) await new Promise((r) => setTimeout(r, enterGuardMs));
  run.write('\r');
}
