// Codex CLI: the hook mapping, the rollout reader and the dialog reader against payloads, rollout lines and a screen
// recorded from the real CLI (test/fakes/codex-recorded.json, written by codex-cli.test.ts with RECORD_FIXTURES=1),
// and the launch's files. No CLI needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mapCodexHook, parseCodexHook, codexPromptKey } from '../../src/server/integrations/codex/hooks.js';
import { mapRolloutEntry, codexCommandText } from '../../src/server/integrations/codex/rollout.js';
import { codexAnswerKeys, codexComposerReady, readCodexDialog } from '../../src/server/integrations/codex/respond.js';
import { prepareCodexLaunch, findCodexRollout, CODEX_HOOK_EVENTS } from '../../src/server/integrations/codex/launch.js';
import { transcriptInside } from '../../src/server/integrations/agent-effects.js';

const rec = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fakes/codex-recorded.json'), 'utf8'));
const hooks: any[] = rec.hooks;
const byName = (n: string, i = 0) => hooks.filter((h) => h.hook_event_name === n)[i];

test('recorded hook sequence: prompt, allow, deny, exit, resume', () => {
  assert.deepEqual(
    hooks.map((h) => h.hook_event_name),
    [
      'SessionStart',
      'UserPromptSubmit',
      'Stop',
      'UserPromptSubmit',
      'PreToolUse',
      'PermissionRequest',
      'PostToolUse',
      'Stop',
      'UserPromptSubmit',
      'PreToolUse',
      'PermissionRequest',
      'Interrupt',
      'UserPromptSubmit',
      'Stop',
      'SessionEnd',
      'SessionStart',
      'UserPromptSubmit',
      'Stop',
    ],
  );
  for (const h of hooks) assert.ok(parseCodexHook(h), h.hook_event_name);
});

test('each recorded hook maps to its state', () => {
  const states = hooks.map((h, i) => mapCodexHook(parseCodexHook(h)!, { status: i === 11 ? 'awaiting_input' : 'active' }).status ?? '-');
  assert.deepEqual(states, [
    '-',
    'active',
    'idle',
    'active',
    'active',
    'awaiting_input',
    'active',
    'idle',
    'active',
    'active',
    'awaiting_input',
    'idle',
    'active',
    'idle',
    '-',
    '-',
    'active',
    'idle',
  ]);
  const submit = mapCodexHook(parseCodexHook(byName('UserPromptSubmit'))!);
  assert.deepEqual(
    submit.messages?.map((m) => [m.senderType, m.content, m.externalKey]),
    [['user', 'say hi', codexPromptKey(byName('UserPromptSubmit').turn_id, 'say hi')]],
  );
  const perm = mapCodexHook(parseCodexHook(byName('PermissionRequest'))!);
  assert.equal(perm.approval?.tool, 'Bash');
  assert.equal(perm.approval?.command, 'echo hello | tee out.txt');
  assert.deepEqual(
    perm.approval?.options.map((o) => [o.key, o.choice]),
    [
      ['1', 'allow'],
      ['2', 'allow_always'],
      ['3', 'deny'],
    ],
  );
  assert.equal(mapCodexHook(parseCodexHook(byName('PermissionRequest'))!).approval?.externalKey, perm.approval?.externalKey, 'stable key');
  const interrupt = mapCodexHook(parseCodexHook(byName('Interrupt'))!, { status: 'awaiting_input' });
  assert.deepEqual([interrupt.status, interrupt.interrupted, interrupt.reason], ['idle', true, 'approval denied']);
  assert.equal(mapCodexHook(parseCodexHook(byName('Interrupt'))!, { status: 'active' }).reason, 'turn interrupted');
  assert.equal(mapCodexHook(parseCodexHook(byName('Stop'))!).reply, 'Hello from the fake API. You said: say hi');
  assert.equal(mapCodexHook(parseCodexHook(byName('SessionEnd'))!).sessionEnded, true);
  assert.equal(byName('SessionStart', 1).source, 'resume');
  assert.equal(byName('SessionStart', 1).session_id, byName('SessionStart').session_id);
});

test('hook payloads are checked: garbage is null, never an exception', () => {
  for (const bad of [
    null,
    7,
    'x',
    [],
    {},
    { hook_event_name: 'Stop' },
    { hook_event_name: 'Stop', session_id: 7 },
    { hook_event_name: 'Stop', session_id: 's', tool_input: 'rm -rf /' },
    { hook_event_name: '', session_id: 's' },
    { hook_event_name: 'Stop', session_id: 'x'.repeat(201) },
  ]) {
    assert.equal(parseCodexHook(bad), null, JSON.stringify(bad));
  }
  assert.deepEqual(mapCodexHook(parseCodexHook({ hook_event_name: 'SomethingNew', session_id: 's' })!), { sessionId: 's' });
});

test('the recorded rollout: each message once, keyed like the hooks; turn ends and the denial', () => {
  const mapped = rec.rollout.map(mapRolloutEntry);
  const msgs = mapped.flatMap((m: any) => m.messages);
  const keys = msgs.map((m: any) => m.externalKey);
  assert.equal(new Set(keys).size, keys.length);
  assert.deepEqual(
    msgs.filter((m: any) => m.senderType === 'user').map((m: any) => m.content),
    ['say hi', 'run: echo hello | tee out.txt', 'run: echo nope > denied.txt', 'say again', 'after resume'],
  );
  assert.ok(keys.includes(codexPromptKey(byName('UserPromptSubmit').turn_id, 'say hi')));
  const turns = hooks.filter((h) => h.hook_event_name === 'UserPromptSubmit').map((h) => h.turn_id);
  assert.equal(new Set(turns).size, turns.length, 'one turn per prompt');
  assert.ok(msgs.some((m: any) => m.kind === 'tool' && m.content === 'Bash: echo hello | tee out.txt'));
  assert.equal(mapped.filter((m: any) => m.aborted).length, 1);
  assert.equal(mapped.find((m: any) => m.aborted).aborted.turnId, byName('Interrupt').turn_id);
  assert.ok(mapped.some((m: any) => m.turnComplete?.lastMessage === 'Hello from the fake API. You said: say hi'));
  assert.equal(mapped.find((m: any) => m.sessionId)?.sessionId, byName('SessionStart').session_id);
  for (const bad of [
    null,
    {},
    { type: 'event_msg' },
    { type: 'event_msg', payload: { type: 'item_completed', turn_id: 't', item: { type: 'AgentMessage', content: 'no' } } },
  ]) {
    assert.deepEqual(mapRolloutEntry(bad).messages, []);
  }
  assert.equal(codexCommandText(['/bin/bash', '-lc', 'echo hi']), 'echo hi');
});

test('the recorded approval dialog: its options and keys; the composer', () => {
  const d = readCodexDialog(rec.dialogScreen)!;
  assert.equal(d.question, 'Would you like to run the following command?');
  assert.equal(d.command, 'echo hello | tee out.txt');
  assert.deepEqual(
    d.options.map((o) => [o.key, o.shortcut, o.choice]),
    [
      ['1', 'y', 'allow'],
      ['2', 'p', 'allow_always'],
      ['3', 'esc', 'deny'],
    ],
  );
  assert.equal(d.selected, 1);
  assert.equal(codexAnswerKeys('allow', d.options)?.keys, '1');
  assert.equal(codexAnswerKeys('allow_always', d.options)?.keys, '2');
  assert.equal(codexAnswerKeys('deny', d.options)?.keys, '3');
  assert.equal(codexAnswerKeys('deny', [])?.keys, '\x1b', 'Esc when no option says no');
  assert.equal(codexAnswerKeys('3', d.options)?.keys, '3');
  assert.equal(codexAnswerKeys('7', d.options), null);
  assert.equal(codexComposerReady(rec.dialogScreen), false);
  assert.equal(codexComposerReady('› Ask Codex to do anything\n\n  gpt-fake default · ~/proj\n  ← for agents · ? for shortcuts'), true);
  assert.equal(readCodexDialog('› Ask Codex to do anything'), null);
});

test("the launch: an owner-only CODEX_HOME of its own, the user's config copied once, hooks without the secret, resume", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-codex-launch-'));
  const user = path.join(root, 'user');
  fs.mkdirSync(user);
  fs.writeFileSync(path.join(user, 'config.toml'), 'model = "mine"\n');
  fs.writeFileSync(path.join(user, 'auth.json'), '{"token":"t"}');
  const run = path.join(root, 'run');
  const l = prepareCodexLaunch({
    instanceId: 'i1',
    runDir: run,
    hookSocket: '/run/ayj/hooks.sock',
    secret: 'S3CRET',
    userHome: user,
    env: { PATH: process.env.PATH },
  });
  assert.equal(l.home, path.join(run, 'codex', 'i1', 'home'));
  assert.equal(l.env.CODEX_HOME, l.home);
  assert.deepEqual(l.args, ['--dangerously-bypass-hook-trust', '--enable', 'hooks']);
  assert.equal(l.hookPath, '/hooks/i1');
  for (const p of [l.dir, l.home]) assert.equal(fs.statSync(p).mode & 0o777, 0o700, p);
  for (const f of ['home/hooks.json', 'home/config.toml', 'hook-headers']) assert.equal(fs.statSync(path.join(l.dir, f)).mode & 0o777, 0o600, f);
  const hooksJson = JSON.parse(fs.readFileSync(path.join(l.home, 'hooks.json'), 'utf8'));
  assert.deepEqual(Object.keys(hooksJson.hooks), [...CODEX_HOOK_EVENTS]);
  assert.ok(!JSON.stringify(hooksJson).includes('S3CRET'));
  assert.match(fs.readFileSync(path.join(l.dir, 'hook-headers'), 'utf8'), /^x-areyouj-hook-secret: S3CRET\n$/);
  assert.equal(fs.readFileSync(path.join(l.home, 'config.toml'), 'utf8'), 'model = "mine"\n');
  assert.equal(fs.readlinkSync(path.join(l.home, 'auth.json')), path.join(user, 'auth.json'));
  // Codex writes into its config.toml: a second launch (resume) keeps it, and rotates the secret
  fs.appendFileSync(path.join(l.home, 'config.toml'), '[tui]\nx = 1\n');
  const again = prepareCodexLaunch({
    instanceId: 'i1',
    runDir: run,
    hookSocket: '/run/ayj/hooks.sock',
    secret: 'OTHER',
    userHome: user,
    resumeSessionId: 'abc',
    userArgs: ['-m', 'o3'],
  });
  assert.deepEqual(again.args, ['--dangerously-bypass-hook-trust', '--enable', 'hooks', 'resume', 'abc', '-m', 'o3']);
  assert.match(fs.readFileSync(path.join(l.home, 'config.toml'), 'utf8'), /\[tui\]/);
  assert.match(fs.readFileSync(path.join(l.dir, 'hook-headers'), 'utf8'), /OTHER/);
  // the rollout of a session, and which transcript paths may be followed
  const day = path.join(l.home, 'sessions', '2026', '11', '29');
  fs.mkdirSync(day, { recursive: true });
  const file = path.join(day, 'rollout-2026-11-29T20-50-34-abc.jsonl');
  fs.writeFileSync(file, '');
  assert.equal(findCodexRollout(l.home, 'abc'), file);
  assert.equal(findCodexRollout(l.home, 'nope'), null);
  assert.equal(transcriptInside(path.join(l.home, 'sessions'), file), true);
  for (const bad of ['/etc/passwd', path.join(l.home, 'sessions', '..', 'config.toml'), `${l.home}/sessions/../../x.jsonl`, 'relative.jsonl', null]) {
    assert.equal(transcriptInside(path.join(l.home, 'sessions'), bad), false, String(bad));
  }
  fs.symlinkSync('/etc', path.join(day, 'link'));
  assert.equal(transcriptInside(path.join(l.home, 'sessions'), path.join(day, 'link', 'x.jsonl')), false, 'a symlink out of the home');
  fs.rmSync(root, { recursive: true, force: true });
});
