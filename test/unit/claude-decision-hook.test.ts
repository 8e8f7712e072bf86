// The decision hook (a PermissionRequest hook for AskUserQuestion / ExitPlanMode that long-polls the pty host's hooks socket and prints
// its answer for Claude), with both transports: what it prints for each reply, and that it never fails Claude.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn } from 'node:child_process';
import {
  DECISION_HOOK_TIMEOUT_S,
  DECISION_TOOLS_MATCHER,
  findOnPath,
  HOOK_SECRET_HEADER,
  prepareClaudeLaunch,
} from '../../src/server/integrations/claude/launch.js';

const run = (command: string, stdin: string) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const c = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.stderr.on('data', (d) => {
      out += `[stderr]${d}`;
    });
    c.on('exit', (code) => resolve({ code, out }));
    c.stdin.end(stdin);
  });

test('the settings add the decision hook for AskUserQuestion and ExitPlanMode beside the reporting hook', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-claude-'));
  const l = prepareClaudeLaunch({ instanceId: 'i1', dataDir, hookSocket: path.join(dataDir, 'hooks.sock'), secret: 's' });
  const pr = JSON.parse(fs.readFileSync(l.settingsPath, 'utf8')).hooks.PermissionRequest;
  assert.equal(pr.length, 2);
  assert.equal(pr[0].matcher, '');
  assert.equal(pr[1].matcher, DECISION_TOOLS_MATCHER);
  assert.equal(pr[1].hooks[0].timeout, DECISION_HOOK_TIMEOUT_S);
  assert.match(pr[1].hooks[0].command, /\/hooks\/i1\/decision/);
  assert.ok(pr[1].hooks[0].command.includes(path.join(dataDir, 'hooks.sock')), 'to the pty host\'s hooks socket');
  assert.ok(!pr[1].hooks[0].command.includes('/dev/null 2>&1;'), 'its stdout goes to Claude');
});

for (const transport of ['curl', 'node'] as const) {
  test(
    `the ${transport} decision hook prints a 200 reply's body, nothing for 204 or an error, and exits 0 when the server is down`,
    { skip: transport === 'curl' && !findOnPath('curl') && 'curl is not installed' },
    async (t) => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-claude-'));
      let reply: { status: number; body?: string } = { status: 200, body: '{"hookSpecificOutput":{"x":1}}' };
      const got: { url: string; secret: unknown; body: string }[] = [];
      let arrived: (release: () => void) => void = () => {};
      const srv = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => {
          got.push({ url: req.url!, secret: req.headers[HOOK_SECRET_HEADER], body });
          // a long poll: the answer comes when the test says so
          arrived(() => {
            res.writeHead(reply.status, { 'content-type': 'application/json' });
            res.end(reply.body ?? '');
          });
        });
      });
      const hookSocket = path.join(dataDir, 'hooks.sock');
      await new Promise<void>((r) => srv.listen(hookSocket, r));
      t.after(() => srv.close());
      const l = prepareClaudeLaunch({ instanceId: 'inst-1', dataDir, hookSocket, secret: 'top', transport });
      const cmd = JSON.parse(fs.readFileSync(l.settingsPath, 'utf8')).hooks.PermissionRequest[1].hooks[0].command;
      const ask = async () => {
        const held = new Promise<() => void>((r) => {
          arrived = r;
        });
        const p = run(cmd, '{"hook_event_name":"PermissionRequest","tool_name":"AskUserQuestion"}');
        (await held)();
        return p;
      };
      assert.deepEqual(await ask(), { code: 0, out: '{"hookSpecificOutput":{"x":1}}' });
      assert.deepEqual(got[0], {
        url: '/hooks/inst-1/decision',
        secret: 'top',
        body: '{"hook_event_name":"PermissionRequest","tool_name":"AskUserQuestion"}',
      });
      reply = { status: 204 };
      assert.deepEqual(await ask(), { code: 0, out: '' });
      reply = { status: 404, body: '{"error":{"code":"not_found","message":"no"}}' };
      assert.deepEqual(await ask(), { code: 0, out: '' }, 'an error body never reaches Claude as hook output');
      await new Promise<void>((r) => srv.close(() => r()));
      assert.deepEqual(await run(cmd, '{}'), { code: 0, out: '' });
    },
  );
}
