// The real Claude Code CLI as a `claude` agent, through the real server (hooks → states, transcript → messages,
// permissions answered through the API), offline against test/fakes/anthropic-api.ts. Synchronisation is on SSE events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { claudeCli, offlineClaudeEnv } from '../fakes/claude-offline.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { hookArrivals, postHook } from '../helpers/hook-arrivals.js';
import { SseClient, type SseEvent } from '../helpers/sse.js';
import { hostPaths } from '../../src/ptyhost/paths.js';
import { ClaudeDriver } from '../../src/server/integrations/claude/driver.js';
import { HostClient } from '../../src/server/sessions/host-client.js';

describe('Claude Code through the server', { timeout: 180_000 }, () => {
  let CLAUDE: string;
  let s: TestServer;
  let api: FakeAnthropic;
  let sse: SseClient;
  let n = 0;
  before(async () => {
    CLAUDE = await claudeCli(); // installs test/clis the first time, never skipped
    api = await startFakeAnthropic();
    s = await startTestServer();
    sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
  });
  after(async () => { await s?.close(); await api?.close(); sse?.close(); });

  /** A claude agent on a fresh project and config dir, and one instance of it. */
  async function startClaude() {
    const proj = tempDir('ayj-claude-proj-');
    const configDir = tempDir('ayj-claude-cfg-');
    const agent = await s.api('POST', '/api/agents', {
      name: `claude-${++n}`, projectPath: proj, kind: 'claude', command: CLAUDE, args: ['--permission-mode', 'default'],
      env: offlineClaudeEnv({ apiUrl: api.url, configDir, project: proj }),
    });
    assert.equal(agent.status, 201, JSON.stringify(agent.body));
    const from = sse.events.length;
    const inst = await s.api('POST', `/api/agents/${agent.body.id}/instances`, { cols: 120, rows: 40 });
    assert.equal(inst.status, 201, JSON.stringify(inst.body));
    const id: string = inst.body.id;
    const mine = (e: SseEvent) => (e.data?.instance?.id ?? e.data?.message?.instanceId ?? e.data?.instanceId) === id;
    const c = {
      id, proj, from,
      driver: () => s.manager.get(id)!.driver as ClaudeDriver,
      /** The next event of this instance (from index `since`) matching pred. */
      event: (since: number, pred: (e: SseEvent) => boolean, what: string, timeoutMs = 30_000) =>
        sse.waitFor((e) => mine(e) && sse.events.indexOf(e) >= since && pred(e), timeoutMs, what),
      status: (since: number, st: string) => c.event(since, (e) => e.event === 'instance.updated' && e.data.instance.status === st, `${st}`),
      reply: (since: number, text: string) => c.event(since, (e) => e.event === 'message.created' && e.data.message.senderType === 'agent' && e.data.message.content.includes(text), `reply ${text}`),
      statuses: () => sse.events.filter((e) => mine(e) && e.data.instance).map((e) => e.data.instance.status as string)
        .filter((st, i, a) => i === 0 || a[i - 1] !== st),
      send: (content: string) => s.api('POST', `/api/instances/${id}/messages`, { content }),
      messages: async () => (await s.api('GET', `/api/instances/${id}/messages?limit=1000`)).body as any[],
      count: async (content: string) => (await c.messages()).filter((m) => m.content === content).length,
      createdEvents: (content: string) => sse.events.filter((e) => mine(e) && e.event === 'message.created' && e.data.message.content === content).length,
    };
    await c.status(from, 'idle');
    return c;
  }

  test('a plain prompt and its reply: starting → idle → active → idle, both messages stored once', async () => {
    const c = await startClaude();
    const from = sse.events.length;
    assert.equal((await c.send('say hi')).status, 201);
    const rep = await c.reply(from, 'You said: say hi');
    const idle = await c.status(from, 'idle');
    assert.ok(sse.events.indexOf(rep) < sse.events.indexOf(idle), 'the reply is stored before the idle that ends the turn');
    assert.deepEqual(c.statuses(), ['starting', 'idle', 'active', 'idle']);
    assert.equal(await c.count('say hi'), 1);
    assert.equal(await c.count('Hello from the fake API. You said: say hi'), 1);
    assert.equal(c.createdEvents('say hi'), 1);

    // the hook endpoint (the pty host's hooks socket): the instance's own secret; garbage is answered and ignored
    const sock = s.link.paths.hooks;
    const secret = c.driver().hookSecret;
    assert.equal(await postHook(sock, c.id, '{"hook_event_name":"Stop"}'), 401);
    assert.equal(await postHook(sock, c.id, '{"hook_event_name":"Stop"}', 'x'.repeat(secret.length)), 401);
    // an unknown instance gets the same answer as a wrong secret (the socket does not tell which ids are live)
    assert.equal(await postHook(sock, 'nope', '{"hook_event_name":"Stop"}', secret), 401);
    assert.equal((await s.api('POST', `/api/hooks/claude/${c.id}`, { hook_event_name: 'Stop' })).status, 404, 'the server\'s port takes no hooks');
    for (const body of ['{"hook_event_name":', '[1,2]', '{"hook_event_name":{"x":1}}', '{"hook_event_name":"Stop","prompt":7}', '']) {
      assert.equal(await postHook(sock, c.id, body, secret), 204, body);
    }
    assert.equal((await s.api('GET', `/api/instances/${c.id}`)).body.status, 'idle');
  });

  test('a permission answered allow through the API: the command runs; the dialog\'s options reach the message', async () => {
    const c = await startClaude();
    const from = sse.events.length;
    await c.send('run: echo hello > out.txt');
    const waiting = await c.status(from, 'awaiting_input');
    assert.equal(waiting.data.instance.statusReason, 'permission: Bash');
    const perm = (await c.event(from, (e) => e.event === 'message.created' && e.data.message.kind === 'permission', 'permission message')).data.message;
    assert.equal(perm.requiresUserInput, true);
    assert.equal(perm.question.type, 'permission');
    assert.equal(perm.question.tool, 'Bash');
    assert.equal(perm.question.input.command, 'echo hello > out.txt');
    const drawn = await c.event(from, (e) => e.event === 'message.updated' && e.data.message.id === perm.id && e.data.message.question.options[0].key === '1', 'options from the screen');
    assert.deepEqual(drawn.data.message.question.options[0], { key: '1', label: 'Yes', intent: 'allow' });
    assert.ok(drawn.data.message.question.options.some((o: any) => o.intent === 'deny'));
    assert.equal(drawn.data.message.question.prompt, 'Do you want to proceed?');

    const r = await s.api('POST', `/api/instances/${c.id}/respond`, { choice: 'allow' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.notEqual(r.body.status, 'awaiting_input');
    await c.reply(from, 'Done. Output');
    await c.status(from, 'idle');
    assert.equal(fs.readFileSync(path.join(c.proj, 'out.txt'), 'utf8'), 'hello\n');
    const settled = (await c.messages()).find((m) => m.id === perm.id);
    assert.equal(settled.requiresUserInput, false);
    assert.equal((await s.api('POST', `/api/instances/${c.id}/respond`, { choice: 'allow' })).status, 409);
  });

  test('a permission answered deny: no Stop fires, the instance is back to idle and takes the next prompt', async () => {
    const c = await startClaude();
    const from = sse.events.length;
    await c.send('run: echo nope > denied.txt');
    await c.status(from, 'awaiting_input');
    const r = await s.api('POST', `/api/instances/${c.id}/respond`, { choice: 'deny' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'idle');
    await c.event(from, (e) => e.event === 'message.created' && /Permission denied/.test(e.data.message.content), 'denial message');
    assert.equal(fs.existsSync(path.join(c.proj, 'denied.txt')), false);
    const again = sse.events.length;
    await c.send('say again');
    // the fake echoes the whole user turn, which Claude Code prefixes with its "[Request interrupted…]" note
    await c.reply(again, 'say again');
    await c.status(again, 'idle');
    assert.deepEqual(c.statuses(), ['starting', 'idle', 'active', 'awaiting_input', 'idle', 'active', 'idle']);
  });

  test('a permission answered in the terminal: the status leaves awaiting_input without the API', async () => {
    const c = await startClaude();
    const from = sse.events.length;
    await c.send('run: echo typed > typed.txt');
    const aw = sse.events.indexOf(await c.status(from, 'awaiting_input'));
    await c.event(from, (e) => e.event === 'message.updated' && e.data.message.question?.options[0]?.key === '1', 'dialog on screen');
    // Claude Code drops keys typed in the dialog's first ~100-200 ms; a dropped "1" leaves the dialog open, so press again.
    const left = (e: SseEvent) => e.event === 'instance.updated' && e.data.instance.status !== 'awaiting_input';
    let moved: SseEvent | null = null;
    for (let i = 0; i < 10 && !moved; i++) {
      await s.api('POST', `/api/instances/${c.id}/input`, { keys: ['1'] });
      moved = await c.event(aw + 1, left, 'left awaiting_input', 1000).catch(() => null);
    }
    assert.ok(moved, 'left awaiting_input');
    assert.equal(moved!.data.instance.status, 'active');
    await c.reply(from, 'Done. Output');
    await c.status(from, 'idle');
    assert.equal(fs.readFileSync(path.join(c.proj, 'typed.txt'), 'utf8'), 'typed\n');
  });

  test('a message sent while Claude works is queued and delivered after Stop', async () => {
    const c = await startClaude();
    const from = sse.events.length;
    await c.send('run: echo first > first.txt');
    await c.status(from, 'awaiting_input');
    const q = await c.send('say queued');
    assert.equal(q.status, 202);
    assert.equal(q.body.message.delivery, 'queued');
    await s.api('POST', `/api/instances/${c.id}/respond`, { choice: 'allow' });
    await c.reply(from, 'Done. Output');
    await c.event(from, (e) => e.event === 'message.updated' && e.data.message.id === q.body.message.id && e.data.message.delivery === 'sent', 'queued message sent');
    const rep = await c.reply(from, 'You said: say queued');
    await c.status(sse.events.indexOf(rep), 'idle');
    assert.ok(fs.existsSync(path.join(c.proj, 'first.txt')));
    assert.equal(await c.count('say queued'), 1);
    const order = (await c.messages()).map((m) => m.content);
    assert.ok(order.indexOf('say queued') < order.indexOf('Hello from the fake API. You said: say queued'));
  });

  test('the transcript is mirrored once: API prompts, terminal prompts, replies, tool calls', async () => {
    const c = await startClaude();
    let from = sse.events.length;
    await c.send('say one');
    await c.reply(from, 'You said: say one');
    await c.status(from, 'idle');
    // typed in the terminal (not through the messages API): stored from the hook / transcript, once
    from = sse.events.length;
    await s.api('POST', `/api/instances/${c.id}/input`, { text: 'say two' });
    await s.api('POST', `/api/instances/${c.id}/input`, { keys: ['enter'] });
    await c.reply(from, 'You said: say two');
    await c.status(from, 'idle');
    from = sse.events.length;
    await c.send('run: echo three > three.txt');
    await c.status(from, 'awaiting_input');
    await s.api('POST', `/api/instances/${c.id}/respond`, { choice: 'allow' });
    await c.reply(from, 'Done. Output');
    await c.status(from, 'idle');

    const msgs = await c.messages();
    const tally = new Map<string, number>();
    for (const m of msgs) tally.set(`${m.senderType}|${m.kind}|${m.content}`, (tally.get(`${m.senderType}|${m.kind}|${m.content}`) ?? 0) + 1);
    assert.deepEqual([...tally].filter(([, k]) => k > 1), [], 'no message stored twice');
    for (const want of ['user|text|say one', 'user|text|say two', 'agent|text|Hello from the fake API. You said: say one',
      'agent|text|Hello from the fake API. You said: say two', 'user|text|run: echo three > three.txt', 'agent|text|I will run it.',
      'agent|tool|Bash: echo three > three.txt', 'agent|permission|Claude wants to use Bash: echo three > three.txt', 'agent|text|Done. Output: (Bash completed with no output)']) {
      assert.equal(tally.get(want), 1, want);
    }
    // every message.created event is a distinct message
    const created = sse.events.filter((e) => e.event === 'message.created' && e.data.message.instanceId === c.id).map((e) => e.data.message.id);
    assert.equal(new Set(created).size, created.length);
    assert.equal(created.length, msgs.length);
  });

  test('/exit → completed (exit code 0)', async () => {
    const c = await startClaude();
    const from = sse.events.length;
    await c.send('/exit');
    const done = await c.status(from, 'completed');
    assert.equal(done.data.instance.exitCode, 0);
    assert.equal(fs.existsSync(path.join(s.config.runDir, 'claude', c.id)), false, 'per-instance settings and secret removed');
  });

  test('latency: PermissionRequest hook arriving → awaiting_input at an SSE client (printed, not asserted)', async () => {
    const c = await startClaude();
    const arrivals = hookArrivals(s.link);
    const runs: number[] = [];
    for (let i = 0; i < 8; i++) {
      const from = sse.events.length;
      let seenAt = 0;
      await c.send(`run: echo ${i} > n${i}.txt`);
      await c.event(from, (e) => {
        if (e.event !== 'instance.updated' || e.data.instance.status !== 'awaiting_input') return false;
        seenAt = performance.now();
        return true;
      }, 'awaiting_input');
      runs.push(seenAt - arrivals.lastBefore(seenAt)!); // the PermissionRequest hook: the one that made it awaiting_input
      await s.api('POST', `/api/instances/${c.id}/respond`, { choice: 'allow' });
      await c.reply(from, 'Done. Output');
      await c.status(from, 'idle');
    }
    const sorted = [...runs].sort((a, b) => a - b);
    const fmt = (x: number) => x.toFixed(2);
    console.log(`[latency] PermissionRequest hook POST at the server → awaiting_input at an SSE client, ${runs.length} runs (ms): `
      + `${runs.map(fmt).join(', ')}; median ${fmt(sorted[Math.floor(sorted.length / 2)])}, max ${fmt(sorted.at(-1)!)}`);
  });
});

describe('Claude Code outlives the server; Resume when its pty host is lost', { timeout: 240_000 }, () => {
  let CLAUDE: string;
  let api: FakeAnthropic;
  before(async () => {
    CLAUDE = await claudeCli(); // installs test/clis the first time, never skipped
    api = await startFakeAnthropic();
  });
  after(async () => { await api?.close(); });

  async function claudeInstance(s: TestServer, sse: SseClient) {
    const proj = tempDir('ayj-claude-proj-');
    const configDir = tempDir('ayj-claude-cfg-');
    const agent = (await s.api('POST', '/api/agents', {
      name: 'claude', projectPath: proj, kind: 'claude', command: CLAUDE, args: ['--permission-mode', 'default'],
      env: offlineClaudeEnv({ apiUrl: api.url, configDir, project: proj }),
    })).body;
    const from = sse.events.length;
    const inst = (await s.api('POST', `/api/agents/${agent.id}/instances`, { cols: 120, rows: 40 })).body;
    await sse.waitFor((e) => e.event === 'instance.updated' && e.data.instance.id === inst.id && e.data.instance.status === 'idle' && sse.events.indexOf(e) >= from, 30_000, 'idle');
    return { id: inst.id as string, proj, configDir };
  }
  const statusAfter = (sse: SseClient, id: string, from: number, pred: (i: any) => boolean, what: string) =>
    sse.waitFor((e) => e.event === 'instance.updated' && e.data.instance.id === id && sse.events.indexOf(e) >= from && pred(e.data.instance), 60_000, what);
  const replyAfter = (sse: SseClient, id: string, from: number, text: string) =>
    sse.waitFor((e) => e.event === 'message.created' && e.data.message.instanceId === id && e.data.message.senderType === 'agent'
      && e.data.message.content.includes(text) && sse.events.indexOf(e) >= from, 60_000, `reply ${text}`);
  const count = async (s: TestServer, id: string, content: string) =>
    ((await s.api('GET', `/api/instances/${id}/messages?limit=1000`)).body as any[]).filter((m) => m.content === content).length;
  const alive = (pid: number) => { try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; } };

  test('kill -9 of the pty host: host_lost, the CLI reaped; Resume continues the same session id, transcript and conversation', async () => {
    const s = await startTestServer();
    const sse = new SseClient(`${s.url}/api/events`, s.headers());
    try {
      await sse.ready;
      const c = await claudeInstance(s, sse);
      let from = sse.events.length;
      await s.api('POST', `/api/instances/${c.id}/messages`, { content: 'the first question' });
      await replyAfter(sse, c.id, from, 'You said: the first question');
      await statusAfter(sse, c.id, from, (i) => i.status === 'idle', 'idle');
      const before = (await s.api('GET', `/api/instances/${c.id}`)).body;
      assert.match(before.agentSessionId, /^[0-9a-f-]{36}$/);
      const transcript = path.join(c.configDir, 'projects', c.proj.replace(/[^a-zA-Z0-9]/g, '-'), `${before.agentSessionId}.jsonl`);
      assert.ok(fs.existsSync(transcript));

      from = sse.events.length;
      process.kill(s.link.status.pid!, 'SIGKILL');
      const lost = await statusAfter(sse, c.id, from, (i) => i.statusReason === 'host_lost', 'host_lost');
      assert.equal(lost.data.instance.status, 'error');
      for (let t = Date.now(); alive(before.pid) && Date.now() - t < 20_000;) await new Promise((r) => setTimeout(r, 100));
      assert.ok(!alive(before.pid), 'the lost Claude Code was reaped');

      from = sse.events.length;
      const r = await s.api('POST', `/api/instances/${c.id}/resume`);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.id, c.id);
      await statusAfter(sse, c.id, from, (i) => i.status === 'idle', 'idle after resume');
      const resumed = (await s.api('GET', `/api/instances/${c.id}`)).body;
      assert.equal(resumed.agentSessionId, before.agentSessionId, 'the same Claude session');
      assert.notEqual(resumed.pid, before.pid);

      from = sse.events.length;
      await s.api('POST', `/api/instances/${c.id}/messages`, { content: 'the second question' });
      await replyAfter(sse, c.id, from, 'You said: the second question');
      const last = api.mainRequests().at(-1)!;
      assert.match(JSON.stringify(last.body.messages), /the first question/, 'the model got the earlier conversation: the same conversation');
      const lines = fs.readFileSync(transcript, 'utf8');
      assert.match(lines, /the first question/);
      assert.match(lines, /the second question/);
      assert.equal(await count(s, c.id, 'the first question'), 1);
      assert.equal(await count(s, c.id, 'the second question'), 1);
      assert.equal(await count(s, c.id, 'Hello from the fake API. You said: the first question'), 1, 'the history is not stored again');
      assert.equal((await s.api('POST', `/api/instances/${c.id}/resume`)).status, 409, 'a running instance is not resumed');
    } finally {
      sse.close();
      await s.close();
    }
  });

  test('hooks that fire while no server is up are not lost: the next server applies them', async () => {
    let s = await startTestServer();
    const home = s.home;
    let sse = new SseClient(`${s.url}/api/events`, s.headers());
    try {
      await sse.ready;
      const c = await claudeInstance(s, sse);
      // The prompt is typed, then the server stops at once: the turn's hooks (UserPromptSubmit, Stop) fire while it is away.
      assert.equal((await s.api('POST', `/api/instances/${c.id}/messages`, { content: 'while you were away' })).status, 201);
      sse.close();
      await s.close({ stopAll: false });
      // The pty host keeps them: wait until the turn's Stop hook is among the hooks it holds for the next server.
      const paths = hostPaths(home);
      for (let t = Date.now(); ; ) {
        const h = await HostClient.connect(paths, { hold: true });
        const seen: string[] = [];
        h.on('event', (e) => { if (e.ev === 'hook' && e.sid === c.id) seen.push(JSON.parse(e.body as string).hook_event_name); });
        h.release();
        await h.request('list'); // answered after the hooks it replays
        h.close();
        if (seen.includes('Stop')) break;
        assert.ok(Date.now() - t < 60_000, `the Stop hook while away (held: ${seen.join(' ')})`);
        await new Promise((r) => setTimeout(r, 200));
      }
      s = await startTestServer({ home });
      sse = new SseClient(`${s.url}/api/events`, s.headers());
      await sse.ready;
      const inst = await (async () => {
        for (;;) {
          const i = (await s.api('GET', `/api/instances/${c.id}`)).body;
          if (i.status === 'idle') return i;
          await sse.waitFor((e) => e.event === 'instance.updated' && e.data.instance.id === c.id, 30_000, 'an update');
        }
      })();
      assert.equal(inst.status, 'idle');
      for (let t = Date.now(); await count(s, c.id, 'Hello from the fake API. You said: while you were away') === 0;) {
        assert.ok(Date.now() - t < 30_000, 'the reply stored');
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(await count(s, c.id, 'while you were away'), 1, 'the prompt is stored once');
      assert.equal(await count(s, c.id, 'Hello from the fake API. You said: while you were away'), 1, 'the reply is stored once');
    } finally {
      sse.close();
      await s.close();
    }
  });
});
