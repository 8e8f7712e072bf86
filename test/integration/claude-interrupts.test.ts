// Esc and Ctrl-C while Claude Code works, through the real server: the real CLI offline against
// test/fakes/anthropic-api.ts, the model held before its first word (`wait:`), after it (`slow:`), or a tool running.
// Claude Code fires no hook for an interrupt, and before any output writes nothing to its transcript either.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { claudeCli } from '../fakes/claude-offline.js';
import { startClaudeInstance } from '../helpers/claude-instance.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';
import { isWorking } from '../../src/server/integrations/claude/interrupt.js';

await claudeCli(); // installs test/clis the first time (a few minutes), never skipped

describe('Claude Code interrupted through the server', { timeout: 240_000 }, () => {
  let s: TestServer;
  let api: FakeAnthropic;
  let sse: SseClient;
  before(async () => {
    api = await startFakeAnthropic();
    s = await startTestServer();
    sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
  });
  after(async () => {
    await s?.close();
    await api?.close();
    sse?.close();
  });

  // Interrupts: the prompt's return is seen on the server's own screen; idle must follow within 1 s, then the message
  // queued during the turn is delivered as it was written (not appended to a prompt Claude put back).
  for (const [what, prompt, args] of [
    ['before any output (a long think)', 'wait: a long answer', ['--permission-mode', 'default']],
    ['while the answer streams', 'slow: Pondering the question at length', ['--permission-mode', 'default']],
    ['while a tool runs', 'run: timeout 60 tail -f /dev/null', ['--permission-mode', 'default', '--allowedTools', 'Bash']],
  ] as const) {
    for (const [keyName, key] of [
      ['Esc', 'escape'],
      ['Ctrl-C', 'ctrl-c'],
    ] as const) {
      if (what === 'while the answer streams' && keyName === 'Ctrl-C') continue; // the same path as Esc (the transcript's entry)
      test(`${keyName} ${what}: idle within 1 s of the prompt's return, then the queued message is delivered`, async () => {
        const c = await startClaudeInstance(s, sse, api, [...args]);
        const from = sse.events.length;
        const seen = api.requests.length; // the same prompt was sent by an earlier test: wait for this one's request
        await c.send(prompt);
        await c.status(from, 'active');
        if (prompt.startsWith('run:')) await c.created(from, (m) => m.kind === 'tool' && /tail -f/.test(m.content), 'the tool call');
        else await api.waitRequest((r) => api.requests.indexOf(r) >= seen && r.main && r.lastUserText === prompt);
        if (prompt.startsWith('slow:'))
          await c.untilScreen((sc) => /↓ \d+ tokens/.test(sc));
        const queued = await c.send('say queued');
        assert.equal(queued.status, 202);
        // when the screen shows Claude back at its prompt
        let promptBackAt = 0;
        const watch = (sc: string) => {
          if (!promptBackAt && !isWorking(sc)) promptBackAt = performance.now();
        };
        c.live().session.on('data', () => {
          if (c.live()) void c.screen().then(watch, () => { /* ended */ });
        });
        const atKey = sse.events.length;
        await c.keys([key]);
        const idle = await c.status(atKey, 'idle', 15_000).catch(async (e: Error) => {
          throw new Error(`${e.message.slice(0, 200)}\nstatus ${c.live()?.session ? 'live' : 'gone'}, screen:\n${await c.screen().catch(() => '(gone)')}`);
        });
        const idleAt = performance.now();
        // The screen lives in the pty host: a read under way when the idle arrived may not have answered yet. The idle
        // may then come first (the transcript's interrupt entry can beat the screen): the prompt must still come back.
        if (!promptBackAt) await c.untilScreen((sc) => { watch(sc); return promptBackAt > 0; });
        assert.ok(promptBackAt > 0, 'the prompt came back on the screen');
        assert.ok(idleAt - promptBackAt < 1000, `idle ${Math.round(idleAt - promptBackAt)} ms after the prompt came back`);
        console.log(
          `[interrupt] ${keyName} ${what}: idle at an SSE client ${(idleAt - promptBackAt).toFixed(1)} ms after the prompt came back on the server's screen`,
        );
        assert.equal(idle.data.instance.statusReason, 'interrupted');
        // the queued message goes out, as written
        const sent = await c.event(
          atKey,
          (e) => e.event === 'message.updated' && e.data.message.id === queued.body.message.id && e.data.message.delivery === 'sent',
          'queued message sent',
        );
        const req = await api.waitRequest((r) => api.requests.indexOf(r) >= seen && r.main && /say queued/.test(r.lastUserText));
        assert.equal(req.lastUserText.trim().split('\n').at(-1), 'say queued');
        assert.ok(
          !req.lastUserText.includes(prompt.slice(0, 10)) || prompt.startsWith('run:'),
          `not appended to the restored prompt: ${JSON.stringify(req.lastUserText)}`,
        );
        // its turn ends (the reply may trail the Stop hook's idle by more than the driver waits for it on a loaded machine)
        await c.reply(atKey, 'say queued');
        await c.status(sse.events.indexOf(sent), 'idle');
      });
    }
  }
});
