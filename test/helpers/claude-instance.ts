// A `claude` agent and one instance of it on a real test server, offline against a fake Anthropic API, with helpers
// that await SSE events of that instance (never sleeps).
import assert from 'node:assert/strict';
import type { FakeAnthropic } from '../fakes/anthropic-api.js';
import { CLAUDE_CLI, offlineClaudeEnv } from '../fakes/claude-offline.js';
import { tempDir, type TestServer } from './server.js';
import type { SseClient, SseEvent } from './sse.js';

let n = 0;

export async function startClaudeInstance(s: TestServer, sse: SseClient, api: FakeAnthropic, args = ['--permission-mode', 'default']) {
  const proj = tempDir('ayj-claude-proj-');
  const configDir = tempDir('ayj-claude-cfg-');
  const agent = await s.api('POST', '/api/agents', {
    name: `claude-${process.pid}-${++n}`,
    projectPath: proj,
    kind: 'claude',
    command: CLAUDE_CLI,
    args,
    env: offlineClaudeEnv({ apiUrl: api.url, configDir, project: proj }),
  });
  assert.equal(agent.status, 201, JSON.stringify(agent.body));
  const from = sse.events.length;
  const inst = await s.api('POST', `/api/agents/${agent.body.id}/instances`, { cols: 120, rows: 40 });
  assert.equal(inst.status, 201, JSON.stringify(inst.body));
  const id: string = inst.body.id;
  const mine = (e: SseEvent) => (e.data?.instance?.id ?? e.data?.message?.instanceId ?? e.data?.instanceId) === id;
  const c = {
    id,
    proj,
    live: () => s.manager.get(id)!,
    /** The next event of this instance (from index `since`) matching pred. */
    event: (since: number, pred: (e: SseEvent) => boolean, what: string, timeoutMs = 30_000) =>
      sse.waitFor((e) => mine(e) && sse.events.indexOf(e) >= since && pred(e), timeoutMs, what),
    status: (since: number, st: string, timeoutMs?: number) =>
      c.event(since, (e) => e.event === 'instance.updated' && e.data.instance.status === st, st, timeoutMs),
    created: (since: number, pred: (m: any) => boolean, what: string) =>
      c.event(since, (e) => e.event === 'message.created' && pred(e.data.message), what),
    reply: (since: number, text: string) => c.created(since, (m) => m.senderType === 'agent' && m.content.includes(text), `reply ${text}`),
    statuses: (since = 0) =>
      sse.events
        .slice(since)
        .filter((e) => mine(e) && e.data.instance)
        .map((e) => e.data.instance.status as string)
        .filter((st, i, a) => i === 0 || a[i - 1] !== st),
    send: (content: string) => s.api('POST', `/api/instances/${id}/messages`, { content }),
    respond: (body: unknown) => s.api('POST', `/api/instances/${id}/respond`, body),
    keys: (keys: string[]) => s.api('POST', `/api/instances/${id}/input`, { keys }),
    get: async () => (await s.api('GET', `/api/instances/${id}`)).body,
    messages: async () => (await s.api('GET', `/api/instances/${id}/messages?limit=1000`)).body as any[],
    /** The screen (read from the pty host once what arrived so far is parsed). */
    screen: async () => (await s.manager.get(id)!.session.screen({ settle: true })).lines.join('\n'),
    /** Resolves once pred(screen) holds, checked now and after each output (never a sleep). */
    untilScreen: (pred: (screen: string) => boolean) => new Promise<void>((resolve) => {
      const session = s.manager.get(id)!.session;
      let busy = false, again = false, done = false;
      const check = async () => {
        if (busy) { again = true; return; }
        busy = true;
        do {
          again = false;
          if (pred(await c.screen())) { done = true; session.off('data', onData); resolve(); }
        } while (again && !done);
        busy = false;
      };
      const onData = () => void check();
      session.on('data', onData);
      void check();
    }),
  };
  await c.status(from, 'idle', 60_000);
  return c;
}
