// One agent instance in a server test, observed through the SSE stream: wait for its states and messages by event,
// send it messages, read its stored messages.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before } from 'node:test';
import { SseClient, type SseEvent } from './sse.js';
import { startTestServer, tempDir, type TestServer } from './server.js';

/**
 * What a describe block of CLI-through-the-server tests shares: a test server, the fake model API and an SSE client,
 * started before its tests and closed after them; `dir(prefix)` makes a temporary folder removed at the end.
 */
export function cliServerSuite<F extends { close(): Promise<void> }>(startFake: () => Promise<F>) {
  const dirs: string[] = [];
  const suite = {
    s: undefined as unknown as TestServer,
    api: undefined as unknown as F,
    sse: undefined as unknown as SseClient,
    dir(prefix: string): string {
      const d = tempDir(prefix);
      dirs.push(d);
      return d;
    },
  };
  before(async () => {
    suite.api = await startFake();
    suite.s = await startTestServer();
    suite.sse = new SseClient(`${suite.s.url}/api/events`, suite.s.headers());
    await suite.sse.ready;
  });
  after(async () => {
    await suite.s?.close();
    await suite.api?.close();
    suite.sse?.close();
    for (const d of [...dirs, suite.s?.home]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });
  return suite;
}

export type InstanceProbe = Awaited<ReturnType<typeof startInstance>>;

/** Creates an agent, starts one instance of it and waits until it is idle. */
export async function startInstance(s: TestServer, sse: SseClient, agentBody: Record<string, unknown>, opts: { readyMs?: number } = {}) {
  const agent = await s.api('POST', '/api/agents', agentBody);
  assert.equal(agent.status, 201, JSON.stringify(agent.body));
  const from = sse.events.length;
  const inst = await s.api('POST', `/api/agents/${agent.body.id}/instances`, { cols: 120, rows: 40 });
  assert.equal(inst.status, 201, JSON.stringify(inst.body));
  const id: string = inst.body.id;
  const mine = (e: SseEvent) => (e.data?.instance?.id ?? e.data?.message?.instanceId ?? e.data?.instanceId) === id;
  const c = {
    id,
    agentId: agent.body.id as string,
    from,
    /** The next event of this instance (from index `since`) matching pred. */
    event: (since: number, pred: (e: SseEvent) => boolean, what: string, timeoutMs = 60_000) =>
      sse.waitFor((e) => mine(e) && sse.events.indexOf(e) >= since && pred(e), timeoutMs, what),
    status: (since: number, st: string, timeoutMs?: number) =>
      c.event(since, (e) => e.event === 'instance.updated' && e.data.instance.status === st, st, timeoutMs),
    reply: (since: number, text: string) =>
      c.event(
        since,
        (e) =>
          e.event === 'message.created' &&
          e.data.message.senderType === 'agent' &&
          e.data.message.kind === 'text' &&
          e.data.message.content.includes(text),
        `reply ${text}`,
      ),
    /** The instance's statuses in event order, repeats folded. */
    statuses: (since = 0) =>
      sse.events
        .slice(since)
        .filter((e) => mine(e) && e.data.instance)
        .map((e) => e.data.instance.status as string)
        .filter((st, i, a) => i === 0 || a[i - 1] !== st),
    send: (content: string) => s.api('POST', `/api/instances/${id}/messages`, { content }),
    messages: async () => (await s.api('GET', `/api/instances/${id}/messages?limit=1000`)).body as any[],
    /** How often each `sender|kind|content` is stored; the ones stored more than once. */
    duplicates: async () => {
      const tally = new Map<string, number>();
      for (const m of await c.messages())
        tally.set(`${m.senderType}|${m.kind}|${m.content}`, (tally.get(`${m.senderType}|${m.kind}|${m.content}`) ?? 0) + 1);
      return { tally, twice: [...tally].filter(([, k]) => k > 1) };
    },
  };
  await c.status(from, 'idle', opts.readyMs ?? 60_000);
  return c;
}
