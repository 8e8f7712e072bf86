// The real Claude Code CLI, offline against the scripted fake model, using AreYouJ's task tools: the instance is
// started by the server with its own --mcp-config, the model answers with a tool_use of mcp__areyouj-tasks__update_task,
// the CLI calls our MCP endpoint with the instance's secret, and the board's SSE stream carries task.updated.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { defaultScript, startFakeAnthropic, type FakeAnthropic, type FakeScript } from '../fakes/anthropic-api.js';
import { CLAUDE_CLI, offlineClaudeEnv } from '../fakes/claude-offline.js';
import { fixtureProject, startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';
import { waitStatus } from '../helpers/instances.js';
import { MCP_SERVER_NAME } from '../../src/server/integrations/claude/launch.js';

const skip = !fs.existsSync(CLAUDE_CLI) && 'claude CLI not installed';
const TOOL = `mcp__${MCP_SERVER_NAME}__update_task`;

/**
 * "mcp: <tool> <json input>" → a tool_use of that task tool, as a model would make it: Claude Code defers MCP tools
 * (their schemas are loaded on demand), so when the tool is not offered yet, first ToolSearch "select:<name>", then the
 * tool itself; a tool's result → a text reply quoting it.
 */
const script: FakeScript = (req) => {
  if (!req.main) return defaultScript(req);
  const msgs: any[] = req.body?.messages ?? [];
  const prompt = msgs.filter((m) => m.role === 'user').map((m) => (typeof m.content === 'string' ? m.content
    : (m.content ?? []).map((b: any) => (b.type === 'text' ? b.text : '')).join('\n'))).reverse().find((t) => /mcp: \w+ \{/.test(t));
  const plan = msgs.filter((x) => x.role === 'user').map((x) => (typeof x.content === 'string' ? x.content
    : (x.content ?? []).map((b: any) => (b.type === 'text' ? b.text : '')).join('\n'))).find((t) => t.includes('## The PRD'));
  if (plan) return planReply(req, msgs, plan);
  const m = prompt && /mcp: (\w+) (\{.*\})/s.exec(prompt);
  if (!m) return defaultScript(req);
  const name = `mcp__${MCP_SERVER_NAME}__${m[1]}`;
  const offered = (req.body?.tools ?? []).some((t: { name?: string }) => t?.name === name);
  const calls = msgs.filter((x) => x.role === 'assistant' && Array.isArray(x.content)).flatMap((x) => x.content)
    .filter((b: any) => b.type === 'tool_use').map((b: any) => b.name as string);
  if (req.toolResult && calls.at(-1) === name) {
    return { text: `Tool result: ${req.toolResult.isError ? 'ERROR ' : ''}${req.toolResult.content.replace(/\s+/g, ' ').slice(0, 300)}` };
  }
  if (offered && !calls.includes(name)) return { toolUse: { name, input: JSON.parse(m[2]) }, text: 'Updating the task.' };
  if (!calls.includes('ToolSearch') && (req.body?.tools ?? []).some((t: { name?: string }) => t?.name === 'ToolSearch')) {
    return { toolUse: { name: 'ToolSearch', input: { query: `select:${name}`, max_results: 1 } } };
  }
  return { text: `The tool ${name} is not available.` };
};

/** A plan: one create_task per "- " line of the PRD, in order (loading the tool with ToolSearch first), then a summary. */
function planReply(req: Parameters<FakeScript>[0], msgs: any[], plan: string) {
  const name = `mcp__${MCP_SERVER_NAME}__create_task`;
  const titles = plan.slice(plan.indexOf('## The PRD')).split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2).trim());
  const calls = msgs.filter((x) => x.role === 'assistant' && Array.isArray(x.content)).flatMap((x) => x.content).filter((b: any) => b.type === 'tool_use');
  const made = calls.filter((b: any) => b.name === name).length;
  if (!(req.body?.tools ?? []).some((t: { name?: string }) => t?.name === name)) {
    return { toolUse: { name: 'ToolSearch', input: { query: `select:${name}`, max_results: 1 } } };
  }
  if (made < titles.length) return { toolUse: { name, input: { title: titles[made], priority: made === 0 ? 'high' : 'medium', ...(made ? { dependencies: ['1'] } : {}) } } };
  return { text: `Planned ${made} tasks.` };
}

describe('Claude Code uses the task tools', { skip, timeout: 180_000 }, () => {
  let s: TestServer;
  let api: FakeAnthropic;
  let sse: SseClient;
  before(async () => {
    api = await startFakeAnthropic({ script });
    s = await startTestServer();
    sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
  });
  after(async () => { await s?.close(); await api?.close(); sse?.close(); });

  test('a tool_use of update_task sets the linked task in-progress; the board hears task.updated', async () => {
    const proj = fixtureProject();
    const configDir = tempDir('ayj-claude-cfg-');
    const agent = await s.api('POST', '/api/agents', {
      name: 'claude-mcp', projectPath: proj, kind: 'claude', command: CLAUDE_CLI,
      // The task tools are allowed up front here, as a user would (the dialog path is covered by claude-server.test.ts).
      args: ['--permission-mode', 'default', '--allowedTools', `mcp__${MCP_SERVER_NAME}`],
      env: offlineClaudeEnv({ apiUrl: api.url, configDir, project: proj }),
    });
    assert.equal(agent.status, 201, JSON.stringify(agent.body));
    const inst = await s.api('POST', `/api/agents/${agent.body.id}/instances`, { cols: 120, rows: 40, taskId: '2' });
    assert.equal(inst.status, 201, JSON.stringify(inst.body));
    const id: string = inst.body.id;
    await waitStatus(sse, id, 'idle');

    // The per-instance MCP config: owner-only, under the home's docs/run, naming our endpoint and no other secret.
    const file = path.join(s.home, 'docs', 'run', 'claude', id, 'mcp.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8')).mcpServers[MCP_SERVER_NAME];
    assert.equal(cfg.url, `${s.url}/api/mcp/${id}`);
    assert.match(cfg.headers.Authorization, /^Bearer [\w-]{40,}$/);
    assert.ok(!fs.existsSync(path.join(configDir, '.claude', 'settings.json')), 'the user\'s own config is not written');

    const from = sse.events.length;
    const r = await s.api('POST', `/api/instances/${id}/messages`, { content: 'mcp: update_task {"id":"2","status":"in-progress","notes":"picked up by Claude"}' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const ev = await sse.waitFor((e) => sse.events.indexOf(e) >= from && e.event === 'task.updated' && e.data.task.id === '2', 60_000, 'task.updated from the tool');
    assert.equal(ev.data.project, proj);
    assert.equal(ev.data.task.status, 'in-progress');
    assert.equal(ev.data.task.notes, 'picked up by Claude');

    // The model saw the tool with our schema, and got the task back as the tool's result.
    const offered = api.mainRequests().flatMap((q) => q.body.tools ?? []).find((t: { name: string }) => t.name === TOOL);
    assert.ok(offered, 'the CLI offered the task tool to the model');
    assert.deepEqual(offered.input_schema.properties.status.enum, ['pending', 'in-progress', 'done']);
    const reply = await sse.waitFor((e) => e.event === 'message.created' && e.data.message.instanceId === id && e.data.message.content.startsWith('Tool result:'), 60_000, 'the reply');
    assert.match(reply.data.message.content, /"status": "in-progress"/);
    assert.doesNotMatch(reply.data.message.content, /ERROR/);
    const board = await s.api('GET', `/api/tasks/2?project=${encodeURIComponent(proj)}`);
    assert.equal(board.body.status, 'in-progress');
    await s.api('POST', `/api/instances/${id}/terminate`);
  });

  test('plan with an agent: a PRD becomes tasks through create_task; the board hears each', async () => {
    const proj = tempDir('ayj-plan-proj-');
    const configDir = tempDir('ayj-claude-cfg-');
    const agent = await s.api('POST', '/api/agents', {
      name: 'claude-planner', projectPath: proj, kind: 'claude', command: CLAUDE_CLI,
      args: ['--permission-mode', 'default', '--allowedTools', `mcp__${MCP_SERVER_NAME}`],
      env: offlineClaudeEnv({ apiUrl: api.url, configDir, project: proj }),
    });
    assert.equal(agent.status, 201, JSON.stringify(agent.body));
    const from = sse.events.length;
    const r = await s.api('POST', '/api/projects/plan', { project: proj, agentId: agent.body.id, kind: 'prd', text: '# Shop\n- 상품 목록 API\n- Cart 🛒' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    for (const id of ['1', '2']) {
      await sse.waitFor((e) => sse.events.indexOf(e) >= from && e.event === 'task.created' && e.data.project === proj && e.data.task.id === id, 60_000, `task ${id}`);
    }
    await sse.waitFor((e) => e.event === 'message.created' && e.data.message.instanceId === r.body.id && e.data.message.content === 'Planned 2 tasks.', 60_000, 'the summary');
    const board = (await s.api('GET', `/api/tasks?project=${encodeURIComponent(proj)}`)).body;
    assert.deepEqual(board.tasks.map((t: any) => [t.id, t.title, t.status, t.dependencies]), [['1', '상품 목록 API', 'pending', []], ['2', 'Cart 🛒', 'pending', ['1']]]);
    await s.api('POST', `/api/instances/${r.body.id}/terminate`);
  });
});
