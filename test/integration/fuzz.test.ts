// A bounded fuzz sweep of every route (read from the server's route tree): 10,000 requests from a fixed seed, with every
// method, real and junk ids, odd paths, repeated and malformed query parameters, malformed JSON, wrong types, huge
// values and mutated valid bodies. Whatever it sends, the server answers with a 4xx (or a 2xx), never a 5xx, never
// hangs, and keeps answering. The server is a child process with a PATH that holds no agent program but `cat`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startChildServer, tempDir, type ChildServer } from '../../bench/lib/server.js';
import { routesOf, type Route } from '../helpers/routes.js';
import { startTestServer } from '../helpers/server.js';

const REQUESTS = 10_000;
const SEED = 0x15_15;
const CONCURRENCY = 8;

/** mulberry32: a small PRNG with a fixed seed, so that a failure is reproducible. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T,>(xs: readonly T[]): T => xs[int(xs.length)], chance: (p: number) => next() < p };
}

describe('fuzz sweep', { timeout: 300_000 }, () => {
  let s: ChildServer;
  let routes: Route[];
  const ids: Record<string, string[]> = { agent: [], instance: [], message: [], task: ['1', '1.1', '2'] };
  let project: string;

  before(async () => {
    const probe = await startTestServer(); // the route tree, from the server itself
    routes = routesOf(probe.app);
    await probe.close();
    s = await startChildServer({ maxInstances: 3, env: { PATH: '/usr/bin:/bin' } });
    project = tempDir('ayj-fuzz-project-');
    const agent = (await s.api('POST', '/api/agents', { name: 'seed', projectPath: project, kind: 'generic', command: 'cat', settings: { maxConcurrentInstances: 2 } })).body;
    ids.agent.push(agent.id);
    const inst = (await s.api('POST', `/api/agents/${agent.id}/instances`, { prompt: 'hello' })).body;
    ids.instance.push(inst.id);
    ids.message.push(String((await s.api('GET', `/api/instances/${inst.id}/messages`)).body[0]?.id ?? 1));
    await s.api('POST', `/api/tasks?project=${encodeURIComponent(project)}`, { title: 'seed task' });
  });
  after(async () => { await s?.close(); });

  test(`${REQUESTS.toLocaleString('en')} requests from seed ${SEED}: no 5xx, no hang, the server still answers`, async () => {
    const r = prng(SEED);
    const junk = ['', 'x', '..', '.', '%2e%2e', '%2E%2E%2F', '%00', '%ff', '%', '%zz', '😀', 'a'.repeat(600), '../../etc/passwd', '-1', '0',
      '1.1.1', '9'.repeat(30), 'null', '__proto__', 'constructor', 'toString', ' ', '%20', 'a/b', 'a%2Fb', '*', '\'"<>', '%0d%0aX:1'];
    const values: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, '', 'x', 'claude', 'generic', 'idle', 'deny', 'allow', 'y',
      '😀'.repeat(50), 'x'.repeat(5000), [], [1, 'a', null], {}, { a: { b: { c: [] } } }, { __proto__: { polluted: true } }, '__proto__',
      '/nonexistent/dir', 'relative/dir', project, '/', '#zzzzzz', '#12ab3C', 'cat', 'true', 'nonexistent-program-x'];
    const queryNames = ['project', 'status', 'agentId', 'path', 'hidden', 'lastEventId', 'offset', 'limit', 'after', 'token', '__proto__', 'constructor', 'a[b]', ''];
    // Values of query parameters: never a real directory outside the temp ones (a task write must not create /docs/tasks.db).
    const queryValues = () => r.pick([project, '/nonexistent', 'relative', '', '-1', '0', '1', '10000000000000000000', '1.5', 'idle', 'idle,active',
      'bogus,,', '%zz', '%', '😀', 'x'.repeat(r.chance(0.1) ? 20_000 : 50), '/proc/self', '/dev', '/etc', '..', 'true', '1e3']);
    const validBodies: Record<string, () => Record<string, unknown>> = {
      'POST /api/agents': () => ({ name: `f${r.int(1e6)}`, projectPath: project, kind: r.pick(['generic', 'claude']), command: r.pick(['cat', 'nonexistent-program-x']),
        args: [], env: { A: 'b' }, settings: { maxConcurrentInstances: 1, quietMs: 100, idlePatterns: ['x'], awaitingPatterns: ['\\?'] } }),
      'PUT /api/agents/:id': () => ({ description: 'd', color: '#123456', settings: { autoStart: false, notifyOnTurnEnd: true } }),
      'POST /api/agents/:id/instances': () => ({ name: 'n', cols: 80, rows: 24, prompt: 'p', projectPath: project, taskId: '1', taskProject: project }),
      'PUT /api/instances/:id': () => ({ name: 'renamed', taskId: '1', taskProject: project }),
      'POST /api/instances/:id/messages': () => ({ content: 'hello', mode: r.pick(['auto', 'now', 'queue']) }),
      'PUT /api/instances/:id/messages/:messageId': () => ({ content: 'edited' }),
      'POST /api/instances/:id/input': () => ({ text: 'abc', keys: ['enter', 'up'] }),
      'POST /api/instances/:id/respond': () => ({ choice: r.pick(['allow', 'deny', 1, 'y']) }),
      'POST /api/tasks': () => ({ title: 't', description: 'd', status: 'pending', priority: 'high', dependencies: ['1'], parentId: '1', details: '# x' }),
      'PUT /api/tasks/:id': () => ({ title: 't2', status: 'done', dependencies: [] }),
    };
    const mutate = (b: Record<string, unknown>): Record<string, unknown> => {
      const keys = Object.keys(b);
      const out = { ...b };
      for (let n = 1 + r.int(3); n > 0; n--) {
        const k = r.chance(0.15) ? r.pick(['extra', '__proto__', 'constructor', 'id', 'status']) : r.pick(keys);
        if (r.chance(0.2)) delete out[k];
        else out[k] = r.chance(0.05) ? 'y'.repeat(r.pick([100_001, 200_001, 300_000])) : r.pick(values);
      }
      return out;
    };
    const pathOf = (route: Route): string => {
      let p = route.path.replace(/:(\w+)/g, (_, name: string) => {
        if (r.chance(0.3)) return encodeURIComponent(r.pick(junk)).replace(/%25/g, r.chance(0.5) ? '%' : '%25');
        const pool = name === 'messageId' ? ids.message : name === 'instanceId' ? ids.instance
          : route.path.startsWith('/api/agents') ? ids.agent : route.path.startsWith('/api/tasks') ? ids.task : ids.instance;
        return pool.length ? r.pick(pool) : 'none';
      });
      if (r.chance(0.05)) p = p.replace('/api/', r.pick(['/api//', '/API/', '/api/./', '/api/../api/', '/api/%2e/']));
      if (r.chance(0.05)) p += r.pick(['/', '/..', '/x', '%00', '?', '#frag', '/%2e%2e%2f%2e%2e']);
      return p;
    };
    const queryOf = (): string => {
      const parts: string[] = [];
      for (let n = r.chance(0.5) ? r.int(4) : 0; n > 0; n--) {
        const name = r.pick(queryNames);
        const v = encodeURIComponent(queryValues());
        parts.push(`${encodeURIComponent(name)}=${r.chance(0.05) ? v.replace(/%25/g, '%') : v}`);
        if (r.chance(0.1)) parts.push(`${encodeURIComponent(name)}=${v}`); // repeated
      }
      if (r.chance(0.02)) parts.push('&&=&a&=b');
      return parts.length ? `?${parts.join('&')}` : '';
    };
    const bodyOf = (key: string): string | Buffer | undefined => {
      const roll = r.next();
      if (roll < 0.45 && validBodies[key]) return JSON.stringify(r.chance(0.3) ? validBodies[key]() : mutate(validBodies[key]()));
      if (roll < 0.6) return r.pick(['{', '{"a":}', '[', 'nul', 'NaN', 'undefined', '{"a":1}}', '\u0000', '{"a":"\\u00"}', '"unterminated', '{"__proto__":{"x":1}}', '']);
      if (roll < 0.62) return Buffer.alloc(r.pick([1_048_577, 1_200_000]), 0x61); // over the body limit
      if (roll < 0.65) return JSON.stringify({ content: 'z'.repeat(r.pick([199_999, 200_001])), title: 'z'.repeat(r.pick([200, 100_000])) });
      if (roll < 0.7) return JSON.stringify(Array.from({ length: r.int(5000) }, () => r.pick(values)));
      if (roll < 0.72) return `${'['.repeat(5000)}${']'.repeat(5000)}`; // deep nesting
      return JSON.stringify(r.pick(values));
    };

    const statuses = new Map<number | string, number>();
    const fives: string[] = [];
    const problems: string[] = [];
    const send = (method: string, url: string, headers: Record<string, string>, body: string | Buffer | undefined) =>
      new Promise<number | string>((resolve) => {
        // A connection per request (no pool), so that whatever happens to one is that request's doing.
        const req = http.request(s.url + url, { method, headers, agent: false, timeout: 30_000 }, (res) => {
          if (String(res.headers['content-type']).startsWith('text/event-stream')) { res.destroy(); return resolve(res.statusCode!); }
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
          res.on('error', () => resolve(res.statusCode!));
        });
        req.on('timeout', () => { req.destroy(); resolve('timeout'); });
        req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        req.end(body);
      });

    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const n = next++;
        const route = r.pick(routes);
        const method = r.chance(0.75) ? route.method : r.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
        const url = pathOf(route) + queryOf();
        const key = `${method} ${route.path}`;
        const body = ['GET', 'HEAD'].includes(method) && !r.chance(0.05) ? undefined : bodyOf(key);
        const headers: Record<string, string> = {};
        if (!r.chance(0.05)) Object.assign(headers, s.headers());
        if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body)); // framed, whatever the method
        if (body !== undefined) headers['content-type'] = r.chance(0.85) ? 'application/json' : r.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', '']);
        if (r.chance(0.03)) headers['last-event-id'] = r.pick(['-1', 'x', '99999999999999999999', '']);
        if (r.chance(0.02)) headers.origin = r.pick(['null', 'http://evil.example', s.url]);
        const st = await send(method, url, headers, body);
        statuses.set(st, (statuses.get(st) ?? 0) + 1);
        if (typeof st === 'number' && st >= 500) fives.push(`#${n} ${method} ${url.slice(0, 160)} → ${st}`);
        // An oversized request (a body over the 1 MiB limit, headers over Node's 16 KiB) is answered (413, 431) and its
        // connection closed before the client has sent it all: a reset or a parse error at the client is that race.
        // Anything else that is not an HTTP answer (a timeout above all) is a problem.
        const oversized = (body !== undefined && Buffer.byteLength(body) > 1_048_576) || url.length > 16_000;
        if (typeof st === 'string' && !(oversized && st !== 'timeout')) {
          problems.push(`#${n} ${method} ${url.slice(0, 160)} [${body === undefined ? 'no body' : `${Buffer.byteLength(body)} B`}] → ${st}`);
        }
      }
    }));
    const secs = (performance.now() - t0) / 1000;
    const histogram = [...statuses.entries()].sort((a, b) => String(a[0]).localeCompare(String(b[0]))).map(([k, v]) => `${k}: ${v}`).join(', ');
    console.log(`[fuzz] ${REQUESTS.toLocaleString('en')} requests over ${routes.length} routes (seed ${SEED}) in ${secs.toFixed(1)} s: ${histogram}`);
    assert.deepEqual(fives, [], 'no 5xx');
    assert.deepEqual(problems, [], 'no timeout, no broken connection');
    assert.equal((await s.api('GET', '/api/info')).status, 200, 'still answering');
    assert.ok(!/internal error/.test(s.stderr()), `no internal error logged:\n${s.stderr().slice(-2000)}`);
  });
});
