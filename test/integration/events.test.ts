import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';
import { EventBus } from '../../src/server/events/bus.js';

describe('event stream', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ heartbeatMs: 200 }); });
  after(async () => { await s.close(); });

  test('every change is one event with an increasing id; Last-Event-ID replays what was missed, in order', async () => {
    const live = new SseClient(`${s.url}/api/events`, s.headers());
    await live.ready;
    const proj = tempDir();
    const a = (await s.api('POST', '/api/agents', { name: 'ev', projectPath: proj })).body;
    await s.api('PUT', `/api/agents/${a.id}`, { description: 'd' });
    await s.api('POST', `/api/tasks?project=${encodeURIComponent(proj)}`, { title: 't' });
    await s.api('DELETE', `/api/agents/${a.id}`);
    await live.waitFor((e) => e.event === 'agent.deleted');
    const types = live.events.map((e) => e.event);
    assert.deepEqual(types, ['agent.created', 'agent.updated', 'task.created', 'agent.deleted']);
    const ids = live.events.map((e) => Number(e.id));
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1]);
    assert.equal(live.events[0].data.agent.name, 'ev');
    assert.equal(live.events[2].data.project, proj);

    const replay = new SseClient(`${s.url}/api/events`, { ...s.headers(), 'Last-Event-ID': String(ids[0]) });
    await replay.ready;
    await replay.waitFor((e) => e.event === 'agent.deleted');
    assert.deepEqual(replay.events.map((e) => e.event), ['agent.updated', 'task.created', 'agent.deleted']);
    assert.deepEqual(replay.events.map((e) => Number(e.id)), ids.slice(1));
    live.close();
    replay.close();
  });

  test('a Last-Event-ID older than the history (or from another run) gets a reset', async () => {
    const c = new SseClient(`${s.url}/api/events`, { ...s.headers(), 'Last-Event-ID': '5' });
    await c.ready;
    const e = await c.waitFor((e) => e.event === 'reset');
    assert.equal(e.data.reason, 'history_too_old');
    c.close();
    const junk = new SseClient(`${s.url}/api/events?lastEventId=banana`, s.headers());
    await junk.ready;
    await junk.waitFor((e) => e.event === 'reset');
    junk.close();
  });

  test('heartbeat comments keep the stream alive', async () => {
    const c = new SseClient(`${s.url}/api/events`, s.headers());
    await c.ready;
    await new Promise<void>((resolve) => {
      const t = setInterval(() => { if (c.comments.some((x) => x.startsWith('heartbeat'))) { clearInterval(t); resolve(); } }, 20);
    });
    c.close();
  });

  test('the bus keeps at least its capacity and tells when an id is too old', () => {
    const bus = new EventBus(10_000, 1);
    for (let i = 0; i < 10_050; i++) bus.publish('tasks.changed', { project: `p${i}` });
    assert.equal(bus.lastId, 10_050);
    assert.equal(bus.since(10)?.length ?? null, null);
    const tail = bus.since(50)!;
    assert.equal(tail.length, 10_000);
    assert.equal(tail[0].id, 51);
    assert.equal(tail.at(-1)!.id, 10_050);
    assert.deepEqual(bus.since(10_050), []);
    assert.equal(bus.since(99_999), null);
  });
});
