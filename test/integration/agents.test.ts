import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isLive } from '../../src/common/constants.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

describe('agents API', () => {
  let s: TestServer;
  let proj: string;
  before(async () => { s = await startTestServer(); proj = tempDir(); });
  after(async () => { await s.close(); });

  test('create with defaults, read, list, update', async () => {
    const c = await s.api('POST', '/api/agents', { name: 'claude-1', projectPath: proj });
    assert.equal(c.status, 201);
    assert.equal(c.body.command, 'claude');
    assert.equal(c.body.kind, 'claude');
    assert.deepEqual(c.body.args, []);
    assert.equal(c.body.settings.maxConcurrentInstances, 1);
    assert.equal(c.body.settings.notificationEnabled, true);
    const g = await s.api('POST', '/api/agents', {
      name: 'shell', projectPath: proj, command: 'bash', args: ['-i'], env: { FOO: 'bar' }, description: 'a shell',
      settings: { maxConcurrentInstances: 3, autoStart: false, quietMs: 300, idlePatterns: ['\\$ $'] },
    });
    assert.equal(g.status, 201);
    assert.equal(g.body.kind, 'generic');
    assert.equal(g.body.settings.quietMs, 300);
    assert.deepEqual((await s.api('GET', `/api/agents/${g.body.id}`)).body, g.body);
    const list = await s.api('GET', '/api/agents');
    assert.deepEqual(list.body.map((a: any) => a.name), ['claude-1', 'shell']);
    const u = await s.api('PUT', `/api/agents/${g.body.id}`, { description: null, settings: { maxConcurrentInstances: 5 } });
    assert.equal(u.status, 200);
    assert.equal(u.body.description, null);
    assert.equal(u.body.settings.maxConcurrentInstances, 5);
    assert.equal(u.body.settings.quietMs, 300, 'a partial settings update keeps the rest');
    assert.deepEqual(u.body.env, { FOO: 'bar' });
  });

  test('duplicate names are 409; bad paths are 400 naming the path; bad fields are 400 naming the field', async () => {
    await s.api('POST', '/api/agents', { name: 'dup', projectPath: proj });
    const d = await s.api('POST', '/api/agents', { name: 'dup', projectPath: proj });
    assert.equal(d.status, 409);
    assert.equal(d.body.error.code, 'name_taken');
    const rel = await s.api('POST', '/api/agents', { name: 'x', projectPath: 'rel/path' });
    assert.equal(rel.status, 400);
    assert.match(rel.body.error.message, /rel\/path/);
    const missing = await s.api('POST', '/api/agents', { name: 'x', projectPath: '/nope/nothing' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /\/nope\/nothing/);
    const file = await s.api('POST', '/api/agents', { name: 'x', projectPath: path.join(s.home, 'docs', 'agents.db') });
    assert.equal(file.status, 400);
    assert.match(file.body.error.message, /not a directory/);
    const noName = await s.api('POST', '/api/agents', { projectPath: proj });
    assert.equal(noName.status, 400);
    assert.deepEqual(noName.body.error.details[0].path, ['name']);
    const badEnv = await s.api('POST', '/api/agents', { name: 'y', projectPath: proj, env: { 'A-B': 1 } });
    assert.equal(badEnv.status, 400);
    const badRe = await s.api('POST', '/api/agents', { name: 'y', projectPath: proj, settings: { idlePatterns: ['('] } });
    assert.equal(badRe.status, 400);
    assert.match(badRe.body.error.message, /regular expression/);
    const unknownField = await s.api('POST', '/api/agents', { name: 'y', projectPath: proj, admin: true });
    assert.equal(unknownField.status, 400);
    const other = (await s.api('POST', '/api/agents', { name: 'other', projectPath: proj })).body;
    const rename = await s.api('PUT', `/api/agents/${other.id}`, { name: 'dup' });
    assert.equal(rename.status, 409);
    assert.equal((await s.api('GET', '/api/agents/nope')).status, 404);
    assert.equal((await s.api('PUT', '/api/agents/nope', { name: 'z' })).status, 404);
    assert.equal((await s.api('DELETE', '/api/agents/nope')).status, 404);
  });

  test('deleting an agent cascades to its instances and messages in the database, and deletes their logs', async () => {
    const a = (await s.api('POST', '/api/agents', { name: 'cascade', projectPath: proj, command: 'bash' })).body;
    const db = new Database(path.join(s.home, 'docs', 'agents.db'));
    db.prepare(`INSERT INTO agent_instances (id, agent_id, name, status, project_path) VALUES ('i1', ?, 'one', 'completed', ?)`).run(a.id, proj);
    const log = path.join(s.home, 'docs', 'logs', 'i1.log');
    fs.mkdirSync(path.dirname(log), { recursive: true });
    fs.writeFileSync(log, 'output of i1\n');
    db.prepare(`INSERT INTO agent_messages (agent_instance_id, sender_type, content) VALUES ('i1', 'user', 'hello')`).run();
    const msgs = await s.api('GET', '/api/instances/i1/messages');
    assert.equal(msgs.body.length, 1);
    assert.equal((await s.api('GET', `/api/agents/${a.id}/instances`)).body.length, 1);
    assert.equal((await s.api('DELETE', `/api/agents/${a.id}`)).status, 200);
    assert.equal((db.prepare(`SELECT COUNT(*) n FROM agent_instances WHERE id = 'i1'`).get() as any).n, 0);
    assert.equal((db.prepare(`SELECT COUNT(*) n FROM agent_messages WHERE agent_instance_id = 'i1'`).get() as any).n, 0);
    assert.equal((db.prepare(`SELECT COUNT(*) n FROM agent_settings WHERE agent_id = ?`).get(a.id) as any).n, 0);
    assert.equal(fs.existsSync(log), false, 'the log goes with the instance, as when an instance is deleted');
    db.close();
  });

  test('autoStart: one instance named auto, never a second while it is live, and no pile-up over server restarts', async () => {
    const home = tempDir();
    let srv: TestServer | undefined;
    try {
      srv = await startTestServer({ home });
      const a = (await srv.api('POST', '/api/agents', { name: 'auto-sh', projectPath: home, command: 'bash', args: ['--norc', '--noprofile'], settings: { autoStart: true, maxConcurrentInstances: 5 } })).body;
      assert.equal((await srv.api('GET', `/api/agents/${a.id}/instances`)).body.length, 0, 'autoStart acts at the server start');
      await srv.close();
      for (let n = 0; n < 3; n++) {
        srv = await startTestServer({ home });
        const list = (await srv.api('GET', `/api/agents/${a.id}/instances`)).body;
        assert.deepEqual(list.map((i: any) => [i.name, isLive(i.status)]), [['auto', true]], `after server start ${n + 1}`);
        if (n < 2) await srv.close();
      }
      // While it is live, asking again starts nothing.
      assert.equal(await srv.manager.autoStart(a.id), null);
      assert.equal((await srv.api('GET', `/api/agents/${a.id}/instances`)).body.length, 1);
      // An ended one is replaced, not kept beside the new one.
      const [live] = (await srv.api('GET', `/api/agents/${a.id}/instances`)).body;
      await srv.api('POST', `/api/instances/${live.id}/terminate`);
      const again = await srv.manager.autoStart(a.id);
      assert.ok(again && again.id !== live.id);
      assert.deepEqual((await srv.api('GET', `/api/agents/${a.id}/instances`)).body.map((i: any) => i.id), [again.id]);
    } finally {
      await srv?.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('agents.db is migrated with user_version, foreign keys on, WAL', async () => {
    const db = new Database(path.join(s.home, 'docs', 'agents.db'), { readonly: true });
    assert.ok((db.pragma('user_version', { simple: true }) as number) >= 1);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all().map((r: any) => r.name);
    assert.deepEqual(tables, ['agent_instances', 'agent_messages', 'agent_settings', 'agents', 'legacy_imports', 'projects']);
    db.close();
  });

  test('messages are paged oldest first with after and limit', async () => {
    const a = (await s.api('POST', '/api/agents', { name: 'pager', projectPath: proj, command: 'bash' })).body;
    const db = new Database(path.join(s.home, 'docs', 'agents.db'));
    db.prepare(`INSERT INTO agent_instances (id, agent_id, name, status, project_path) VALUES ('p1', ?, 'one', 'completed', ?)`).run(a.id, proj);
    for (let i = 0; i < 5; i++) db.prepare(`INSERT INTO agent_messages (agent_instance_id, sender_type, content) VALUES ('p1', 'agent', ?)`).run(`m${i}`);
    db.close();
    const first = await s.api('GET', '/api/instances/p1/messages?limit=2');
    assert.deepEqual(first.body.map((m: any) => m.content), ['m0', 'm1']);
    const next = await s.api('GET', `/api/instances/p1/messages?after=${first.body[1].id}&limit=10`);
    assert.deepEqual(next.body.map((m: any) => m.content), ['m2', 'm3', 'm4']);
    assert.equal((await s.api('GET', '/api/instances/p1/messages?limit=0')).status, 400);
    assert.equal((await s.api('GET', '/api/instances/p1/messages?after=abc')).status, 400);
    assert.equal((await s.api('GET', '/api/instances/nope/messages')).status, 404);
  });
});
