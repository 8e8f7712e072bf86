import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { startTestServer, fixtureProject, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';
import { createAgent, FAKE_AGENT, output, startInstance, statusTrail, TermClient, waitStatus } from '../helpers/instances.js';

/** Running (a zombie waiting for a reaper does not count: it has exited). */
const alive = (pid: number) => {
  try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
};

describe('instances', () => {
  let s: TestServer;
  let sse: SseClient;
  before(async () => {
    s = await startTestServer({ maxInstances: 8 });
    sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
  });
  after(async () => { await s.close(); sse.close(); });
  // Whatever a test leaves running (a failed assertion midway) must not count against the next one's limits.
  afterEach(async () => { await s.manager.stopAll(); });

  test('several instances at once, each with its own output and environment', async () => {
    const a = await createAgent(s, { name: 'shells', command: 'bash', args: ['--norc', '--noprofile'], env: { GREETING: 'hi' }, settings: { maxConcurrentInstances: 3 } });
    const insts = await Promise.all([1, 2, 3].map((n) => startInstance(s, a.id, { name: `sh${n}` })));
    assert.deepEqual(insts.map((i) => i.status), ['starting', 'starting', 'starting']);
    const terms = insts.map((i) => new TermClient(s, i.id));
    await Promise.all(terms.map((t) => t.opened));
    terms.forEach((t, n) => t.send(`echo "$GREETING from $AREYOUJ_INSTANCE_ID n=$((${n} * 111))"\r`));
    await Promise.all(terms.map((t, n) => t.until(() => t.text().includes(`hi from ${insts[n].id} n=${n * 111}`), `instance ${n} output`)));
    for (const [n, t] of terms.entries()) {
      for (const other of [0, 1, 2].filter((x) => x !== n)) assert.ok(!t.text().includes(`n=${other * 111}`), 'no cross-talk');
      t.close();
    }
    assert.match(await output(s, insts[0].id), /hi from .* n=0/);
    const listed = await s.api('GET', `/api/instances?status=starting,idle,active&agentId=${a.id}`);
    assert.deepEqual(listed.body.map((i: any) => i.id).sort(), insts.map((i) => i.id).sort());
    assert.equal((await s.api('GET', '/api/instances?status=sleeping')).status, 400);
    await Promise.all(insts.map((i) => s.api('POST', `/api/instances/${i.id}/terminate`)));
    for (const i of insts) assert.equal((await s.api('GET', `/api/instances/${i.id}`)).body.status, 'terminated');
  });

  test('a whole conversation: states, messages, a question answered through the API, queue order across turns', async () => {
    const a = await createAgent(s, { name: 'fake', command: FAKE_AGENT, args: ['--work-ms', '300', '--bracketed-paste'] });
    // The first task lasts until the test releases it (the fake agent's `hold FILE`), whatever the machine's speed.
    const inst = await startInstance(s, a.id, { prompt: 'hold first-done first task' });
    await waitStatus(sse, inst.id, 'idle'); // the banner and prompt, then the prompt is typed
    await waitStatus(sse, inst.id, 'active', Number((await waitStatus(sse, inst.id, 'idle')).id));
    // While it works on the first task, queue two more; they go in order, one per turn.
    const q1 = await s.api('POST', `/api/instances/${inst.id}/messages`, { content: 'second task' });
    const q2 = await s.api('POST', `/api/instances/${inst.id}/messages`, { content: 'ask before third' });
    assert.equal(q1.body.delivery, 'queued');
    assert.equal(q2.status, 202);
    fs.writeFileSync(`${a.projectPath}/first-done`, '');
    const asked = await waitStatus(sse, inst.id, 'awaiting_input');
    const msgs = (await s.api('GET', `/api/instances/${inst.id}/messages`)).body;
    const question = msgs.find((m: any) => m.requiresUserInput);
    assert.equal(question.kind, 'question');
    assert.match(question.content, /Proceed\? \[y\/N\]/);
    assert.match(question.content, /^\[turn 3\] received: ask before third\n/, 'the question starts after the submitted line');
    assert.ok(!question.content.includes('second task'), 'nothing from the previous turn');
    assert.equal(question.question.type, 'screen');
    assert.deepEqual(question.question.options.map((o: any) => o.key), ['y', 'n']);
    assert.equal((await s.api('POST', `/api/instances/${inst.id}/respond`, { choice: 'maybe' })).body.error.code, 'invalid_choice');
    const listed = (await s.api('GET', `/api/instances/${inst.id}`)).body;
    assert.equal(listed.lastMessage.id, question.id, 'the instance carries its newest message');
    const r = await s.api('POST', `/api/instances/${inst.id}/respond`, { choice: 'y' });
    assert.equal(r.status, 200);
    await waitStatus(sse, inst.id, 'idle', Number(asked.id));
    const out = await output(s, inst.id);
    const order = ['done: hold first-done first task', 'done: second task', 'received: ask before third', 'Proceed? [y/N] y'].map((x) => out.indexOf(x));
    assert.ok(order.every((x) => x >= 0), `all delivered: ${order}`);
    assert.deepEqual([...order].sort((x, y) => x - y), order, 'delivered in order');
    const after = (await s.api('GET', `/api/instances/${inst.id}/messages`)).body;
    assert.deepEqual(after.filter((m: any) => m.senderType === 'user').map((m: any) => [m.content, m.delivery]),
      [['hold first-done first task', 'sent'], ['second task', 'sent'], ['ask before third', 'sent']]);
    assert.equal(after.find((m: any) => m.id === question.id).requiresUserInput, false, 'the answered question is settled');
    const trail = statusTrail(sse, inst.id);
    // The banner is output (active), then the prompt (idle); the first task is typed (active)…
    assert.deepEqual(trail.slice(0, 4), ['active', 'idle', 'active', 'idle']);
    assert.ok(trail.includes('awaiting_input'));
    assert.equal((await s.api('POST', `/api/instances/${inst.id}/respond`, { choice: 'allow' })).status, 409, 'nothing waits now');
    const bye = await s.api('POST', `/api/instances/${inst.id}/messages`, { content: 'exit 0' });
    assert.equal(bye.body.delivery, 'sent');
    const done = await waitStatus(sse, inst.id, 'completed');
    assert.equal(done.data.instance.exitCode, 0);
    assert.equal((await s.api('POST', `/api/instances/${inst.id}/messages`, { content: 'too late' })).status, 409);
  });

  test('queued messages can be edited and cancelled until they are sent; input keys reach the program', async () => {
    const a = await createAgent(s, { name: 'editq', command: FAKE_AGENT, args: ['--work-ms', '100'] });
    const inst = await startInstance(s, a.id);
    await waitStatus(sse, inst.id, 'idle');
    const q = (await s.api('POST', `/api/instances/${inst.id}/messages`, { content: 'draft', mode: 'queue' })).body.message;
    const c = (await s.api('POST', `/api/instances/${inst.id}/messages`, { content: 'never', mode: 'queue' })).body.message;
    assert.equal((await s.api('PUT', `/api/instances/${inst.id}/messages/${q.id}`, { content: 'edited' })).body.content, 'edited');
    assert.equal((await s.api('DELETE', `/api/instances/${inst.id}/messages/${c.id}`)).body.delivery, 'cancelled');
    assert.equal((await s.api('PUT', `/api/instances/${inst.id}/messages/${c.id}`, { content: 'x' })).status, 409);
    assert.equal((await s.api('DELETE', `/api/instances/${inst.id}/messages/999999`)).status, 404);
    const t = new TermClient(s, inst.id);
    await t.opened;
    const keys = await s.api('POST', `/api/instances/${inst.id}/input`, { text: 'echo-env AREYOUJ_URL', keys: ['enter'] });
    assert.equal(keys.status, 200);
    await t.until(() => t.text().includes(`AREYOUJ_URL=${s.url}`), 'the env echo');
    assert.equal((await s.api('POST', `/api/instances/${inst.id}/input`, { keys: ['nope'] })).status, 400);
    assert.equal((await s.api('POST', `/api/instances/${inst.id}/input`, {})).status, 400);
    // The queued message is typed when the program is idle again.
    await t.until(() => t.text().includes('done: edited'), 'the edited message');
    assert.ok(!t.text().includes('never'));
    t.close();
    await s.api('DELETE', `/api/instances/${inst.id}`);
  });

  test('limits: per agent and per server, with the numbers', async () => {
    const a = await createAgent(s, { name: 'one', command: 'bash', settings: { maxConcurrentInstances: 1 } });
    const i1 = await startInstance(s, a.id);
    const r = await s.api('POST', `/api/agents/${a.id}/instances`, {});
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'limit_reached');
    assert.deepEqual(r.body.error.details, { scope: 'agent', running: 1, limit: 1 });
    const many = await createAgent(s, { name: 'many', command: 'bash', settings: { maxConcurrentInstances: 50 } });
    const started = [];
    for (;;) {
      const x = await s.api('POST', `/api/agents/${many.id}/instances`, {});
      if (x.status !== 201) {
        assert.equal(x.status, 409);
        assert.equal(x.body.error.details.scope, 'server');
        assert.equal(x.body.error.details.limit, 8);
        break;
      }
      started.push(x.body.id);
    }
    assert.equal(started.length + 1, 8);
    await Promise.all([i1.id, ...started].map((id) => s.api('DELETE', `/api/instances/${id}`)));
    assert.equal(s.manager.live.size, 0);
  });

  test('exit codes: 0 is completed, non-zero and signals are error; a missing command or directory is error with the reason', async () => {
    const a = await createAgent(s, { name: 'exits', command: 'bash', args: ['-c', 'exit "${CODE:-0}"'], settings: { maxConcurrentInstances: 4 } });
    const ok = await startInstance(s, a.id);
    assert.equal((await waitStatus(sse, ok.id, ['completed', 'error'])).data.instance.status, 'completed');
    await s.api('PUT', `/api/agents/${a.id}`, { env: { CODE: '3' } });
    const bad = await startInstance(s, a.id);
    const e = (await waitStatus(sse, bad.id, ['completed', 'error'])).data.instance;
    assert.equal(e.status, 'error');
    assert.equal(e.exitCode, 3);
    assert.equal(e.statusReason, 'exit code 3');
    await s.api('PUT', `/api/agents/${a.id}`, { args: ['-c', 'kill -KILL $$'] });
    const sig = (await waitStatus(sse, (await startInstance(s, a.id)).id, ['completed', 'error'])).data.instance;
    assert.equal(sig.status, 'error');
    assert.match(sig.statusReason, /signal 9/);
    await s.api('PUT', `/api/agents/${a.id}`, { command: 'definitely-not-a-command-xyz' });
    const missing = await startInstance(s, a.id);
    assert.equal(missing.status, 'error');
    assert.match(missing.statusReason!, /command not found: definitely-not-a-command-xyz/);
    const dir = await s.api('POST', `/api/agents/${a.id}/instances`, { projectPath: '/no/such/dir' });
    assert.equal(dir.status, 400);
    assert.match(dir.body.error.message, /\/no\/such\/dir/);
    assert.equal((await s.api('GET', '/api/info')).status, 200, 'the server is fine');
  });

  test('terminate stops the whole process group, grandchildren included; restart starts a new instance', async () => {
    const a = await createAgent(s, { name: 'tree', command: 'bash', args: ['-c', 'sleep 1000 & sleep 1001 & echo "kids $(jobs -p | tr "\\n" " ")"; wait'] });
    const inst = await startInstance(s, a.id);
    const t = new TermClient(s, inst.id);
    await t.opened;
    await t.until(() => /kids \d+ \d+/.test(t.text()), 'the children pids');
    const kids = /kids (\d+) (\d+)/.exec(t.text())!.slice(1).map(Number);
    assert.ok(kids.every(alive));
    const r = await s.api('POST', `/api/instances/${inst.id}/terminate`);
    assert.equal(r.body.status, 'terminated');
    assert.equal(r.body.statusReason, 'terminated_by_user');
    assert.ok(kids.every((p) => !alive(p)), 'grandchildren are gone');
    assert.equal(t.closed?.code ?? (await new Promise<number>((res) => t.ws.once('close', (c) => res(c)))), 1000);
    const re = await s.api('POST', `/api/instances/${inst.id}/restart`);
    assert.equal(re.status, 201);
    assert.notEqual(re.body.id, inst.id);
    assert.notEqual(re.body.name, inst.name, 'a restart is a new instance with a name of its own');
    assert.match(re.body.name, /^#\d+$/);
    await s.api('DELETE', `/api/instances/${re.body.id}`);
    assert.equal((await s.api('GET', `/api/instances/${re.body.id}`)).status, 404);
  });

  test('an instance started for a task shows on the task', async () => {
    const project = fixtureProject();
    const a = await createAgent(s, { name: 'worker', command: 'bash', projectPath: project });
    const inst = await startInstance(s, a.id, { taskId: '2.3' });
    const list = (await s.api('GET', `/api/tasks?project=${encodeURIComponent(project)}`)).body;
    const t = list.tasks[1].subtasks[2];
    assert.equal(t.id, '2.3');
    assert.deepEqual(t.instances, [{ id: inst.id, agentId: a.id, agentName: 'worker', name: inst.name, status: t.instances[0].status }]);
    assert.equal(t.status, 'pending', "the task's own status is left alone");
    // A running instance can be linked to another task, or unlinked; a missing task is refused.
    const relinked = await s.api('PUT', `/api/instances/${inst.id}`, { taskId: '1', name: 'renamed' });
    assert.equal(relinked.body.taskId, '1');
    assert.equal(relinked.body.taskProject, project);
    assert.equal(relinked.body.name, 'renamed');
    const again = (await s.api('GET', `/api/tasks?project=${encodeURIComponent(project)}`)).body;
    assert.equal(again.tasks[0].instances[0].id, inst.id);
    assert.deepEqual(again.tasks[1].subtasks[2].instances, [], 'a task without instances lists none');
    assert.equal((await s.api('PUT', `/api/instances/${inst.id}`, { taskId: '77' })).body.error.code, 'invalid_task');
    assert.equal((await s.api('POST', `/api/agents/${a.id}/instances`, { taskId: '77' })).status, 400);
    assert.equal((await s.api('PUT', `/api/instances/${inst.id}`, { taskId: null })).body.taskId, null);
    await s.api('DELETE', `/api/instances/${inst.id}`);
  });

  test('the output of an ended instance stays readable with offset and limit; its terminal shows the final screen', async () => {
    const a = await createAgent(s, { name: 'printer', command: 'bash', args: ['-c', 'printf "\\033[31mred\\033[0m line-%s\\n" 1 2 3'] });
    const inst = await startInstance(s, a.id);
    await waitStatus(sse, inst.id, 'completed');
    const all = await output(s, inst.id);
    assert.match(all, /line-1\r\n.*line-2\r\n.*line-3/s);
    const part = await fetch(`${s.url}/api/instances/${inst.id}/output?offset=2&limit=5`, { headers: s.headers() });
    assert.equal(part.headers.get('x-total-bytes'), String(Buffer.byteLength(all)));
    assert.equal(part.headers.get('x-next-offset'), '7');
    assert.equal(await part.text(), Buffer.from(all).subarray(2, 7).toString());
    const t = new TermClient(s, inst.id);
    await t.until(() => t.closed !== null, 'close');
    assert.match(t.snapshot!.data, /red/);
    assert.equal(t.controls[0].type, 'exit');
    assert.equal(t.closed!.code, 1000);
    const gone = new TermClient(s, 'no-such-instance');
    await gone.until(() => gone.closed !== null, 'close');
    assert.equal(gone.closed!.code, 4404);
  });

  test('100 start/stop cycles leak no processes, file descriptors or live records', async () => {
    const a = await createAgent(s, { name: 'cycler', command: 'bash', args: ['--norc'] });
    const fds = () => fs.readdirSync('/proc/self/fd').length;
    const children = () => execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)]).toString().trim().split('\n').filter(Boolean).length;
    const warm = await startInstance(s, a.id);
    await s.api('DELETE', `/api/instances/${warm.id}`);
    const fd0 = fds();
    const kids0 = children();
    for (let n = 0; n < 100; n++) {
      const i = await startInstance(s, a.id);
      const r = await s.api('POST', `/api/instances/${i.id}/terminate`);
      assert.equal(r.body.status, 'terminated');
      await s.api('DELETE', `/api/instances/${i.id}`);
    }
    assert.equal(s.manager.live.size, 0);
    assert.ok(children() <= kids0, `child processes: ${kids0} before, ${children()} after`);
    assert.ok(fds() <= fd0 + 3, `file descriptors: ${fd0} before, ${fds()} after`);
  });
});

describe('scrollback', () => {
  test('--scrollback bounds what a snapshot holds; the log keeps everything', async () => {
    const s = await startTestServer({ scrollback: 100 });
    const sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
    try {
      const a = await createAgent(s, { name: 'long', command: 'bash', args: ['-c', 'seq 1 500; read x'] });
      const inst = await startInstance(s, a.id, { rows: 20 });
      const t = new TermClient(s, inst.id);
      await t.opened;
      await t.until(() => t.text().includes('500'), 'the last line');
      // The server's screen parses behind the live stream: once it has caught up, a snapshot holds everything.
      await s.manager.get(inst.id)!.session.whenParsed();
      const again = new TermClient(s, inst.id);
      await again.until(() => again.snapshot !== null, 'a snapshot');
      const lines = again.snapshot!.data.split('\r\n').map((l) => l.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trim()).filter(Boolean);
      assert.equal(lines.at(-1), '500');
      assert.ok(lines.length <= 100 + 20, `${lines.length} lines: scrollback plus the screen at most`);
      assert.ok(!lines.includes('300'), 'old lines are not in the snapshot');
      assert.match(await output(s, inst.id), /(^|\n)1\r\n2\r\n3\r\n/, 'the log has everything');
      t.close(); again.close();
    } finally { await s.close(); sse.close(); }
  });
});
