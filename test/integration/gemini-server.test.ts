// The real Gemini CLI as a `gemini` agent, through the real server (hooks → states, transcript → messages, approvals
// answered through the API and in the terminal, Resume), offline against test/fakes/gemini-api.ts. Synchronisation
// is on SSE events. Gemini CLI takes several seconds to start, so each test runs one instance through several turns.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini-api.js';
import { cliPath } from '../helpers/clis.js';
import { cliServerSuite, startInstance } from '../helpers/cli-instance.js';
import type { TestServer } from '../helpers/server.js';
import type { SseClient } from '../helpers/sse.js';
import { HookCliDriver } from '../../src/server/integrations/hook-driver.js';
import { postHook } from '../helpers/hook-arrivals.js';

const GEMINI = await cliPath('gemini');

describe('Gemini CLI through the server', { timeout: 300_000 }, () => {
  const suite = cliServerSuite(startFakeGemini);
  const dir = suite.dir;
  let s: TestServer, api: FakeGemini, sse: SseClient;
  before(() => ({ s, api, sse } = suite));
  let n = 0;

  /** A gemini agent on a fresh project; its HOME holds "the user's" .gemini/settings.json, which the launch copies. */
  async function startGemini() {
    const proj = dir('ayj-gemini-proj-');
    const userHome = dir('ayj-gemini-user-');
    fs.mkdirSync(path.join(userHome, '.gemini'));
    fs.writeFileSync(
      path.join(userHome, '.gemini', 'settings.json'),
      JSON.stringify({
        security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
      }),
    );
    const c = await startInstance(
      s,
      sse,
      {
        name: `gemini-${++n}`,
        projectPath: proj,
        kind: 'gemini',
        command: GEMINI,
        args: [],
        // CI=true would make Gemini CLI headless (it would exit at once): the gemini kind takes it out.
        env: { HOME: userHome, GEMINI_API_KEY: 'fake-key', GOOGLE_GEMINI_BASE_URL: api.url, CI: 'true', GITHUB_ACTIONS: 'true' },
      },
      { readyMs: 90_000 },
    );
    return { ...c, proj, userHome, driver: () => s.manager.get(c.id)!.driver as HookCliDriver };
  }

  test("a plain prompt, then an approval answered allow through the API; the hook route answers only the instance's secret", async () => {
    const c = await startGemini();
    let from = sse.events.length;
    assert.equal((await c.send('say hi')).status, 201);
    const rep = await c.reply(from, 'You said: say hi');
    const idle = await c.status(from, 'idle');
    assert.ok(sse.events.indexOf(rep) < sse.events.indexOf(idle), 'the reply is stored before the idle that ends the turn');
    assert.deepEqual(c.statuses(), ['starting', 'idle', 'active', 'idle']);

    from = sse.events.length;
    await c.send('run: echo hello | tee out.txt');
    const waiting = await c.status(from, 'awaiting_input');
    assert.equal(waiting.data.instance.statusReason, 'approval requested');
    const perm = (await c.event(from, (e) => e.event === 'message.created' && e.data.message.kind === 'permission', 'approval message')).data.message;
    assert.deepEqual([perm.question.type, perm.question.tool, perm.question.input.command], ['permission', 'Shell', 'echo hello | tee out.txt']);
    const drawn = await c.event(
      from,
      (e) => e.event === 'message.updated' && e.data.message.id === perm.id && e.data.message.question.prompt,
      'options from the screen',
    );
    assert.deepEqual(drawn.data.message.question.options, [
      { key: '1', label: 'Allow once', intent: 'allow' },
      { key: '2', label: 'Allow for this session', intent: 'allow_always' },
      { key: '3', label: 'No, suggest changes', intent: 'deny' },
    ]);
    assert.equal(drawn.data.message.question.prompt, 'Allow execution of [Shell]?');
    const r = await s.api('POST', `/api/instances/${c.id}/respond`, { choice: '1' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await c.reply(from, 'Done. Output');
    await c.status(from, 'idle');
    assert.equal(fs.readFileSync(path.join(c.proj, 'out.txt'), 'utf8'), 'hello\n');
    assert.ok(
      api.mainRequests().some((q) => q.toolResult && /hello/.test(q.toolResult.output)),
      'the model got the output',
    );
    const { tally, twice } = await c.duplicates();
    assert.deepEqual(twice, []);
    for (const want of [
      'user|text|say hi',
      'agent|text|Hello from the fake API. You said: say hi',
      'user|text|run: echo hello | tee out.txt',
      'agent|text|I will run it.',
      'agent|tool|Shell: echo hello | tee out.txt',
      'agent|permission|Gemini CLI wants to run Shell: echo hello | tee out.txt',
    ]) {
      assert.equal(tally.get(want), 1, want);
    }

    // hooks go to the pty host's socket: this instance's secret only; an unknown instance gets the same answer
    const sock = s.link.paths.hooks;
    const secret = c.driver().hookSecret;
    const end = JSON.stringify({ hook_event_name: 'AfterAgent', session_id: 'x' });
    assert.equal(await postHook(sock, c.id, end, 'y'.repeat(secret.length)), 401);
    assert.equal(await postHook(sock, 'nope', end, secret), 401);
    assert.equal((await s.api('POST', `/api/hooks/gemini/${c.id}`, { hook_event_name: 'AfterAgent' })).status, 404, "the server's port takes no hooks");
    for (const body of ['{"hook_event_name":', '[1,2]', '{"hook_event_name":"AfterAgent"}', '']) {
      assert.equal(await postHook(sock, c.id, body, secret), 204, body);
    }
    assert.equal((await s.api('GET', `/api/instances/${c.id}`)).body.status, 'idle');
  });

  test('denied through the API and in the terminal (no hook follows: the cancellation tells), /quit, Resume', async () => {
    const c = await startGemini();
    let from = sse.events.length;
    await c.send('run: echo nope > denied.txt');
    await c.status(from, 'awaiting_input');
    const r = await s.api('POST', `/api/instances/${c.id}/respond`, { choice: 'deny' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'idle');
    await c.event(from, (e) => e.event === 'message.created' && e.data.message.content === 'Request cancelled', "the transcript's cancellation");
    assert.equal(fs.existsSync(path.join(c.proj, 'denied.txt')), false);

    // in the terminal: Esc, then the state follows the screen and the transcript
    from = sse.events.length;
    await c.send('run: echo typed > typed.txt');
    const aw = sse.events.indexOf(await c.status(from, 'awaiting_input'));
    await c.event(from, (e) => e.event === 'message.updated' && e.data.message.question?.prompt, 'dialog on screen');
    await s.api('POST', `/api/instances/${c.id}/input`, { keys: ['escape'] });
    await c.status(aw + 1, 'idle');
    assert.equal(fs.existsSync(path.join(c.proj, 'typed.txt')), false);

    from = sse.events.length;
    await c.send('say before');
    await c.reply(from, 'You said: say before');
    await c.status(from, 'idle');
    assert.deepEqual(c.statuses(c.from), [
      'starting',
      'idle',
      'active',
      'awaiting_input',
      'idle',
      'active',
      'awaiting_input',
      'idle',
      'active',
      'idle',
    ]);
    const saved = JSON.parse(fs.readFileSync(path.join(s.config.runDir, 'gemini', c.id, 'session.json'), 'utf8'));
    const before = (await c.duplicates()).tally;
    assert.equal(before.get('agent|system|Request cancelled'), 2, 'one cancellation per denied turn');
    assert.equal(before.get('agent|text|I will run it.'), 2, 'one per turn that said it');

    from = sse.events.length;
    await c.send('/quit');
    const done = await c.status(from, 'completed');
    assert.equal(done.data.instance.exitCode, 0);

    from = sse.events.length;
    const res = await s.api('POST', `/api/instances/${c.id}/resume`);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await c.status(from, 'idle', 90_000);
    await c.send('say after');
    await c.reply(from, 'You said: say after');
    await c.status(from, 'idle');
    assert.ok(JSON.stringify(api.mainRequests().at(-1)!.body.contents).includes('say before'), "the model got the session's history");
    const again = JSON.parse(fs.readFileSync(path.join(s.config.runDir, 'gemini', c.id, 'session.json'), 'utf8'));
    assert.equal(again.sessionId, saved.sessionId);
    assert.equal(again.transcriptPath, saved.transcriptPath, 'the same transcript file');
    const after = (await c.duplicates()).tally;
    for (const [k, v] of before) assert.equal(after.get(k), v, `the re-read transcript stores nothing again: ${k}`);
    assert.equal(after.get('user|text|say after'), 1);
    assert.equal(after.get('agent|text|Hello from the fake API. You said: say after'), 1);

    await s.api('POST', `/api/instances/${c.id}/terminate`);
    assert.equal((await s.api('DELETE', `/api/instances/${c.id}`)).status, 200);
    assert.equal(fs.existsSync(path.join(s.config.runDir, 'gemini', c.id)), false);
  });
});
