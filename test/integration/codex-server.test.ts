// The real Codex CLI as a `codex` agent, through the real server (hooks → states, rollout → messages, approvals
// answered through the API, Resume), offline against test/fakes/openai-responses.ts. Synchronisation is on SSE events.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startFakeResponses, type FakeResponses } from '../fakes/openai-responses.js';
import { cliPath } from '../helpers/clis.js';
import { cliServerSuite, startInstance } from '../helpers/cli-instance.js';
import type { TestServer } from '../helpers/server.js';
import type { SseClient } from '../helpers/sse.js';
import { HookCliDriver } from '../../src/server/integrations/hook-driver.js';
import { postHook } from '../helpers/hook-arrivals.js';
import { CODEX_INPUT_GUARD_MS } from '../../src/server/integrations/codex/respond.js';

const CODEX = await cliPath('codex');

describe('Codex CLI through the server', { timeout: 240_000 }, () => {
  const suite = cliServerSuite(startFakeResponses);
  const dir = suite.dir;
  let s: TestServer, api: FakeResponses, sse: SseClient;
  before(() => ({ s, api, sse } = suite));
  let n = 0;

  /**
   * A codex agent on a fresh project. Its env's CODEX_HOME is "the user's" Codex home: the launch copies its
   * config.toml (the fake provider, the project trusted) into the instance's own CODEX_HOME.
   */
  async function startCodex() {
    const proj = dir('ayj-codex-proj-');
    const userHome = dir('ayj-codex-user-');
    fs.writeFileSync(
      path.join(userHome, 'config.toml'),
      [
        'model = "gpt-fake"',
        'model_provider = "fake"',
        'approval_policy = "on-request"',
        '[model_providers.fake]',
        'name = "Fake"',
        `base_url = "${api.url}/v1"`,
        'wire_api = "responses"',
        'env_key = "FAKE_OPENAI_KEY"',
        `[projects."${proj}"]`,
        'trust_level = "trusted"',
        '[analytics]',
        'enabled = false',
        '',
      ].join('\n'),
    );
    const c = await startInstance(s, sse, {
      name: `codex-${++n}`,
      projectPath: proj,
      kind: 'codex',
      command: CODEX,
      args: [],
      env: { CODEX_HOME: userHome, FAKE_OPENAI_KEY: 'sk-fake', HOME: userHome },
    });
    return { ...c, proj, userHome, driver: () => s.manager.get(c.id)!.driver as HookCliDriver };
  }

  test("a plain prompt: starting → idle → active → idle, both messages once; the hook route answers only the instance's secret", async () => {
    const c = await startCodex();
    const home = path.join(s.config.runDir, 'codex', c.id, 'home');
    assert.equal(fs.statSync(path.dirname(home)).mode & 0o777, 0o700);
    assert.ok(fs.existsSync(path.join(home, 'config.toml')) && !fs.lstatSync(path.join(c.userHome, 'config.toml')).isSymbolicLink());
    const from = sse.events.length;
    assert.equal((await c.send('say hi')).status, 201);
    const rep = await c.reply(from, 'You said: say hi');
    const idle = await c.status(from, 'idle');
    assert.ok(sse.events.indexOf(rep) < sse.events.indexOf(idle), 'the reply is stored before the idle that ends the turn');
    assert.deepEqual(c.statuses(), ['starting', 'idle', 'active', 'idle']);
    const { tally, twice } = await c.duplicates();
    assert.deepEqual(twice, []);
    assert.equal(tally.get('user|text|say hi'), 1);
    assert.equal(tally.get('agent|text|Hello from the fake API. You said: say hi'), 1);

    // hooks go to the pty host's socket: this instance's secret only; an unknown instance gets the same answer; the
    // server's port takes none; garbage is ignored
    const sock = s.link.paths.hooks;
    const secret = c.driver().hookSecret;
    const stop = JSON.stringify({ hook_event_name: 'Stop', session_id: 'x' });
    assert.equal(await postHook(sock, c.id, stop), 401);
    assert.equal(await postHook(sock, c.id, stop, 'x'.repeat(secret.length)), 401);
    assert.equal(await postHook(sock, 'nope', stop, secret), 401);
    assert.equal((await s.api('POST', `/api/hooks/codex/${c.id}`, { hook_event_name: 'Stop' })).status, 404, "the server's port takes no hooks");
    for (const body of ['{"hook_event_name":', '[1,2]', '{"hook_event_name":{"x":1}}', '{"hook_event_name":"Stop","session_id":7}', '']) {
      assert.equal(await postHook(sock, c.id, body, secret), 204, body);
    }
    // a transcript path outside the instance's CODEX_HOME is not followed (the session id is taken)
    const evil = sse.events.length;
    const sent = JSON.stringify({ hook_event_name: 'SessionStart', session_id: 'evil', transcript_path: '/etc/passwd.jsonl' });
    assert.equal(await postHook(sock, c.id, sent, secret), 204);
    await c.event(evil, (e) => e.event === 'instance.updated' && e.data.instance.agentSessionId === 'evil', 'the session id from the hook');
    const saved = JSON.parse(fs.readFileSync(path.join(s.config.runDir, 'codex', c.id, 'session.json'), 'utf8'));
    assert.ok(saved.transcriptPath.startsWith(path.join(home, 'sessions')), saved.transcriptPath);
    assert.equal((await s.api('GET', `/api/instances/${c.id}`)).body.status, 'idle');
  });

  test("an approval answered allow through the API: awaiting_input with the command and the dialog's options; it runs", async () => {
    const c = await startCodex();
    const from = sse.events.length;
    await c.send('run: echo hello | tee out.txt');
    const waiting = await c.status(from, 'awaiting_input');
    assert.equal(waiting.data.instance.statusReason, 'approval: Bash');
    const perm = (await c.event(from, (e) => e.event === 'message.created' && e.data.message.kind === 'permission', 'approval message')).data.message;
    assert.equal(perm.requiresUserInput, true);
    assert.deepEqual([perm.question.type, perm.question.tool, perm.question.input.command], ['permission', 'Bash', 'echo hello | tee out.txt']);
    const drawn = await c.event(
      from,
      (e) => e.event === 'message.updated' && e.data.message.id === perm.id && e.data.message.question.prompt,
      'options from the screen',
    );
    assert.deepEqual(
      drawn.data.message.question.options.map((o: any) => [o.key, o.intent]),
      [
        ['1', 'allow'],
        ['2', 'allow_always'],
        ['3', 'deny'],
      ],
    );
    assert.equal(drawn.data.message.question.options[0].label, 'Yes, proceed');
    assert.equal(drawn.data.message.question.prompt, 'Would you like to run the following command?');

    const r = await s.api('POST', `/api/instances/${c.id}/respond`, { choice: 'allow' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.notEqual(r.body.status, 'awaiting_input');
    await c.reply(from, 'Done. Output');
    await c.status(from, 'idle');
    assert.equal(fs.readFileSync(path.join(c.proj, 'out.txt'), 'utf8'), 'hello\n');
    assert.ok(
      api.mainRequests().some((q) => q.toolOutput && /hello/.test(q.toolOutput.output)),
      'the model got the output',
    );
    assert.equal((await c.messages()).find((m) => m.id === perm.id).requiresUserInput, false);
    assert.equal((await s.api('POST', `/api/instances/${c.id}/respond`, { choice: 'allow' })).status, 409);
  });

  test('an approval denied through the API: Interrupt → idle, nothing runs, the next prompt works', async () => {
    const c = await startCodex();
    const from = sse.events.length;
    await c.send('run: echo nope > denied.txt');
    await c.status(from, 'awaiting_input');
    assert.equal((await s.api('POST', `/api/instances/${c.id}/respond`, { choice: 'maybe' })).status, 400);
    const r = await s.api('POST', `/api/instances/${c.id}/respond`, { choice: 'deny' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'idle');
    await c.event(from, (e) => e.event === 'message.created' && e.data.message.content === 'Interrupted', "the rollout's turn_aborted");
    assert.equal(fs.existsSync(path.join(c.proj, 'denied.txt')), false);
    const again = sse.events.length;
    await c.send('say again');
    await c.reply(again, 'You said: say again');
    await c.status(again, 'idle');
    assert.deepEqual(c.statuses(), ['starting', 'idle', 'active', 'awaiting_input', 'idle', 'active', 'idle']);
  });

  test('an approval denied in the terminal (Esc): the Interrupt hook brings it back to idle', async () => {
    const c = await startCodex();
    const from = sse.events.length;
    await c.send('run: echo typed > typed.txt');
    const aw = sse.events.indexOf(await c.status(from, 'awaiting_input'));
    await c.event(from, (e) => e.event === 'message.updated' && e.data.message.question?.prompt, 'dialog on screen');
    // Codex drops keys in the dialog's first moments (docs/codex.md): a person takes longer than that to react.
    await new Promise((r) => setTimeout(r, CODEX_INPUT_GUARD_MS));
    await s.api('POST', `/api/instances/${c.id}/input`, { keys: ['escape'] });
    const idle = await c.status(aw + 1, 'idle');
    assert.equal(idle.data.instance.statusReason, 'approval denied');
    assert.equal(fs.existsSync(path.join(c.proj, 'typed.txt')), false);
  });

  test('/exit → completed; Resume continues the same Codex session in the same instance', async () => {
    const c = await startCodex();
    let from = sse.events.length;
    await c.send('say before');
    await c.reply(from, 'You said: say before');
    await c.status(from, 'idle');
    const saved = JSON.parse(fs.readFileSync(path.join(s.config.runDir, 'codex', c.id, 'session.json'), 'utf8'));
    from = sse.events.length;
    await c.send('/exit');
    const done = await c.status(from, 'completed');
    assert.equal(done.data.instance.exitCode, 0);
    assert.equal(fs.existsSync(path.join(s.config.runDir, 'codex', c.id, 'hook-headers')), false, 'the secret is gone with the process');

    from = sse.events.length;
    const r = await s.api('POST', `/api/instances/${c.id}/resume`);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.id, c.id);
    await c.status(from, 'idle');
    assert.equal((await s.api('POST', `/api/instances/${c.id}/resume`)).status, 409, 'a running instance is not resumed');
    await c.send('say after');
    await c.reply(from, 'You said: say after');
    await c.status(from, 'idle');
    const hist = JSON.stringify(api.mainRequests().at(-1)!.body.input);
    assert.ok(hist.includes('say before'), "the model got the session's history");
    const again = JSON.parse(fs.readFileSync(path.join(s.config.runDir, 'codex', c.id, 'session.json'), 'utf8'));
    assert.deepEqual(again, saved, 'same session id, same rollout file');
    assert.deepEqual((await c.duplicates()).twice, [], 'the re-read rollout stores nothing twice');

    // deleting the instance removes its CODEX_HOME
    await s.api('POST', `/api/instances/${c.id}/terminate`);
    assert.equal((await s.api('DELETE', `/api/instances/${c.id}`)).status, 200);
    assert.equal(fs.existsSync(path.join(s.config.runDir, 'codex', c.id)), false);
  });

  test('Resume is refused where there is nothing to resume', async () => {
    const c = await startCodex(); // never prompted: Codex has no session yet
    await s.api('POST', `/api/instances/${c.id}/terminate`);
    const r = await s.api('POST', `/api/instances/${c.id}/resume`);
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'not_resumable');
  });
});
