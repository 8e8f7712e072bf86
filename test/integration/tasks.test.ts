import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { fixtureProject, FIXTURE_TASKS_DB, startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';
import { TASKS_SCHEMA } from '../../src/server/tasks/schema-sql.js';

const schemaOf = (file: string) => {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name`).all();
  db.close();
  return rows;
};

describe('tasks API', () => {
  let s: TestServer;
  let project: string;
  const q = () => `?project=${encodeURIComponent(project)}`;
  before(async () => { s = await startTestServer(); project = fixtureProject(); });
  after(async () => { await s.close(); });

  test('the original fixture round-trips: 4 parents with 5 subtasks each, dependencies kept', async () => {
    const before = schemaOf(path.join(project, 'docs/tasks.db'));
    const r = await s.api('GET', `/api/tasks${q()}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.exists, true);
    assert.equal(r.body.project, project);
    assert.deepEqual(r.body.tasks.map((t: any) => t.id), ['1', '2', '3', '4']);
    for (const t of r.body.tasks) {
      assert.deepEqual(t.subtasks.map((x: any) => x.id), [1, 2, 3, 4, 5].map((n) => `${t.id}.${n}`));
      assert.equal(t.parentId, null);
      for (const sub of t.subtasks) assert.equal(sub.parentId, t.id);
    }
    const t3 = r.body.tasks[2];
    assert.deepEqual(t3.dependencies, ['1', '2']);
    assert.deepEqual(t3.subtasks[1].dependencies, ['1.1', '2.1']);
    const total = r.body.tasks.reduce((n: number, t: any) => n + 1 + t.subtasks.length, 0);
    assert.equal(total, 24);
    // A write keeps the schema exactly as the original wrote it.
    const put = await s.api('PUT', `/api/tasks/1.1${q()}`, { status: 'done' });
    assert.equal(put.status, 200);
    assert.deepEqual(schemaOf(path.join(project, 'docs/tasks.db')), before);
    // …and the original file's rows are readable by the sqlite3 CLI as before.
    const out = execFileSync('sqlite3', [path.join(project, 'docs/tasks.db'), `SELECT status FROM tasks WHERE id='1.1'`]).toString().trim();
    assert.equal(out, 'done');
  });

  test('the copy in test/fixtures is byte for byte the shared fixture', () => {
    const shared = path.resolve(import.meta.dirname, '../../../shared/fixtures/areyouj-tasks.db');
    const copy = path.resolve(import.meta.dirname, '../fixtures/areyouj-tasks.db');
    if (fs.existsSync(shared)) assert.ok(fs.readFileSync(shared).equals(fs.readFileSync(copy)));
    assert.equal(fs.statSync(copy).size, 45056);
  });

  test('the shared fixture itself is never written', () => {
    const db = new Database(FIXTURE_TASKS_DB, { readonly: true });
    assert.equal((db.prepare(`SELECT COUNT(*) n FROM tasks WHERE status != 'pending'`).get() as any).n, 0);
    db.close();
  });

  test('a project without tasks.db reads as empty and is created, with the exact schema, on the first write only', async () => {
    const p = tempDir();
    const r = await s.api('GET', `/api/tasks?project=${encodeURIComponent(p)}`);
    assert.deepEqual(r.body, { project: p, exists: false, detailsOmitted: false, tasks: [] });
    assert.equal(fs.existsSync(path.join(p, 'docs/tasks.db')), false);
    const bad = await s.api('POST', `/api/tasks?project=${encodeURIComponent(p)}`, { title: 'x', dependencies: ['7'] });
    assert.equal(bad.status, 400);
    assert.equal(fs.existsSync(path.join(p, 'docs/tasks.db')), false, 'a refused write creates nothing');
    const c = await s.api('POST', `/api/tasks?project=${encodeURIComponent(p)}`, { title: 'first' });
    assert.equal(c.status, 201);
    assert.equal(c.body.id, '1');
    const ref = new Database(':memory:');
    ref.exec(TASKS_SCHEMA);
    const expected = ref.prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name`).all();
    assert.deepEqual(schemaOf(path.join(p, 'docs/tasks.db')), expected);
    assert.deepEqual(schemaOf(path.join(p, 'docs/tasks.db')), schemaOf(FIXTURE_TASKS_DB), 'same schema as the original AreYouJ file');
  });

  test('create assigns ids in natural order; subtasks get parent.n; 2 sorts before 10', async () => {
    const p = tempDir();
    const pq = `?project=${encodeURIComponent(p)}`;
    for (let i = 1; i <= 11; i++) assert.equal((await s.api('POST', `/api/tasks${pq}`, { title: `t${i}` })).body.id, String(i));
    const sub = await s.api('POST', `/api/tasks${pq}`, { title: 'sub', parentId: '2', priority: 'high', details: '# hi' });
    assert.equal(sub.status, 201);
    assert.equal(sub.body.id, '2.1');
    assert.equal((await s.api('POST', `/api/tasks${pq}`, { title: 'sub2', parentId: '2' })).body.id, '2.2');
    const nested = await s.api('POST', `/api/tasks${pq}`, { title: 'deep', parentId: '2.1' });
    assert.equal(nested.status, 400);
    assert.equal(nested.body.error.code, 'invalid_parent');
    const list = await s.api('GET', `/api/tasks${pq}`);
    assert.deepEqual(list.body.tasks.map((t: any) => t.id), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
    assert.deepEqual(list.body.tasks[1].subtasks.map((t: any) => t.id), ['2.1', '2.2']);
    const one = await s.api('GET', `/api/tasks/2${pq}`);
    assert.equal(one.body.subtasks.length, 2);
  });

  test('update is partial and bumps updatedAt; validation errors name the field', async () => {
    const p = tempDir();
    const pq = `?project=${encodeURIComponent(p)}`;
    await s.api('POST', `/api/tasks${pq}`, { title: 'a', description: 'keep me' });
    const db = new Database(path.join(p, 'docs/tasks.db'));
    db.prepare(`UPDATE tasks SET updated_at = '2000-01-01 00:00:00'`).run();
    db.close();
    const r = await s.api('PUT', `/api/tasks/1${pq}`, { status: 'in-progress' });
    assert.equal(r.body.description, 'keep me');
    assert.equal(r.body.status, 'in-progress');
    assert.notEqual(r.body.updatedAt, '2000-01-01 00:00:00');
    const bad = await s.api('PUT', `/api/tasks/1${pq}`, { status: 'finished' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'validation_failed');
    assert.deepEqual(bad.body.error.details[0].path, ['status']);
    const unknown = await s.api('PUT', `/api/tasks/1${pq}`, { colour: 'red' });
    assert.equal(unknown.status, 400);
    const empty = await s.api('POST', `/api/tasks${pq}`, { title: '   ' });
    assert.equal(empty.status, 400);
    assert.equal((await s.api('PUT', `/api/tasks/99${pq}`, { title: 'x' })).status, 404);
    assert.equal((await s.api('GET', `/api/tasks/99${pq}`)).status, 404);
  });

  test('dependencies must exist and may not form a cycle; the error names the cycle', async () => {
    const p = tempDir();
    const pq = `?project=${encodeURIComponent(p)}`;
    for (const t of ['a', 'b', 'c']) await s.api('POST', `/api/tasks${pq}`, { title: t });
    assert.equal((await s.api('PUT', `/api/tasks/2${pq}`, { dependencies: ['1'] })).status, 200);
    assert.equal((await s.api('PUT', `/api/tasks/3${pq}`, { dependencies: ['2'] })).status, 200);
    const cyc = await s.api('PUT', `/api/tasks/1${pq}`, { dependencies: ['3'] });
    assert.equal(cyc.status, 400);
    assert.equal(cyc.body.error.code, 'dependency_cycle');
    assert.match(cyc.body.error.message, /1 → 3 → 2 → 1/);
    const self = await s.api('PUT', `/api/tasks/1${pq}`, { dependencies: ['1'] });
    assert.equal(self.body.error.code, 'dependency_cycle');
    const missing = await s.api('PUT', `/api/tasks/1${pq}`, { dependencies: ['42'] });
    assert.equal(missing.body.error.code, 'invalid_dependency');
    assert.match(missing.body.error.message, /42/);
    assert.deepEqual((await s.api('GET', `/api/tasks/1${pq}`)).body.dependencies, [], 'a refused update changes nothing');
  });

  test('delete removes the subtasks and every dependency row naming them, in one transaction', async () => {
    const r = await s.api('DELETE', `/api/tasks/2${q()}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.deleted.sort(), ['2', '2.1', '2.2', '2.3', '2.4', '2.5']);
    const db = new Database(path.join(project, 'docs/tasks.db'), { readonly: true });
    const left = db.prepare(`SELECT COUNT(*) n FROM task_dependencies WHERE task_id LIKE '2%' OR dependency_id LIKE '2%'`).get() as any;
    const tasks = db.prepare(`SELECT COUNT(*) n FROM tasks`).get() as any;
    db.close();
    assert.equal(left.n, 0);
    assert.equal(tasks.n, 18);
    assert.equal((await s.api('DELETE', `/api/tasks/2${q()}`)).status, 404);
  });

  test('an outside sqlite3 write is published as tasks.changed; our own writes as task.*', async () => {
    const sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
    execFileSync('sqlite3', [path.join(project, 'docs/tasks.db'), `UPDATE tasks SET status='done' WHERE id='3'`]);
    const e = await sse.waitFor((e) => e.event === 'tasks.changed' && e.data.project === project, 5000, 'tasks.changed');
    assert.ok(e.id);
    await s.api('PUT', `/api/tasks/3${q()}`, { priority: 'low' });
    await sse.waitFor((e) => e.event === 'task.updated' && e.data.task.id === '3');
    const got = await s.api('GET', `/api/tasks/3${q()}`);
    assert.equal(got.body.status, 'done');
    sse.close();
  });

  test('writes succeed while another program writes the same tasks.db (busy timeout, no 500)', async () => {
    const p = fixtureProject();
    const pq = `?project=${encodeURIComponent(p)}`;
    await s.api('GET', `/api/tasks${pq}`);
    // An agent hammering the file with sqlite3-style write transactions, in another process.
    const writer = spawn(process.execPath, ['-e', `
      const db = new (require('better-sqlite3'))(process.argv[1]);
      db.pragma('busy_timeout = 5000');
      const up = db.prepare("UPDATE tasks SET notes = ? WHERE id = '1'");
      const t = db.transaction((i) => { up.run(String(i)); up.run(String(-i)); });
      for (let i = 0; i < 4000; i++) t.immediate(i);
    `, path.join(p, 'docs/tasks.db')], { cwd: process.cwd(), stdio: 'inherit' });
    const done = new Promise<number | null>((r) => writer.on('exit', r));
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      statuses.push((await s.api('POST', `/api/tasks${pq}`, { title: `concurrent ${i}`, dependencies: ['1'] })).status);
      statuses.push((await s.api('PUT', `/api/tasks/2${pq}`, { notes: `n${i}` })).status);
    }
    assert.equal(await done, 0);
    assert.deepEqual(statuses.filter((x) => x >= 300), [], 'every write went through');
    const list = (await s.api('GET', `/api/tasks${pq}`)).body;
    assert.equal(list.tasks.length, 4 + 60);
  });

  test('bad projects are 400s naming the path', async () => {
    const rel = await s.api('GET', '/api/tasks?project=relative/dir');
    assert.equal(rel.status, 400);
    assert.equal(rel.body.error.code, 'invalid_path');
    const none = await s.api('GET', `/api/tasks?project=${encodeURIComponent('/no/such/dir')}`);
    assert.equal(none.status, 400);
    assert.match(none.body.error.message, /\/no\/such\/dir/);
    const trick = await s.api('GET', `/api/tasks?project=${encodeURIComponent(project + '/../../../../etc/passwd')}`);
    assert.equal(trick.status, 400);
  });

  test('the home is the default project', async () => {
    const r = await s.api('GET', '/api/tasks');
    assert.equal(r.body.project, s.home);
  });
});
