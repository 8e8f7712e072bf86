// The task tools through the MCP SDK's own client: over Streamable HTTP against a real server (per-instance secret),
// and over stdio against `areyouj mcp --project DIR` (a real child process writing tasks.db, seen by the server's
// watcher). Every tool with good and bad input; the board's events arrive.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpAccess } from '../../src/server/mcp/access.js';
import { fixtureProject, startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';
import { FAKE_AGENT, waitStatus } from '../helpers/instances.js';

const MAIN = path.resolve(import.meta.dirname, '../../src/server/main.ts');

type ToolResult = { isError?: boolean; content: { type: string; text: string }[] };
const textOf = (r: ToolResult) => r.content.map((c) => c.text).join('\n');
const json = (r: ToolResult) => { assert.ok(!r.isError, `tool failed: ${textOf(r)}`); return JSON.parse(textOf(r)); };

async function call(c: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return await c.callTool({ name, arguments: args }) as ToolResult;
}

/** A bad call is a tool result with isError and a message saying what is wrong (not a dropped connection). */
async function bad(c: Client, name: string, args: Record<string, unknown>, re: RegExp) {
  const r = await call(c, name, args);
  assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail, got ${textOf(r)}`);
  assert.match(textOf(r), re);
}

function httpClient(url: string, secret: string | null) {
  const client = new Client({ name: 'test', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url), secret ? { requestInit: { headers: { Authorization: `Bearer ${secret}` } } } : undefined);
  return { client, connect: () => client.connect(transport) };
}

describe('MCP task tools over HTTP (per-instance secret)', () => {
  let s: TestServer;
  let project: string;
  let sse: SseClient;
  let inst: { id: string };
  let other: { id: string };
  let c: Client;
  const url = (id: string) => `${s.url}/api/mcp/${id}`;
  before(async () => {
    s = await startTestServer({ token: 'server-token' });
    project = fixtureProject();
    const auth = { authorization: 'Bearer server-token' };
    sse = new SseClient(`${s.url}/api/events`, auth);
    await sse.ready;
    const api = (m: string, u: string, b?: unknown) => s.api(m, u, b, auth);
    const agent = (await api('POST', '/api/agents', { name: 'fake', projectPath: project, kind: 'generic', command: process.execPath, args: [FAKE_AGENT] })).body;
    const a2 = (await api('POST', '/api/agents', { name: 'other', projectPath: tempDir(), kind: 'generic', command: process.execPath, args: [FAKE_AGENT] })).body;
    inst = (await api('POST', `/api/agents/${agent.id}/instances`, { taskId: '2' })).body;
    other = (await api('POST', `/api/agents/${a2.id}/instances`, {})).body;
    await waitStatus(sse, inst.id, 'idle');
    const h = httpClient(url(inst.id), new McpAccess(path.join(s.home, 'docs', 'run')).secret(inst.id));
    c = h.client;
    await h.connect();
  });
  after(async () => { await c?.close(); sse.close(); await s.close(); });

  test('only the instance\'s own secret opens its tools: none, wrong, another instance\'s, the server token, an unknown id', async () => {
    const access = new McpAccess(path.join(s.home, 'docs', 'run'));
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const post = (id: string, auth?: string) => fetch(url(id), {
      method: 'POST', body: JSON.stringify(init),
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(auth ? { authorization: auth } : {}) },
    });
    for (const [id, auth] of [[inst.id, undefined], [inst.id, 'Bearer nope'], [inst.id, `Bearer ${access.secret(other.id)}`],
      [inst.id, `Bearer ${s.token()}`], ['no-such-instance', `Bearer ${access.secret('no-such-instance')}`]] as const) {
      const r = await post(id, auth);
      assert.equal(r.status, 401, `${id} ${auth}`);
      assert.equal((await r.json()).error.code, 'unauthorized');
    }
    // A browser's session cookie opens nothing either (the user's login is not an agent's).
    const login = await fetch(`${s.url}/?token=${encodeURIComponent(s.token())}`, { redirect: 'manual' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    assert.match(cookie, /^areyouj_session_\d+=./);
    assert.equal((await s.api('GET', '/api/info', undefined, { authorization: '', cookie })).status, 200, 'the cookie is a valid session');
    const withCookie = await fetch(url(inst.id), {
      method: 'POST', body: JSON.stringify(init), headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', cookie },
    });
    assert.equal(withCookie.status, 401);
    assert.equal((await post(inst.id, `Bearer ${access.secret(inst.id)}`)).status, 200);
  });

  test('the server describes itself with the project and the linked task; five tools', async () => {
    const instructions = c.getInstructions() ?? '';
    assert.match(instructions, new RegExp(project.replace(/[/.]/g, '\\$&')));
    assert.match(instructions, /task #2: "/);
    const { tools } = await c.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['add_subtask', 'create_task', 'get_task', 'list_tasks', 'update_task']);
    assert.match(tools.find((t) => t.name === 'update_task')!.description!, /Your task is #2/);
    // The input schemas are the REST API's: status is the enum, unknown keys are refused.
    const schema = tools.find((t) => t.name === 'update_task')!.inputSchema as any;
    assert.deepEqual(schema.properties.status.enum, ['pending', 'in-progress', 'done']);
    assert.equal(schema.additionalProperties, false);
  });

  test('list_tasks: all, by status, priority, words, parent, top-level only, limit; bad filters refused', async () => {
    const all = json(await call(c, 'list_tasks', {}));
    assert.equal(all.total, 24);
    assert.deepEqual(all.tasks.slice(0, 3).map((t: any) => t.id), ['1', '1.1', '1.2']);
    assert.deepEqual(all.tasks[0].subtasks, { total: 5, done: 0 });
    const top = json(await call(c, 'list_tasks', { includeSubtasks: false }));
    assert.deepEqual(top.tasks.map((t: any) => t.id), ['1', '2', '3', '4']);
    const subs = json(await call(c, 'list_tasks', { parentId: '3' }));
    assert.deepEqual(subs.tasks.map((t: any) => t.id), ['3.1', '3.2', '3.3', '3.4', '3.5']);
    const high = json(await call(c, 'list_tasks', { priority: 'high' }));
    assert.ok(high.total > 0 && high.tasks.every((t: any) => t.priority === 'high'));
    const limited = json(await call(c, 'list_tasks', { limit: 2 }));
    assert.equal(limited.shown, 2);
    assert.equal(limited.total, 24);
    const first = all.tasks[0];
    const word = first.title.split(/\s+/).find((w: string) => w.length > 3);
    const found = json(await call(c, 'list_tasks', { query: word.toUpperCase() }));
    assert.ok(found.tasks.some((t: any) => t.id === first.id));
    assert.equal(json(await call(c, 'list_tasks', { query: 'zzzz-no-such-words' })).total, 0);
    await bad(c, 'list_tasks', { status: 'started' }, /status/);
    await bad(c, 'list_tasks', { limit: 0 }, /limit/);
    await bad(c, 'list_tasks', { colour: 'red' }, /colour|unrecognized/i);
    await bad(c, 'list_tasks', { parentId: '99' }, /task "99" does not exist/);
  });

  test('get_task: the task with its subtasks, dependencies (with titles) and dependents; unknown and malformed ids refused', async () => {
    const t3 = json(await call(c, 'get_task', { id: '3' }));
    assert.equal(t3.id, '3');
    assert.deepEqual(t3.dependencies.map((d: any) => d.id), ['1', '2']);
    assert.ok(t3.dependencies.every((d: any) => typeof d.title === 'string' && d.status === 'pending'));
    assert.deepEqual(t3.subtasks.map((x: any) => x.id), ['3.1', '3.2', '3.3', '3.4', '3.5']);
    assert.equal(typeof t3.details, 'string');
    const t1 = json(await call(c, 'get_task', { id: '1' }));
    assert.ok(t1.dependents.some((d: any) => d.id === '3'));
    const sub = json(await call(c, 'get_task', { id: '3.2' }));
    assert.deepEqual(sub.parent, { id: '3', title: t3.title, status: 'pending' });
    await bad(c, 'get_task', { id: '99' }, /task "99" does not exist/);
    await bad(c, 'get_task', { id: 'abc' }, /"N" or "N.M"/);
    await bad(c, 'get_task', {}, /id/);
  });

  test('create_task and add_subtask: ids assigned, events published; bad input refused and nothing written', async () => {
    const t = json(await call(c, 'create_task', { title: '작업 MCP 🧪', priority: 'high', dependencies: ['1'], details: '# plan' }));
    assert.equal(t.id, '5');
    assert.deepEqual(t.dependencies, ['1']);
    await sse.waitFor((e) => e.event === 'task.created' && e.data.project === project && e.data.task.id === '5');
    const sub = json(await call(c, 'add_subtask', { parentId: '5', title: 'first step' }));
    assert.equal(sub.id, '5.1');
    assert.equal(sub.parentId, '5');
    await sse.waitFor((e) => e.event === 'task.created' && e.data.task.id === '5.1');
    await bad(c, 'create_task', { title: '   ' }, /title must not be empty/);
    await bad(c, 'create_task', { title: 'x', dependencies: ['77'] }, /do not exist: 77/);
    await bad(c, 'create_task', { title: 'x', status: 'started' }, /status/);
    await bad(c, 'create_task', { title: 'x', id: '9' }, /id|unrecognized/i);
    await bad(c, 'add_subtask', { parentId: '5.1', title: 'too deep' }, /one level only/);
    await bad(c, 'add_subtask', { parentId: '42', title: 'orphan' }, /parent task "42" does not exist/);
    await bad(c, 'add_subtask', { title: 'no parent' }, /parentId/);
    const list = (await s.api('GET', `/api/tasks?project=${encodeURIComponent(project)}`, undefined, { authorization: 'Bearer server-token' })).body;
    assert.deepEqual(list.tasks.map((x: any) => x.id), ['1', '2', '3', '4', '5'], 'nothing else was created');
    assert.deepEqual(list.tasks[4].subtasks.map((x: any) => x.id), ['5.1']);
  });

  test('update_task: status, notes, details (the board hears task.updated); cycles, unknown ids and empty patches refused', async () => {
    const t = json(await call(c, 'update_task', { id: '2', status: 'in-progress', notes: 'started by the agent' }));
    assert.equal(t.status, 'in-progress');
    const ev = await sse.waitFor((e) => e.event === 'task.updated' && e.data.task.id === '2' && e.data.task.status === 'in-progress');
    assert.equal(ev.data.project, project);
    assert.equal(ev.data.task.notes, 'started by the agent');
    assert.equal(json(await call(c, 'update_task', { id: '2', details: '## done\n- a' })).details, '## done\n- a');
    await bad(c, 'update_task', { id: '1', dependencies: ['3'] }, /cycle: 1 → 3 → 1/);
    await bad(c, 'update_task', { id: '98', status: 'done' }, /task "98" does not exist/);
    await bad(c, 'update_task', { id: '2' }, /at least one field/);
    await bad(c, 'update_task', { id: '2', status: 'finished' }, /status/);
    await bad(c, 'update_task', { id: '2', parentId: '1' }, /parentId|unrecognized/i);
    const after = (await s.api('GET', `/api/tasks/1?project=${encodeURIComponent(project)}`, undefined, { authorization: 'Bearer server-token' })).body;
    assert.deepEqual(after.dependencies, [], 'the refused cycle left task 1 as it was');
  });

  test('an ended instance\'s secret opens nothing', async () => {
    const auth = { authorization: 'Bearer server-token' };
    await s.api('POST', `/api/instances/${other.id}/terminate`, undefined, auth);
    const h = httpClient(url(other.id), new McpAccess(path.join(s.home, 'docs', 'run')).secret(other.id));
    await assert.rejects(h.connect(), /401|unauthorized/i);
  });
});

describe('areyouj mcp (stdio)', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  test('a child process serves a project\'s tools over stdio; its writes reach the board as tasks.changed', async () => {
    const project = fixtureProject();
    const sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
    assert.equal((await s.api('GET', `/api/tasks?project=${encodeURIComponent(project)}`)).status, 200); // the board has it open
    const c = new Client({ name: 'test', version: '1' });
    const transport = new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', MAIN, 'mcp', '--project', project], stderr: 'pipe' });
    await c.connect(transport);
    try {
      assert.match(c.getInstructions() ?? '', /task board of the project/);
      const t = json(await call(c, 'update_task', { id: '4', status: 'in-progress' }));
      assert.equal(t.status, 'in-progress');
      await sse.waitFor((e) => e.event === 'tasks.changed' && e.data.project === project, 15_000, 'tasks.changed');
      const r = await s.api('GET', `/api/tasks/4?project=${encodeURIComponent(project)}`);
      assert.equal(r.body.status, 'in-progress');
      await bad(c, 'update_task', { id: '4', dependencies: ['4'] }, /cycle/);
      const created = json(await call(c, 'create_task', { title: 'from stdio', dependencies: ['4'] }));
      assert.equal(created.id, '5');
    } finally {
      await c.close();
      sse.close();
    }
  });

  test('a project that is not a directory is a usage error with a message', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'mcp', '--project', '/no/such/dir'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not an existing directory/);
    assert.equal(r.stdout, '');
  });
});
