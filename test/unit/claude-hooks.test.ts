// Pure mapping of recorded Claude Code 2.1.330 hook payloads and screens; launch files; respond keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mapClaudeHook, parseClaudeHookPayload, PromptEchoFilter, summarizeToolUse, type ClaudeHookPayload } from '../../src/server/integrations/claude/hooks.js';
import { claudeTranscriptPath, hasSessionArg, prepareClaudeLaunch, HOOK_SECRET_HEADER } from '../../src/server/integrations/claude/launch.js';
import { permissionKeys, readPermissionDialog, statusAfterAnswer } from '../../src/server/integrations/claude/respond.js';

const rec = JSON.parse(fs.readFileSync(new URL('../fakes/claude-recorded.json', import.meta.url), 'utf8'));
const byEvent = (list: ClaudeHookPayload[], name: string) => list.filter((p) => p.hook_event_name === name);

test('recorded plain+permission(allow) sequence maps to idle → active → awaiting_input → active → idle', () => {
  const seq = (rec.allow as ClaudeHookPayload[]).map((p) => [p.hook_event_name, mapClaudeHook(p).status]);
  assert.deepEqual(seq, [
    ['SessionStart', 'idle'], ['UserPromptSubmit', 'active'], ['PreToolUse', 'active'], ['PermissionRequest', 'awaiting_input'],
    ['PostToolUse', 'active'], ['Stop', 'idle'], ['SessionEnd', undefined],
  ]);
});

test('UserPromptSubmit stores the typed prompt under prompt:<prompt_id>', () => {
  const p = byEvent(rec.allow, 'UserPromptSubmit')[0];
  const fx = mapClaudeHook(p);
  assert.equal(fx.messages?.length, 1);
  assert.equal(fx.messages![0].senderType, 'user');
  assert.equal(fx.messages![0].content, 'run: echo hello > out.txt');
  assert.equal(fx.messages![0].externalKey, `prompt:${p.prompt_id}`);
  assert.equal(path.basename(fx.transcriptPath!), `${p.session_id}.jsonl`);
});

test('PermissionRequest → awaiting_input with a permission message carrying tool name, input and options', () => {
  const fx = mapClaudeHook(byEvent(rec.allow, 'PermissionRequest')[0]);
  assert.equal(fx.status, 'awaiting_input');
  const m = fx.messages![0];
  assert.equal(m.kind, 'permission');
  assert.equal(m.requiresUserInput, true);
  assert.equal(m.content, 'Claude wants to use Bash: echo hello > out.txt');
  assert.equal(m.question?.type, 'permission');
  assert.ok(m.question?.type === 'permission');
  assert.equal(m.question.tool, 'Bash');
  assert.deepEqual(m.question.input, { command: 'echo hello > out.txt', description: 'Run the requested command' });
  assert.deepEqual(m.question.options.map((o) => [o.key, o.intent]), [['allow', 'allow'], ['allow_always', 'allow_always'], ['deny', 'deny']]);
  // the same payload twice yields the same key (stored once)
  assert.equal(mapClaudeHook(byEvent(rec.allow, 'PermissionRequest')[0]).messages![0].externalKey, m.externalKey);
});

test('Notification permission_prompt is a no-op while already awaiting, a fallback otherwise; idle_prompt notifies', () => {
  const n = byEvent(rec.deny, 'Notification')[0];
  assert.equal(n.notification_type, 'permission_prompt');
  assert.equal(mapClaudeHook(n, { status: 'awaiting_input' }).status, undefined);
  const fb = mapClaudeHook(n, { status: 'active' });
  assert.equal(fb.status, 'awaiting_input');
  assert.equal(fb.messages![0].kind, 'permission');
  const idle = mapClaudeHook(rec.idlePrompt[0]);
  assert.equal(idle.status, undefined);
  assert.deepEqual(idle.notify, { kind: 'idle_prompt', body: 'Claude is waiting for your input' });
});

test('Stop → idle; the reply is stored from the hook only when the transcript is not mirrored', () => {
  const stop = byEvent(rec.allow, 'Stop')[0];
  const fx = mapClaudeHook(stop);
  assert.equal(fx.status, 'idle');
  assert.equal(fx.messages, undefined);
  const noTr = mapClaudeHook(stop, { transcript: false });
  assert.equal(noTr.messages![0].content, 'Done. Output: (Bash completed with no output)');
  assert.equal(noTr.messages![0].senderType, 'agent');
});

test('deny: the recorded sequence has no Stop after PermissionRequest (the transcript brings it back to idle)', () => {
  const names = (rec.deny as ClaudeHookPayload[]).map((p) => p.hook_event_name);
  assert.deepEqual(names.slice(0, 6), ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'Notification', 'UserPromptSubmit']);
});

test('/clear: SessionEnd(clear) changes nothing, SessionStart(clear) → idle with the new session id', () => {
  const [start, end, start2] = [rec.clear[0], rec.clear.find((p: ClaudeHookPayload) => p.reason === 'clear'), rec.clear.find((p: ClaudeHookPayload) => p.source === 'clear')];
  assert.deepEqual(mapClaudeHook(end), {});
  const fx = mapClaudeHook(start2);
  assert.equal(fx.status, 'idle');
  assert.notEqual(start2.session_id, start.session_id);
  assert.equal(path.basename(fx.transcriptPath!), `${start2.session_id}.jsonl`);
  const exit = rec.clear.at(-1);
  assert.equal(exit.reason, 'prompt_input_exit');
  assert.equal(mapClaudeHook(exit).status, undefined, 'the process exit decides, not SessionEnd');
  assert.equal(mapClaudeHook({ hook_event_name: 'SessionStart', source: 'compact', session_id: 'x' }).status, undefined);
});

test('parseClaudeHookPayload rejects what is not a hook payload', () => {
  assert.equal(parseClaudeHookPayload(null), null);
  assert.equal(parseClaudeHookPayload([]), null);
  assert.equal(parseClaudeHookPayload({ foo: 1 }), null);
  assert.equal(parseClaudeHookPayload({ hook_event_name: 'Stop', session_id: 3 }), null);
  assert.ok(parseClaudeHookPayload(rec.allow[0]));
});

test('PromptEchoFilter drops the echoes of an API-sent prompt (hook and transcript) and keeps typed ones', () => {
  const f = new PromptEchoFilter();
  f.sent('fix the bug\n');
  assert.equal(f.shouldStore('prompt:a', 'fix the bug'), false);
  assert.equal(f.shouldStore('prompt:a', 'fix the bug'), false); // the transcript's copy
  assert.equal(f.shouldStore('prompt:b', 'fix the bug'), true); // typed again in the terminal
});

test('summarizeToolUse is one line', () => {
  assert.equal(summarizeToolUse('Bash', { command: 'ls\n-la', description: 'x' }), 'Bash: ls -la');
  assert.equal(summarizeToolUse('Edit', { file_path: '/a/b.ts', old_string: 'x' }), 'Edit: /a/b.ts');
  assert.equal(summarizeToolUse('Foo', {}), 'Foo');
});

const DIALOG = `● I will run it.
● Running the requested command
  ⎿  $ echo hello > out.txt
────────────────────────────────────────
 Bash command
 Tip: auto mode handles these prompts for you — choose "switch to auto mode" below
 Run the requested command
 echo hello > out.txt
 Do you want to proceed?
 ❯ 1. Yes
   2. Yes, and always allow access to /home/u/proj from this project
   3. Yes, and switch to auto mode · auto mode handles these prompts for you
   4. No
 Esc to cancel · Tab to amend`;

test('readPermissionDialog reads the options off the recorded screen; respond keys', () => {
  const d = readPermissionDialog(DIALOG);
  assert.equal(d.visible, true);
  assert.equal(d.question, 'Do you want to proceed?');
  assert.deepEqual(d.options.map((o) => [o.key, o.intent]), [['1', 'allow'], ['2', 'allow_always'], ['3', undefined], ['4', 'deny']]);
  assert.equal(readPermissionDialog('❯ \n  ⏸ manual mode on').visible, false);
  assert.equal(permissionKeys('allow'), '1');
  assert.equal(permissionKeys('allow_always'), '2');
  assert.equal(permissionKeys('deny'), '\x1b');
  assert.equal(permissionKeys(3), '3');
  assert.equal(permissionKeys('4'), '4');
  assert.throws(() => permissionKeys(0));
  assert.equal(statusAfterAnswer('deny'), 'idle');
  assert.equal(statusAfterAnswer(4, d.options), 'idle');
  assert.equal(statusAfterAnswer(1, d.options), 'active');
});

test('prepareClaudeLaunch writes settings into the data dir and respects the user\'s session args', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-claude-'));
  const l = prepareClaudeLaunch({ instanceId: 'i1', dataDir, hookSocket: '/run/h.sock', secret: 's', sessionId: 'sid', userArgs: ['--model', 'x'] });
  assert.deepEqual(l.args, ['--settings', path.join(dataDir, 'claude', 'i1', 'settings.json'), '--session-id', 'sid', '--model', 'x']);
  assert.equal(l.hookPath, '/hooks/i1');
  // Resume: the same session id, with the CLI's own --resume (and the user's own session args dropped).
  const r = prepareClaudeLaunch({ instanceId: 'i1', dataDir, hookSocket: '/run/h.sock', secret: 's', resume: 'old-id', userArgs: ['--model', 'x', '--session-id', 'y', '-c'] });
  assert.deepEqual(r.args, ['--settings', path.join(dataDir, 'claude', 'i1', 'settings.json'), '--resume', 'old-id', '--model', 'x']);
  assert.equal(r.sessionId, 'old-id');
  const settings = JSON.parse(fs.readFileSync(l.settingsPath, 'utf8'));
  for (const e of ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PermissionRequest', 'Notification', 'Stop', 'SessionEnd']) {
    assert.equal(settings.hooks[e][0].hooks[0].type, 'command');
  }
  assert.equal(fs.statSync(path.join(l.dir, 'hook-headers')).mode & 0o077, 0);
  for (const a of [['--resume', 'x'], ['-c'], ['--continue'], ['--session-id=abc']]) {
    const r = prepareClaudeLaunch({ instanceId: 'i2', dataDir, hookSocket: '/run/h.sock', secret: 's', userArgs: a });
    assert.equal(r.sessionId, null);
    assert.ok(!r.args.includes('--session-id') || a[0].startsWith('--session-id'));
  }
  assert.equal(hasSessionArg(['--model', 'opus']), false);
  assert.equal(claudeTranscriptPath({ cwd: '/home/u/my proj.x', sessionId: 's1', env: { CLAUDE_CONFIG_DIR: '/c' } }), '/c/projects/-home-u-my-proj-x/s1.jsonl');
  assert.equal(claudeTranscriptPath({ cwd: '/p', sessionId: 's1', env: {}, home: '/h' }), '/h/.claude/projects/-p/s1.jsonl');
});

const runHook = (command: string, stdin: string) => new Promise<number | null>((resolve) => {
  const c = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  c.stdout.on('data', (d) => { out += d; });
  c.stderr.on('data', (d) => { out += d; });
  c.on('exit', (code) => { assert.equal(out, '', 'a hook prints nothing'); resolve(code); });
  c.stdin.end(stdin);
});

for (const transport of ['curl', 'node'] as const) {
  test(`the ${transport} hook command POSTs stdin with the secret to the hooks socket, and exits 0 silently when nothing listens`, async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-claude-'));
    const sock = path.join(dataDir, 'hooks.sock');
    const got: { url: string; secret: unknown; body: string }[] = [];
    const srv = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => { got.push({ url: req.url!, secret: req.headers[HOOK_SECRET_HEADER], body }); res.end(); });
    });
    await new Promise<void>((r) => srv.listen(sock, r));
    t.after(() => srv.close());
    const l = prepareClaudeLaunch({ instanceId: 'inst-1', dataDir, hookSocket: sock, secret: 'top', transport });
    const cmd = JSON.parse(fs.readFileSync(l.settingsPath, 'utf8')).hooks.Stop[0].hooks[0].command;
    assert.equal(await runHook(cmd, '{"hook_event_name":"Stop"}'), 0);
    assert.deepEqual(got, [{ url: '/hooks/inst-1', secret: 'top', body: '{"hook_event_name":"Stop"}' }]);
    await new Promise<void>((r) => srv.close(() => r()));
    assert.equal(await runHook(cmd, '{"hook_event_name":"Stop"}'), 0);
  });
}
