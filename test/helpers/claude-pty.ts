// The real Claude Code CLI in a pty with a headless terminal, offline against test/fakes/anthropic-api.ts, launched with the
// settings prepareClaudeLaunch writes and a receiver on a Unix socket standing in for the pty host's hooks socket (POST /hooks/<id>, /hooks/<id>/decision).
// Records every hook payload and every transcript entry; `until` re-checks a condition on every change (screen, hook,
// transcript, exit), so tests await events instead of sleeping.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import pty from 'node-pty';
import xterm from '@xterm/headless';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { CLAUDE_CLI, offlineClaudeEnv } from '../fakes/claude-offline.js';
import { prepareClaudeLaunch, HOOK_SECRET_HEADER } from '../../src/server/integrations/claude/launch.js';
import type { ClaudeHookPayload } from '../../src/server/integrations/claude/hooks.js';
import { TranscriptTailer, type TranscriptEntry } from '../../src/server/integrations/claude/transcript.js';

/** A request of the decision hook (AskUserQuestion / ExitPlanMode), held until answered. */
export interface DecisionRequest {
  payload: ClaudeHookPayload;
  /** Replies: the hook's output (Claude applies it), or null (204: no answer, the hook exits without effect). */
  reply(output: object | null): void;
  replied: boolean;
}

export interface ClaudePty {
  api: FakeAnthropic;
  proj: string;
  sessionId: string;
  hooks: ClaudeHookPayload[];
  decisions: DecisionRequest[];
  entries: TranscriptEntry[];
  /** The visible screen, lines joined with \n. */
  screen(): string;
  exitCode(): number | null;
  write(data: string): void;
  /** Resolves with check()'s first truthy value (checked now and after every change); rejects after timeoutMs. */
  until<T>(check: () => T | undefined | null | false, what: string, timeoutMs?: number): Promise<T>;
  /** The n-th (1-based) hook of that event. */
  hook(name: string, n?: number): Promise<ClaudeHookPayload>;
  /** Types a prompt: bracketed paste, then Enter once the text is on the screen. */
  send(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function startClaudePty(
  opts: {
    args?: string[];
    cols?: number;
    rows?: number;
    api?: FakeAnthropic;
    /** Called with the project directory before Claude starts (e.g. to write .claude/settings.json). */
    setup?: (proj: string) => void;
  } = {},
): Promise<ClaudePty> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-claude-pty-'));
  const configDir = path.join(root, 'config');
  const proj = path.join(root, 'proj');
  fs.mkdirSync(configDir);
  fs.mkdirSync(proj);
  opts.setup?.(proj);
  const pending = new Set<() => void>();
  const poke = () => {
    for (const p of [...pending]) p();
  };
  const hooks: ClaudeHookPayload[] = [];
  const decisions: DecisionRequest[] = [];
  const secret = randomUUID();
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      if (req.headers[HOOK_SECRET_HEADER] !== secret) {
        res.writeHead(401).end();
        return;
      }
      if (req.url?.endsWith('/decision')) {
        const d: DecisionRequest = {
          payload: JSON.parse(body),
          replied: false,
          reply(output) {
            if (d.replied) return;
            d.replied = true;
            if (output) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(output));
            else res.writeHead(204).end();
          },
        };
        decisions.push(d);
        poke();
        return;
      }
      res.writeHead(204).end();
      try {
        hooks.push(JSON.parse(body));
      } catch {
        /* not JSON */
      }
      poke();
    });
  });
  // Hooks go to a Unix socket, as they go to the pty host's hooks socket.
  const hookSocket = path.join(root, 'hooks.sock');
  await new Promise<void>((r) => receiver.listen(hookSocket, r));
  const ownApi = !opts.api;
  const api = opts.api ?? (await startFakeAnthropic());
  const sessionId = randomUUID();
  const launch = prepareClaudeLaunch({
    instanceId: 'inst-1',
    dataDir: path.join(root, 'data'),
    secret,
    sessionId,
    userArgs: opts.args ?? [],
    hookSocket,
  });
  const cols = opts.cols ?? 120,
    rows = opts.rows ?? 40;
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  const child = pty.spawn(CLAUDE_CLI, launch.args, {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: proj,
    env: { ...process.env, ...launch.env, ...offlineClaudeEnv({ apiUrl: api.url, configDir, project: proj }), TERM: 'xterm-256color' } as Record<
      string,
      string
    >,
  });
  let exitCode: number | null = null;
  child.onData((d) => term.write(d, poke));
  const exited = new Promise<void>((resolve) =>
    child.onExit((e) => {
      exitCode = e.exitCode;
      poke();
      resolve();
    }),
  );
  const entries: TranscriptEntry[] = [];
  const tailer = new TranscriptTailer({ pollMs: 200 });
  tailer.on('entry', (e) => {
    entries.push(e);
    poke();
  });
  tailer.on('error', () => {
    /* retried by the poll */
  });

  const screen = () => {
    const b = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < term.rows; i++) lines.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
    return lines.join('\n');
  };
  const until = <T>(check: () => T | undefined | null | false, what: string, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const run = () => {
        const v = check();
        if (!v) return;
        pending.delete(run);
        clearTimeout(timer);
        resolve(v);
      };
      const timer = setTimeout(() => {
        pending.delete(run);
        reject(new Error(`timed out waiting for ${what}; screen:\n${screen()}`));
      }, timeoutMs);
      pending.add(run);
      run();
    });
  const hook = (name: string, n = 1) => until(() => hooks.filter((h) => h.hook_event_name === name)[n - 1], `hook ${name} #${n}`);
  const c: ClaudePty = {
    api,
    proj,
    sessionId,
    hooks,
    decisions,
    entries,
    screen,
    until,
    hook,
    exitCode: () => exitCode,
    write: (d) => child.write(d),
    async send(text) {
      await until(() => /❯/.test(screen()), 'the prompt');
      child.write(`\x1b[200~${text}\x1b[201~`);
      const first = text.split('\n')[0].slice(0, 30);
      await until(() => screen().includes(first) || /\[Pasted text/.test(screen()), 'the pasted text');
      child.write('\r');
    },
    async close() {
      for (const d of decisions) d.reply(null);
      tailer.close();
      if (exitCode === null) child.kill();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (ownApi) await api.close();
      receiver.closeAllConnections();
      receiver.close();
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };
  const start = await hook('SessionStart');
  tailer.follow(start.transcript_path!);
  return c;
}
