// "Plan with an agent": POST /api/projects/plan starts an instance in the project whose first message is the plan
// template (docs/templates/*.md under the home, created on first use, never overwritten) filled with the PRD or goal.
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { FAKE_AGENT } from '../helpers/instances.js';
import { DEFAULT_TEMPLATES } from '../../src/server/projects/plan.js';

describe('plan with an agent', () => {
  let s: TestServer;
  let agentId: string;
  const project = tempDir('areyouj-plan-');
  before(async () => {
    s = await startTestServer();
    agentId = (await s.api('POST', '/api/agents', { name: 'planner', projectPath: tempDir(), kind: 'generic', command: process.execPath, args: [FAKE_AGENT] })).body.id;
  });
  after(async () => { await s.close(); });

  const firstMessage = async (id: string) => {
    const r = (await s.api('GET', `/api/instances/${id}/messages?limit=10`)).body;
    return (Array.isArray(r) ? r : r.messages)[0];
  };

  test('a PRD: the template is written once under the home and filled; the instance works in the project', async () => {
    const r = await s.api('POST', '/api/projects/plan', { project, agentId, kind: 'prd', text: '# 쇼핑몰 PRD 🛒\n- products {{project}}\n- cart' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.projectPath, project);
    const file = path.join(s.home, 'docs', 'templates', 'plan-from-prd.md');
    assert.equal(fs.readFileSync(file, 'utf8'), DEFAULT_TEMPLATES['plan-from-prd.md']);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'owner-only');
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    const m = await firstMessage(r.body.id);
    assert.match(m.content, /^# Turn a PRD into tasks/);
    assert.ok(m.content.includes(`the project at ${project}`));
    assert.ok(m.content.includes('# 쇼핑몰 PRD 🛒\n- products {{project}}\n- cart'), 'the input as given: its own placeholders are not filled');
    assert.match(m.content, /areyouj-tasks MCP tools \(list_tasks/);
    await s.api('POST', `/api/instances/${r.body.id}/terminate`);
  });

  test('an edited template is used as it is and never overwritten; a goal uses its own', async () => {
    const file = path.join(s.home, 'docs', 'templates', 'plan-from-prd.md');
    fs.writeFileSync(file, 'MY TEMPLATE for {{project}}:\n{{input}}\n');
    const r = await s.api('POST', '/api/projects/plan', { project, agentId, kind: 'prd', text: 'ship it' });
    assert.equal(r.status, 201);
    assert.equal((await firstMessage(r.body.id)).content, `MY TEMPLATE for ${project}:\nship it\n`);
    assert.equal(fs.readFileSync(file, 'utf8'), 'MY TEMPLATE for {{project}}:\n{{input}}\n');
    await s.api('POST', `/api/instances/${r.body.id}/terminate`);
    const g = await s.api('POST', '/api/projects/plan', { project, agentId, kind: 'goal', text: 'a dark mode' });
    assert.match((await firstMessage(g.body.id)).content, /^# Turn a goal into tasks[\s\S]*docs\/prd\.md[\s\S]*a dark mode/);
    await s.api('POST', `/api/instances/${g.body.id}/terminate`);
  });

  test('bad requests: empty text, unknown kind or agent, a project that is not a folder', async () => {
    for (const [body, status, re] of [
      [{ project, agentId, kind: 'prd', text: '   ' }, 400, /write the PRD/],
      [{ project, agentId, kind: 'essay', text: 'x' }, 400, /kind/],
      [{ project, agentId: 'nope', kind: 'prd', text: 'x' }, 404, /agent "nope" does not exist/],
      [{ project: '/no/such/dir', agentId, kind: 'prd', text: 'x' }, 400, /not an existing directory/],
    ] as const) {
      const r = await s.api('POST', '/api/projects/plan', body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.match(r.body.error.message, re);
    }
  });
});
