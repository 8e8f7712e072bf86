// GET /api/tasks cached per project: ETag and 304 on a repeat read; a new answer at once after our writes, another
// program's commit (no wait for the watcher) and a change of the instances linked to a task; large details left out
// of the list and said so (the board fetches them per task); gzip for the clients that accept it.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureProject, startTestServer, type TestServer } from '../helpers/server.js';
import { FAKE_AGENT } from '../helpers/instances.js';

describe('GET /api/tasks: cache, ETag, details per task', () => {
  let s: TestServer;
  let project: string;
  const q = () => `?project=${encodeURIComponent(project)}`;
  before(async () => { s = await startTestServer(); project = fixtureProject(); });
  after(async () => { await s.close(); });

  const list = (etag?: string) => s.api('GET', `/api/tasks${q()}`, undefined, etag ? { 'if-none-match': etag } : {});
  const timing = (r: { headers: Headers }) => /desc="([^"]+)"/.exec(r.headers.get('server-timing') ?? '')?.[1];

  test('a repeat read with the ETag is 304 without a body; without it, the cached body', async () => {
    const a = await list();
    assert.equal(a.status, 200);
    const etag = a.headers.get('etag')!;
    assert.match(etag, /^W\/".+"$/);
    assert.equal(a.headers.get('cache-control'), 'no-cache');
    assert.equal(timing(a), 'built');
    const b = await list(etag);
    assert.equal(b.status, 304);
    assert.equal(b.body, null);
    assert.equal(b.headers.get('etag'), etag);
    const c = await list();
    assert.equal(c.status, 200);
    assert.equal(timing(c), 'cached');
    assert.deepEqual(c.body, a.body);
    assert.equal((await list('W/"something-else"')).status, 200);
    // A tag names one project's list: another project's list is sent in full, never a 304 for it.
    const other = fixtureProject();
    const o = await s.api('GET', `/api/tasks?project=${encodeURIComponent(other)}`, undefined, { 'if-none-match': etag });
    assert.equal(o.status, 200);
    assert.equal(o.body.project, other);
    assert.notEqual(o.headers.get('etag'), etag);
  });

  test('gzip for a client that accepts it (the same JSON, a fraction of the bytes); as it is for one that does not', async () => {
    const raw = (encoding?: string) => new Promise<{ headers: http.IncomingHttpHeaders; buf: Buffer }>((resolve, reject) => {
      http.get(`${s.url}/api/tasks${q()}`, { headers: { ...s.headers(), ...(encoding !== undefined ? { 'accept-encoding': encoding } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, buf: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    const plain = await raw();
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers.vary, 'accept-encoding');
    for (const accepted of ['gzip', 'br;q=1, gzip;q=0.8', '*']) {
      const z = await raw(accepted);
      assert.equal(z.headers['content-encoding'], 'gzip', accepted);
      assert.ok(z.buf.length < plain.buf.length / 2, `${z.buf.length} of ${plain.buf.length} bytes`);
      assert.deepEqual(JSON.parse(zlib.gunzipSync(z.buf).toString()), JSON.parse(plain.buf.toString()));
    }
    for (const refused of ['identity', 'gzip;q=0', 'br']) assert.equal((await raw(refused)).headers['content-encoding'], undefined, refused);
  });

  test('our write, another program\'s commit, and a newly linked instance each change the answer at once', async () => {
    const e0 = (await list()).headers.get('etag')!;
    assert.equal((await s.api('PUT', `/api/tasks/3${q()}`, { status: 'done' })).status, 200);
    const a = await list(e0);
    assert.equal(a.status, 200, 'our write');
    assert.equal(a.body.tasks[2].status, 'done');
    const e1 = a.headers.get('etag')!;
    assert.notEqual(e1, e0);

    execFileSync('sqlite3', [path.join(project, 'docs', 'tasks.db'), `UPDATE tasks SET title = '바깥에서 고침' WHERE id = '4'`]);
    const b = await list(e1); // right away: the revision reads data_version, not the watcher's debounced news
    assert.equal(b.status, 200, 'an outside commit');
    assert.equal(b.body.tasks[3].title, '바깥에서 고침');
    const e2 = b.headers.get('etag')!;

    const agent = await s.api('POST', '/api/agents', { name: 'a', projectPath: project, kind: 'generic', command: process.execPath, args: [FAKE_AGENT] });
    const inst = await s.api('POST', `/api/agents/${agent.body.id}/instances`, { taskId: '1' });
    assert.equal(inst.status, 201);
    const c = await list(e2);
    assert.equal(c.status, 200, 'a linked instance');
    assert.deepEqual(c.body.tasks[0].instances.map((i: any) => i.id), [inst.body.id]);
    assert.equal(c.body.tasks[1].instances, undefined, 'tasks without instances carry none');
    await s.api('POST', `/api/instances/${inst.body.id}/terminate`);
    const d = await list(c.headers.get('etag')!);
    assert.equal(d.status, 200, 'the linked instance ended');
    assert.equal(d.body.tasks[0].instances[0].status, 'terminated');
  });

  test('large details are left out of the list and said so; GET /api/tasks/:id has them', async () => {
    assert.equal((await list()).body.detailsOmitted, false);
    const big = `# 큰 문서 🧾\n${'lorem ipsum dolor sit amet '.repeat(4000)}`; // ~108,000 characters
    for (let i = 0; i < 3; i++) assert.equal((await s.api('POST', `/api/tasks${q()}`, { title: `big ${i}`, details: big })).status, 201);
    const r = await list();
    assert.equal(r.body.detailsOmitted, true);
    const all = r.body.tasks.flatMap((t: any) => [t, ...t.subtasks]);
    assert.ok(all.every((t: any) => t.details === ''));
    const one = await s.api('GET', `/api/tasks/5${q()}`);
    assert.equal(one.body.details, big);
    assert.ok(Number(r.headers.get('content-length') ?? Buffer.byteLength(JSON.stringify(r.body))) < 100_000);
  });
});
