// Importing the original AreYouJ's data (the shared sample, copied to a temp checkout): projects from settings.json,
// one Claude Code agent per queue with its history and its pending queue; twice (nothing changes); broken files
// reported by path and skipped; all or nothing; the queue is sent by the agent's next instance.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { LEGACY_FIXTURE, legacyCheckout, startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';
import { FAKE_AGENT, waitStatus } from '../helpers/instances.js';
import { queueHash } from '../../src/server/projects/legacy.js';

const MAIN = path.resolve(import.meta.dirname, '../../src/server/main.ts');
const SHOP = '/home/dev/projects/shop-api', BLOG = '/home/dev/projects/blog', GONE = '/home/dev/projects/gone';

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (f.isFile()) out.set(path.relative(dir, path.join(f.parentPath, f.name)), fs.readFileSync(path.join(f.parentPath, f.name)));
  }
  return out;
}

const dump = (home: string) => {
  const db = new Database(path.join(home, 'docs', 'agents.db'), { readonly: true });
  const rows = {
    projects: db.prepare('SELECT path, source FROM projects ORDER BY path').all(),
    agents: db.prepare('SELECT id, name, project_path, kind, command FROM agents ORDER BY name').all(),
    instances: db.prepare('SELECT id, agent_id, status, project_path FROM agent_instances ORDER BY id').all(),
    messages: db.prepare('SELECT agent_instance_id, sender_type, content, kind, delivery, external_key, created_at, delivered_at FROM agent_messages ORDER BY id').all(),
  };
  db.close();
  return rows;
};

describe('import of the original AreYouJ', () => {
  let s: TestServer;
  let sse: SseClient;
  before(async () => { s = await startTestServer(); sse = new SseClient(`${s.url}/api/events`, s.headers()); await sse.ready; });
  after(async () => { sse.close(); await s.close(); });

  test('the copy in test/fixtures is byte for byte the shared sample', () => {
    const copy = path.resolve(import.meta.dirname, '../fixtures/areyouj-legacy');
    const shared = path.resolve(import.meta.dirname, '../../../shared/fixtures/areyouj-legacy');
    if (fs.existsSync(shared)) assert.deepEqual(files(copy), files(shared));
    assert.ok(files(LEGACY_FIXTURE).has('server/data/settings.json'));
    assert.equal(queueHash(SHOP), '862997a521704844', 'the original names a queue by sha256 of its project path');
  });

  test('the sample: three projects, two agents with their history and queue; a second run changes nothing', async () => {
    const checkout = legacyCheckout();
    const r = await s.api('POST', '/api/projects/import-legacy', { path: checkout });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const rep = r.body;
    assert.equal(rep.source, path.join(checkout, 'server', 'data'));
    assert.equal(rep.changed, true);
    assert.deepEqual(rep.projects, [SHOP, BLOG, GONE].map((p) => ({ path: p, exists: false, added: true })));
    assert.deepEqual(rep.skipped, []);
    assert.deepEqual(rep.agents.map((a: any) => [a.project, a.agentName, a.created, a.history, a.queued]),
      [[BLOG, 'blog (AreYouJ)', true, 0, 1], [SHOP, 'shop-api (AreYouJ)', true, 2, 2]]);

    const shop = rep.agents.find((a: any) => a.project === SHOP);
    await sse.waitFor((e) => e.event === 'agent.created' && e.data.agent.id === shop.agentId);
    const agent = (await s.api('GET', `/api/agents/${shop.agentId}`)).body;
    assert.equal(agent.kind, 'claude');
    assert.equal(agent.projectPath, SHOP);
    const insts = (await s.api('GET', `/api/instances?agentId=${shop.agentId}`)).body;
    const list = Array.isArray(insts) ? insts : insts.instances;
    assert.equal(list.length, 1);
    assert.equal(list[0].status, 'completed');
    const msgs = (await s.api('GET', `/api/instances/${list[0].id}/messages?limit=100`)).body;
    const m = Array.isArray(msgs) ? msgs : msgs.messages;
    assert.deepEqual(m.map((x: any) => [x.senderType, x.kind, x.delivery, x.content]), [
      ['user', 'text', 'sent', 'Task 1 진행해줘: set up the Express app'],
      ['user', 'text', 'sent', 'Task 2: add the products table'],
      ['agent', 'system', null, 'The original AreYouJ reported an error: Session terminated'],
      ['user', 'text', 'queued', 'Task 3 — write tests for /products 🧪'],
      ['user', 'text', 'queued', 'Task 4: pagination'],
    ]);
    assert.equal(m[0].createdAt, '2025-09-04T01:00:01.000Z', 'the original times, in UTC');
    assert.equal(m[0].deliveredAt, '2025-09-04T01:12:40.000Z');

    const projects = (await s.api('GET', '/api/projects')).body;
    // Shop and blog are the new agents' projects now; gone is known from the settings alone.
    assert.deepEqual(projects.filter((p: any) => [SHOP, BLOG, GONE].includes(p.path)).map((p: any) => [p.path, p.source, p.exists]),
      [[BLOG, 'agent', false], [SHOP, 'agent', false], [GONE, 'legacy', false]]);

    const before = dump(s.home);
    const again = await s.api('POST', '/api/projects/import-legacy', { path: checkout });
    assert.equal(again.status, 200);
    assert.equal(again.body.changed, false);
    assert.ok(again.body.projects.every((p: any) => !p.added));
    assert.ok(again.body.agents.every((a: any) => !a.created && a.history === 0 && a.queued === 0));
    assert.deepEqual(dump(s.home), before, 'agents.db is as it was');
  });

  test('broken files are reported by path and skipped; the rest comes in; fixed, they come in later', async () => {
    const checkout = legacyCheckout();
    const data = path.join(checkout, 'server', 'data');
    const shopQueue = path.join(data, 'queues', queueHash(SHOP), 'queue.json');
    fs.writeFileSync(shopQueue, '[{"id": "1", "message": "half'); // cut short
    const stray = path.join(data, 'queues', queueHash('/somewhere/else'));
    fs.mkdirSync(stray);
    fs.writeFileSync(path.join(stray, 'queue.json'), '[]');
    const goneDir = path.join(data, 'queues', queueHash(GONE));
    fs.mkdirSync(goneDir);
    fs.writeFileSync(path.join(goneDir, 'queue.json'), JSON.stringify([{ id: 'x', message: 'hi', status: 'waiting' }]));
    const home = tempDir();
    const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'import-legacy', checkout, '--home', home], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`skipped ${shopQueue}: not valid JSON`));
    assert.match(r.stdout, /skipped .*queue\.json: its project is not named in settings\.json/);
    assert.match(r.stdout, new RegExp(`skipped ${path.join(goneDir, 'queue.json')}: not in the original's format: 0\\.status`));
    assert.match(r.stdout, /agent "blog \(AreYouJ\)" for \/home\/dev\/projects\/blog \(new\): 0 history and 1 queued messages added/);
    const d = dump(home);
    assert.deepEqual(d.agents.map((a: any) => a.name), ['blog (AreYouJ)']);
    assert.equal(d.messages.length, 1);

    fs.copyFileSync(path.join(LEGACY_FIXTURE, 'server/data/queues', queueHash(SHOP), 'queue.json'), shopQueue);
    const r2 = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'import-legacy', checkout, '--home', home], { encoding: 'utf8' });
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(r2.stdout, /agent "shop-api \(AreYouJ\)" .*\(new\): 2 history and 2 queued messages added/);
    assert.match(r2.stdout, /agent "blog \(AreYouJ\)" for \/home\/dev\/projects\/blog: 0 history and 0 queued/);
    assert.equal(dump(home).messages.length, 6);
  });

  test('a settings.json that is not JSON: reported, and its queues cannot be placed', async () => {
    const checkout = legacyCheckout();
    fs.writeFileSync(path.join(checkout, 'server/data/settings.json'), '{"projectHomePath": ');
    const r = await s.api('POST', '/api/projects/import-legacy', { path: checkout });
    assert.equal(r.status, 200);
    assert.equal(r.body.changed, false);
    assert.deepEqual(r.body.skipped.map((x: any) => path.basename(x.path)), ['settings.json', 'queue.json', 'queue.json']);
    assert.equal(r.body.skipped[0].reason, 'not valid JSON');
  });

  test('not a checkout, a relative path, an empty body: 400 with a message', async () => {
    for (const [body, code, re] of [[{ path: tempDir() }, 'not_areyouj', /not a checkout of the original AreYouJ/], [{ path: 'rel/ative' }, 'invalid_path', /absolute/],
      [{}, 'validation_failed', /path/], [{ path: '   ' }, 'validation_failed', /give the path/]] as const) {
      const r = await s.api('POST', '/api/projects/import-legacy', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, code);
      assert.match(r.body.error.message, re);
    }
  });

  test('all or nothing: a failure in the middle leaves agents.db as it was', () => {
    const checkout = legacyCheckout();
    const home = tempDir();
    // A real SQLite failure half-way: a trigger refuses the shop-api queue's third message (blog's came before it).
    spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'import-legacy', tempDir(), '--home', home], { encoding: 'utf8' }); // creates agents.db
    const db = new Database(path.join(home, 'docs', 'agents.db'));
    db.exec(`CREATE TRIGGER boom BEFORE INSERT ON agent_messages WHEN NEW.content LIKE 'Task 3%' BEGIN SELECT RAISE(ABORT, 'boom'); END`);
    db.close();
    const before = dump(home);
    const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'import-legacy', checkout, '--home', home], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /boom/);
    assert.deepEqual(dump(home), before, 'no project, agent or message of the run is left');
  });

  test('the imported queue is sent by the agent\'s next instance, in order', async () => {
    const project = tempDir('areyouj-legacy-proj-');
    const checkout = tempDir('areyouj-legacy-');
    const data = path.join(checkout, 'server', 'data');
    fs.mkdirSync(path.join(data, 'queues', queueHash(project)), { recursive: true });
    fs.writeFileSync(path.join(data, 'settings.json'), JSON.stringify({ projectHomePath: project, recentPaths: [project] }));
    fs.writeFileSync(path.join(data, 'queues', queueHash(project), 'queue.json'), JSON.stringify([
      { id: 'a', message: 'old one', status: 'completed', createdAt: '2025-09-04T10:00:00+09:00' },
      { id: 'b', message: 'first queued', status: 'processing', createdAt: '2025-09-04T10:01:00+09:00' },
      { id: 'c', message: 'second queued', status: 'pending', createdAt: '2025-09-04T10:02:00+09:00' },
    ]));
    const rep = (await s.api('POST', '/api/projects/import-legacy', { path: checkout })).body;
    const agentId = rep.agents[0].agentId;
    // Run it with the fake agent instead of claude (a real program in a real pty, no model needed).
    assert.equal((await s.api('PUT', `/api/agents/${agentId}`, { kind: 'generic', command: process.execPath, args: [FAKE_AGENT] })).status, 200);
    const inst = (await s.api('POST', `/api/agents/${agentId}/instances`, {})).body;
    await waitStatus(sse, inst.id, 'idle');
    const deliveries = () => sse.events.filter((e) => e.event === 'message.updated' && e.data.message.instanceId === inst.id && e.data.message.delivery === 'sent')
      .map((e) => e.data.message.content);
    await sse.waitFor(() => deliveries().length >= 2, 30_000, 'both queued messages sent');
    assert.deepEqual(deliveries(), ['first queued', 'second queued']);
    await s.api('POST', `/api/instances/${inst.id}/terminate`);
  });
});
