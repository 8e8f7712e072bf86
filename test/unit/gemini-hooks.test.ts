// Gemini CLI: the hook mapping, the transcript reader and the dialog reader against payloads, transcript records and a
// screen recorded from the real CLI (test/fakes/gemini-recorded.json, written by gemini-cli.test.ts with
// RECORD_FIXTURES=1), and the launch's files. No CLI needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mapGeminiHook, parseGeminiHook } from '../../src/server/integrations/gemini/hooks.js';
import { GeminiTranscriptReader } from '../../src/server/integrations/gemini/transcript.js';
import {
  geminiAnswerKeys,
  geminiCompletionShown,
  geminiComposerReady,
  geminiInputText,
  readGeminiDialog,
} from '../../src/server/integrations/gemini/respond.js';
import { prepareGeminiLaunch, GEMINI_HOOK_EVENTS, GEMINI_HOOK_NAME } from '../../src/server/integrations/gemini/launch.js';

const rec = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fakes/gemini-recorded.json'), 'utf8'));
const hooks: any[] = rec.hooks;
const byName = (n: string, i = 0) => hooks.filter((h) => h.hook_event_name === n)[i];

test('recorded hook sequence: prompt, allow, deny (nothing after the Notification), quit, resume', () => {
  assert.deepEqual(
    hooks.map((h) => h.hook_event_name),
    [
      'SessionStart',
      'BeforeAgent',
      'AfterAgent',
      'BeforeAgent',
      'BeforeTool',
      'Notification',
      'AfterTool',
      'AfterAgent',
      'BeforeAgent',
      'BeforeTool',
      'Notification',
      'BeforeAgent',
      'AfterAgent',
      'SessionEnd',
      'SessionEnd',
      'SessionEnd',
      'SessionStart',
      'BeforeAgent',
      'AfterAgent',
    ],
  );
  for (const h of hooks) assert.ok(parseGeminiHook(h), h.hook_event_name);
});

test('each recorded hook maps to its state', () => {
  const states = hooks.map((h) => mapGeminiHook(parseGeminiHook(h)!).status ?? '-');
  assert.deepEqual(states, [
    'idle',
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
    'active',
    'idle',
    '-',
    '-',
    '-',
    'idle',
    'active',
    'idle',
  ]);
  const perm = mapGeminiHook(parseGeminiHook(byName('Notification'))!);
  assert.deepEqual(
    [perm.approval?.tool, perm.approval?.command, perm.approval?.summary],
    ['Shell', 'echo hello | tee out.txt', 'Shell: echo hello | tee out.txt'],
  );
  assert.deepEqual(
    perm.approval?.options.map((o) => [o.key, o.label, o.choice]),
    [
      ['1', 'Allow once', 'allow'],
      ['2', 'Allow for this session', 'allow_always'],
      ['3', 'No, suggest changes', 'deny'],
    ],
  );
  assert.notEqual(perm.approval?.externalKey, mapGeminiHook(parseGeminiHook(byName('Notification', 1))!).approval?.externalKey);
  assert.equal(mapGeminiHook(parseGeminiHook(byName('AfterAgent'))!).reply, 'Hello from the fake API. You said: say hi');
  assert.equal(mapGeminiHook(parseGeminiHook(byName('SessionEnd'))!).sessionEnded, true);
  // SessionStart ends no turn: only at launch (starting) or after /clear
  const start = parseGeminiHook(byName('SessionStart'))!;
  assert.equal(mapGeminiHook(start, { status: 'starting' }).status, 'idle');
  assert.equal(mapGeminiHook(start, { status: 'active' }).status, undefined);
  assert.equal(mapGeminiHook({ ...start, source: 'clear' }, { status: 'active' }).status, 'idle');
  assert.equal(mapGeminiHook(parseGeminiHook({ ...byName('Notification'), notification_type: 'Other' })!).status, undefined);
});

test('hook payloads are checked: garbage is null', () => {
  for (const bad of [
    null,
    'x',
    [],
    {},
    { hook_event_name: 'AfterAgent' },
    { hook_event_name: 'AfterAgent', session_id: 5 },
    { hook_event_name: 'Notification', session_id: 's', details: 'rm' },
    { hook_event_name: 'BeforeTool', session_id: 's', tool_input: [1] },
  ]) {
    assert.equal(parseGeminiHook(bad), null, JSON.stringify(bad));
  }
});

test("the recorded transcript: each message once; the cancelled turn reported; Gemini's re-recorded history skipped", () => {
  const records: any[] = rec.transcript;
  const firstFile = records.slice(
    0,
    records.findIndex((r, i) => i > 0 && r.sessionId && !r.type && !r.$set),
  );
  const reader = new GeminiTranscriptReader();
  const mapped = firstFile.map((r) => reader.push(r));
  const msgs = mapped.flatMap((m) => m.messages);
  const keys = msgs.map((m) => m.externalKey);
  assert.equal(new Set(keys).size, keys.length);
  assert.deepEqual(
    msgs.map((m) => `${m.senderType}|${m.kind}|${m.content}`),
    [
      'user|text|say hi',
      'agent|text|Hello from the fake API. You said: say hi',
      'user|text|run: echo hello | tee out.txt',
      'agent|text|I will run it.',
      'agent|tool|Shell: echo hello | tee out.txt',
      `agent|text|${msgs[5].content}`,
      'user|text|run: echo nope > denied.txt',
      'agent|text|I will run it.',
      'agent|tool|Shell: echo nope > denied.txt',
      'agent|system|Not run: the tool call was cancelled',
      'agent|system|Request cancelled',
      'user|text|say again',
      'agent|text|Hello from the fake API. You said: say again',
    ],
  );
  assert.match(msgs[5].content, /^Done\. Output: .*hello/);
  assert.equal(mapped.filter((m) => m.cancelled).length, 1);
  // without the rewrite rule, the copies Gemini wrote after the cancellation would be new messages
  const copies = firstFile.filter(
    (r) => r.type && r.id && !keys.some((k) => k?.startsWith(`gemini:${r.id}`)) && (r.type === 'user' || r.type === 'gemini'),
  );
  assert.ok(copies.length >= 3, `re-recorded records exist in the fixture (${copies.length})`);
  // a fresh reader over the same records maps the same keys (Resume re-reads the file)
  const again = new GeminiTranscriptReader();
  assert.deepEqual(
    firstFile.flatMap((r) => again.push(r).messages).map((m) => m.externalKey),
    keys,
  );
  for (const bad of [null, 1, [], { id: 5, type: 'user' }, { id: 'x', type: 'gemini', content: { no: 1 } }])
    assert.deepEqual(new GeminiTranscriptReader().push(bad).messages, []);
});

test('the recorded dialog: options, command, keys; the input box', () => {
  const d = readGeminiDialog(rec.dialogScreen)!;
  assert.equal(d.question, 'Allow execution of [Shell]?');
  assert.equal(d.command, 'echo hello | tee out.txt');
  assert.deepEqual(
    d.options.map((o) => [o.key, o.label, o.choice]),
    [
      ['1', 'Allow once', 'allow'],
      ['2', 'Allow for this session', 'allow_always'],
      ['3', 'No, suggest changes', 'deny'],
    ],
  );
  assert.equal(d.selected, 1);
  assert.equal(geminiAnswerKeys('allow', d.options)?.keys, '1');
  assert.equal(geminiAnswerKeys('deny', d.options)?.keys, '3');
  assert.equal(geminiAnswerKeys('4', d.options), null);
  assert.equal(geminiComposerReady(rec.dialogScreen), false);
  const box = (inner: string) => `✦ Hello\n${'▄'.repeat(40)}\n > ${inner}\n${'▀'.repeat(40)}\n workspace (/directory)`;
  assert.equal(geminiInputText(box('  Type your message or @path/to/file')), '');
  assert.equal(geminiInputText(box('say hi')), 'say hi');
  assert.equal(geminiComposerReady(box('  Type your message or @path/to/file')), true);
  assert.equal(geminiComposerReady(`⠏ Resuming session...\n${box('  Type your message or @path/to/file')}`), false);
  assert.equal(geminiComposerReady(box('  Type your message or @path/to/file'), { resumed: true }), true, 'a reply line is on the screen');
  assert.equal(geminiComposerReady(box('  Type your message or @path/to/file').replace('✦ Hello', ''), { resumed: true }), false);
  assert.equal(geminiCompletionShown(box('/quit'), '/quit'), false, 'Enter would only complete the command');
  assert.equal(geminiCompletionShown(`${box('/quit')}\n quit   Exit the cli`, '/quit'), true);
  assert.equal(geminiCompletionShown(box('say hi'), 'say hi'), true, 'not a command');
});

test("the launch: an owner-only GEMINI_CLI_HOME, the user's settings copied with AreYouJ's hooks added, auth linked, resume", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-gemini-launch-'));
  const user = path.join(root, 'user');
  fs.mkdirSync(path.join(user, '.gemini'), { recursive: true });
  const mine = { matcher: 'run_shell_command', hooks: [{ type: 'command', command: 'my-audit' }] };
  fs.writeFileSync(
    path.join(user, '.gemini', 'settings.json'),
    JSON.stringify({ model: { name: 'x' }, hooks: { BeforeTool: [mine] }, general: { vimMode: true } }),
  );
  fs.writeFileSync(path.join(user, '.gemini', 'oauth_creds.json'), '{}');
  const run = path.join(root, 'run');
  const l = prepareGeminiLaunch({ instanceId: 'i1', runDir: run, hookSocket: '/run/ayj/hooks.sock', secret: 'S3CRET', userHome: user });
  assert.equal(l.env.GEMINI_CLI_HOME, path.join(run, 'gemini', 'i1', 'home'));
  assert.deepEqual(l.args, []);
  for (const p of [l.dir, l.home, path.join(l.home, '.gemini')]) assert.equal(fs.statSync(p).mode & 0o777, 0o700, p);
  assert.equal(fs.statSync(l.settingsPath).mode & 0o777, 0o600);
  const s = JSON.parse(fs.readFileSync(l.settingsPath, 'utf8'));
  assert.deepEqual(s.model, { name: 'x' });
  assert.equal(s.general.vimMode, true);
  assert.equal(s.general.sessionRetention.enabled, false);
  assert.deepEqual(s.hooksConfig, { enabled: true, notifications: false });
  assert.deepEqual(Object.keys(s.hooks).sort(), [...GEMINI_HOOK_EVENTS].sort());
  assert.deepEqual(s.hooks.BeforeTool[0], mine, "the user's own hooks stay");
  assert.equal(s.hooks.BeforeTool[1].hooks[0].name, GEMINI_HOOK_NAME);
  assert.ok(!JSON.stringify(s).includes('S3CRET'));
  assert.equal(fs.readlinkSync(path.join(l.home, '.gemini', 'oauth_creds.json')), path.join(user, '.gemini', 'oauth_creds.json'));
  // a second launch (Resume) keeps the instance's settings, replaces its own hooks (not twice) and rotates the secret
  s.ui = { theme: 'changed in the session' };
  fs.writeFileSync(l.settingsPath, JSON.stringify(s));
  const again = prepareGeminiLaunch({
    instanceId: 'i1',
    runDir: run,
    hookSocket: '/run/ayj/hooks.sock',
    secret: 'OTHER',
    userHome: user,
    resumeSessionId: 'sid',
    userArgs: ['-m', 'flash'],
  });
  assert.deepEqual(again.args, ['--resume', 'sid', '-m', 'flash']);
  const s2 = JSON.parse(fs.readFileSync(l.settingsPath, 'utf8'));
  assert.equal(s2.ui.theme, 'changed in the session');
  assert.equal(s2.hooks.BeforeTool.length, 2);
  assert.match(fs.readFileSync(path.join(l.dir, 'hook-headers'), 'utf8'), /OTHER/);
  fs.rmSync(root, { recursive: true, force: true });
});
