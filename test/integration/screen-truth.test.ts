// The generic driver through the real server (issue 11): the case a new user hit (an answered [y/N] in bash, then
// `sleep` turns, showed "Needs input" each time and stored a question per turn), and viewing that is not activity.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';
import { createAgent, FAKE_AGENT, startInstance, statusTrail, TermClient, waitStatus } from '../helpers/instances.js';

describe('the screen reader tells the truth', () => {
  let s: TestServer;
  let sse: SseClient;
  before(async () => {
    s = await startTestServer();
    sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
  });
  after(async () => {
    await s.close();
    sse.close();
  });
  afterEach(async () => {
    await s.manager.stopAll();
  });

  test('an answered question, then three quiet commands: never awaiting_input again, the question stored once', async () => {
    const a = await createAgent(s, { name: 'bash', command: 'bash', args: ['--norc', '--noprofile', '-i'], env: { PS1: 'me@box:~$ ' } });
    const inst = await startInstance(s, a.id);
    await waitStatus(sse, inst.id, 'idle');
    const asked = await s.api('POST', `/api/instances/${inst.id}/messages`, { content: 'read -p "Deploy to prod? [y/N] " ans; echo "ans=$ans"' });
    assert.equal(asked.status, 201);
    await waitStatus(sse, inst.id, 'awaiting_input');
    const from = Number(sse.events.at(-1)!.id);
    assert.equal((await s.api('POST', `/api/instances/${inst.id}/respond`, { choice: 'n' })).status, 200);
    let last = Number((await waitStatus(sse, inst.id, 'idle', from)).id);
    for (let i = 0; i < 3; i++) {
      assert.equal((await s.api('POST', `/api/instances/${inst.id}/messages`, { content: 'sleep 1' })).status, 201);
      await waitStatus(sse, inst.id, 'active', last);
      last = Number((await waitStatus(sse, inst.id, 'idle', last)).id);
    }
    const trail = statusTrail(sse, inst.id);
    assert.deepEqual(trail.slice(trail.lastIndexOf('awaiting_input') + 1), ['active', 'idle', 'active', 'idle', 'active', 'idle', 'active', 'idle']);
    assert.equal(trail.filter((x) => x === 'awaiting_input').length, 1);
    const msgs = (await s.api('GET', `/api/instances/${inst.id}/messages`)).body as { kind: string; content: string }[];
    const questions = msgs.filter((m) => m.kind === 'question');
    assert.equal(questions.length, 1, JSON.stringify(questions));
    assert.match(questions[0].content, /Deploy to prod\? \[y\/N\]$/);
  });

  test('viewing is not activity: attaching, reloading and resizing a viewer leave an idle instance idle, its last activity untouched', async () => {
    const a = await createAgent(s, { name: 'fake', command: FAKE_AGENT, args: ['--no-color'] });
    const inst = await startInstance(s, a.id, { cols: 100, rows: 30 });
    const idle = await waitStatus(sse, inst.id, 'idle');
    const before = (await s.api('GET', `/api/instances/${inst.id}`)).body;
    // As if the output throttle (5 s) had passed since the last write of lastActivityAt.
    s.manager.get(inst.id)!.lastActivityWrite = 0;
    const sizes = [
      [70, 20],
      [100, 30],
      [55, 18],
    ];
    for (const [cols, rows] of sizes) {
      // A viewer attaches (or reloads) and says its size; the program redraws its prompt for it.
      const t = new TermClient(s, inst.id);
      await t.opened;
      await t.until(() => t.snapshot !== null, 'the snapshot');
      t.ws.send(JSON.stringify({ type: 'focus' }));
      t.ws.send(JSON.stringify({ type: 'resize', cols, rows }));
      await t.until(() => t.controls.some((c) => c.type === 'resize' && c.cols === cols) && /> $/.test(t.live()), 'the redraw');
      t.close();
    }
    const now = (await s.api('GET', `/api/instances/${inst.id}`)).body;
    assert.equal(now.status, 'idle');
    assert.equal(now.lastActivityAt, before.lastActivityAt, 'last activity untouched');
    assert.equal(
      sse.events.filter((e) => Number(e.id) > Number(idle.id) && e.event === 'instance.updated' && e.data.instance.id === inst.id).length,
      0,
      'no instance.updated at all',
    );
  });
});
