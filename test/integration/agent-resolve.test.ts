// Agents run the user's programs (issue 11): AreYouJ's own node_modules/.bin (which `npm start` puts first on PATH)
// is not on agents' PATH, and GET /api/agents/resolve says which executable a command runs, with its --version.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/server/config.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';
import { createAgent, startInstance, TermClient, waitStatus } from '../helpers/instances.js';

const OWN_BIN = path.join(PACKAGE_ROOT, 'node_modules', '.bin');
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('agents run the user programs', () => {
  let s: TestServer;
  let sse: SseClient;
  const savedPath = process.env.PATH;
  before(async () => {
    // As under `npm start`: AreYouJ's own bin folder first (its tools: tsc, vite…; before issue 11 a test copy of Claude
    // Code too, which agents ran instead of the user's).
    process.env.PATH = `${OWN_BIN}:${savedPath}`;
    assert.ok(fs.existsSync(path.join(OWN_BIN, 'tsc')), 'a tool of AreYouJ is there to be hidden');
    s = await startTestServer();
    sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
  });
  after(async () => {
    process.env.PATH = savedPath;
    await s.close();
    sse.close();
  });
  afterEach(async () => {
    await s.manager.stopAll();
  });

  test("an agent's PATH has no node_modules/.bin of AreYouJ: its tools are not the agent's", async () => {
    const a = await createAgent(s, { name: 'sh', command: 'bash', args: ['--norc', '--noprofile', '-i'], env: { PS1: 'me$ ' } });
    const inst = await startInstance(s, a.id);
    await waitStatus(sse, inst.id, 'idle');
    const t = new TermClient(s, inst.id);
    await t.opened;
    t.send('echo "P=[$PATH]"; echo "C=<$(command -v tsc || echo none)>"\r');
    await t.until(() => /C=<[^>$]*>/.test(t.live()), 'the answer');
    const p = /P=\[([^\]$]*)\]/.exec(t.live())![1];
    assert.ok(!p.split(':').some((d) => d.includes('node_modules/.bin')), p);
    assert.ok(p.split(':').includes('/usr/bin'), 'the rest of PATH is kept');
    assert.match(t.live(), /C=<none>/);
    t.close();
  });

  test('GET /api/agents/resolve: the absolute path and the --version line, or a clear error', async () => {
    const bash = await s.api('GET', '/api/agents/resolve?command=bash');
    assert.equal(bash.status, 200);
    assert.match(bash.body.path, /^\/(usr\/)?bin\/bash$/);
    assert.match(bash.body.version, /^GNU bash, version \d/);
    assert.equal(bash.body.versionError, null);

    const tsc = await s.api('GET', '/api/agents/resolve?command=tsc');
    assert.equal(tsc.status, 200, 'resolving to nothing is an answer');
    assert.equal(tsc.body.path, null, "AreYouJ's own node_modules/.bin is not where an agent's commands come from");
    assert.match(tsc.body.error, /^command not found: tsc on the agents' PATH \(/);
    assert.doesNotMatch(tsc.body.error, /node_modules/);

    const proj = tempDir();
    fs.writeFileSync(path.join(proj, 'tool.sh'), '#!/bin/sh\necho "tool 1.2.3"\necho more\n', { mode: 0o755 });
    fs.writeFileSync(path.join(proj, 'plain.txt'), 'x');
    fs.writeFileSync(path.join(proj, 'picky.sh'), '#!/bin/sh\necho "unknown option $1" >&2\nexit 2\n', { mode: 0o755 });
    const q = (command: string) => `/api/agents/resolve?command=${encodeURIComponent(command)}&projectPath=${encodeURIComponent(proj)}`;
    assert.deepEqual((await s.api('GET', q('./tool.sh'))).body, { command: './tool.sh', path: path.join(proj, 'tool.sh'), error: null, version: 'tool 1.2.3', versionError: null });
    const picky = (await s.api('GET', q('./picky.sh'))).body;
    assert.equal(picky.version, null);
    assert.equal(picky.versionError, '--version exited with code 2: unknown option --version');
    const plain = (await s.api('GET', q('./plain.txt'))).body;
    assert.equal(plain.path, null);
    assert.equal(plain.error, `not an executable file: ./plain.txt in ${proj}`);
    const none = await s.api('GET', '/api/agents/resolve');
    assert.equal(none.status, 400, 'command required');
    assert.equal(none.body.error.code, 'validation_failed');
    const nowhere = await s.api('GET', `/api/agents/resolve?command=bash&projectPath=${encodeURIComponent('/no/such/dir')}`);
    assert.equal(nowhere.status, 400);
    assert.equal(nowhere.body.error.code, 'invalid_path');
  });

  test('a command that does not answer --version is killed at the deadline, with what it started', async () => {
    const proj = tempDir();
    fs.writeFileSync(path.join(proj, 'hang.sh'), '#!/bin/sh\nsleep 300 &\necho $! > child.pid\nwait\n', { mode: 0o755 });
    const r = await s.api('GET', `/api/agents/resolve?command=./hang.sh&projectPath=${encodeURIComponent(proj)}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.version, null);
    assert.equal(r.body.versionError, 'no answer to --version within 5 s');
    const child = Number(fs.readFileSync(path.join(proj, 'child.pid'), 'utf8'));
    const deadline = Date.now() + 5000;
    while (alive(child) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    assert.equal(alive(child), false, 'its process group was killed');
  });
});
