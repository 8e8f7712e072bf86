import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { WebSocket } from 'ws';
import { runDirOf } from '../../src/server/auth/files.js';
import { ensureToken } from '../../src/server/auth/token.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

/** A raw request, so that Host and Origin can be set freely. */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('secure by default', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  test('binds to loopback by default', () => {
    const addr = s.app.server.address() as { address: string };
    assert.equal(addr.address, '127.0.0.1');
  });

  test('foreign Host headers are 403 (DNS rebinding)', async () => {
    const port = s.config.port;
    for (const host of ['evil.example:' + port, 'localhost:1', '127.0.0.1']) {
      const r = await raw(`${s.url}/api/agents`, { headers: { ...s.headers(), host } });
      assert.equal(r.status, 403, host);
      assert.equal(JSON.parse(r.body).error.code, 'forbidden_host');
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      assert.equal((await raw(`${s.url}/api/agents`, { headers: { ...s.headers(), host } })).status, 200, host);
    }
  });

  test('cross-origin requests are 403, same-origin ones pass', async () => {
    const evil = await s.api('POST', '/api/agents', { name: 'x', projectPath: s.home }, { origin: 'http://evil.example' });
    assert.equal(evil.status, 403);
    assert.equal(evil.body.error.code, 'forbidden_origin');
    assert.equal((await s.api('GET', '/api/agents', undefined, { origin: 'null' })).status, 403);
    assert.equal((await s.api('GET', '/api/events', undefined, { origin: 'http://evil.example' })).status, 403);
    assert.equal((await s.api('GET', '/api/agents', undefined, { origin: s.url })).status, 200);
  });

  test('a cross-origin WebSocket upgrade is refused', async () => {
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/instances/x/terminal`, { headers: { ...s.headers(), origin: 'http://evil.example' } });
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!)));
    assert.equal(status, 403);
  });

  test('malformed input never gives a 500', async () => {
    const cases: [string, string, string | undefined, Record<string, string>, number][] = [
      ['POST', '/api/agents', '{"name":', { 'content-type': 'application/json' }, 400],
      ['POST', '/api/agents', '[]', { 'content-type': 'application/json' }, 400],
      ['POST', '/api/agents', '"str"', { 'content-type': 'application/json' }, 400],
      ['POST', '/api/agents', 'null', { 'content-type': 'application/json' }, 400],
      ['POST', '/api/agents', '{"name":1,"projectPath":[]}', { 'content-type': 'application/json' }, 400],
      ['POST', '/api/agents', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }, 415],
      ['POST', '/api/tasks', `{"title":"${'x'.repeat(1_100_000)}"}`, { 'content-type': 'application/json' }, 413],
      ['GET', '/api/tasks/..%2F..%2Fetc%2Fpasswd', undefined, {}, 404],
      ['GET', `/api/tasks?project=${encodeURIComponent('\u0000')}`, undefined, {}, 400],
      ['GET', '/api/instances/%00/messages', undefined, {}, 404],
      ['PUT', '/api/tasks/1', '{"title":{"$gt":""}}', { 'content-type': 'application/json' }, 400],
      ['GET', '/api/nothing-here', undefined, {}, 404],
    ];
    for (const [method, url, body, headers, want] of cases) {
      const r = await raw(s.url + url, { method, headers: { ...s.headers(), ...headers }, body });
      assert.equal(r.status, want, `${method} ${url.slice(0, 60)} → ${r.status} ${r.body.slice(0, 200)}`);
      assert.ok(JSON.parse(r.body).error.code, 'a JSON error body');
    }
    assert.equal((await s.api('GET', '/api/info')).status, 200, 'still up');
  });
});

describe('a --token override', () => {
  let s: TestServer;
  let home: string;
  before(async () => {
    const dir = tempDir();
    home = ensureToken(runDirOf(dir));
    s = await startTestServer({ home: dir, token: 'sekret-token-123' });
  });
  after(async () => { await s.close(); });

  test('is the token for this run: the home\'s own is refused, the override logs in', async () => {
    assert.equal((await s.api('GET', '/api/agents', undefined, { authorization: `Bearer ${home}` })).status, 401);
    assert.equal((await s.api('GET', '/api/agents', undefined, { authorization: 'Bearer sekret-token-123' })).status, 200);
    const r = await raw(`${s.url}/?token=sekret-token-123`, {});
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/');
  });
});
