// The real Gemini CLI (test/clis, pinned) in a real pty, offline against test/fakes/gemini-api.ts, with the
// GEMINI_CLI_HOME prepareGeminiLaunch makes and a receiver on a Unix socket standing in for the pty host's hooks socket.
// Covers: a plain prompt (active → idle, both messages read once), an approval allowed (the command runs and the
// model receives its output), an approval denied (no hook at all: the transcript's cancellation and the screen tell),
// /quit, and Resume of the ended session (same session id, same transcript file, the history sent to the model).
// With RECORD_FIXTURES=1 it rewrites test/fakes/gemini-recorded.json from what it observed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeGemini } from '../fakes/gemini-api.js';
import { cliPath } from '../helpers/clis.js';
import { Waiter, startCli, startHookReceiver, typePrompt, type CliRun } from '../helpers/agent-cli.js';
import { prepareGeminiLaunch } from '../../src/server/integrations/gemini/launch.js';
import { mapGeminiHook, parseGeminiHook } from '../../src/server/integrations/gemini/hooks.js';
import { GeminiTranscriptReader, type GeminiTranscriptMapping } from '../../src/server/integrations/gemini/transcript.js';
import {
  GEMINI_ENTER_GUARD_MS,
  GEMINI_INPUT_GUARD_MS,
  GEMINI_RESUBMIT_AFTER_MS,
  geminiAnswerKeys,
  geminiComposerReady,
  geminiInputText,
  readGeminiDialog,
} from '../../src/server/integrations/gemini/respond.js';
import { launchEnv } from '../../src/server/integrations/cli-profile.js';
import { HOOK_SECRET_HEADER } from '../../src/server/integrations/hook-transport.js';
import { JsonlTailer } from '../../src/server/integrations/jsonl-tailer.js';
import { transcriptInside } from '../../src/server/integrations/agent-effects.js';
import type { NewMessage } from '../../src/server/instances/store.js';

const GEMINI = await cliPath('gemini');

test('real Gemini CLI: plain prompt, approval allowed, approval denied, /quit, resume', { timeout: 240_000 }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-gemini-cli-'));
  const proj = path.join(root, 'proj');
  fs.mkdirSync(proj);
  const api = await startFakeGemini();
  let run: CliRun | null = null;
  const w = new Waiter(() => `screen:\n${run?.screen() ?? ''}\nhooks: ${rec.hooks.map((h) => h.body.hook_event_name).join(',')}`);
  const secret = 'hook-secret-gemini';
  const rec = await startHookReceiver({ path: '/hooks/inst-1', header: HOOK_SECRET_HEADER, secret, onHook: () => w.poke() });
  const settings = { security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } } };
  const runDir = path.join(root, 'run');
  const launch = (resumeSessionId?: string) =>
    prepareGeminiLaunch({ instanceId: 'inst-1', runDir, hookSocket: rec.socket, secret, settings, userHome: null, resumeSessionId });
  // CI=true (as in a CI run) would make Gemini CLI headless: the launch takes it out.
  const env = (l: ReturnType<typeof launch>) =>
    launchEnv({ ...process.env, GEMINI_API_KEY: 'fake-key', GOOGLE_GEMINI_BASE_URL: api.url, HOME: root, CI: 'true' }, l);

  const first = launch();
  assert.equal(fs.statSync(first.dir).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(first.home, '.gemini')).mode & 0o777, 0o700);
  assert.equal(fs.statSync(first.settingsPath).mode & 0o777, 0o600);
  assert.ok(!fs.readFileSync(first.settingsPath, 'utf8').includes(secret), 'the secret is not in the hook command');

  let reader = new GeminiTranscriptReader();
  const tailer = new JsonlTailer({ pollMs: 200 });
  const mapped: GeminiTranscriptMapping[] = [];
  const raw: unknown[] = [];
  tailer.on('entry', (e) => {
    raw.push(e);
    mapped.push(reader.push(e));
    w.poke();
  });
  t.after(async () => {
    tailer.close();
    await run?.stop();
    await api.close();
    await rec.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const names = () => rec.hooks.map((h) => h.body.hook_event_name as string);
  const hookN = (name: string, n: number) =>
    w.until(() => rec.hooks.filter((h) => h.body.hook_event_name === name)[n - 1]?.body, `hook ${name} #${n}`);
  const stored = new Map<string, NewMessage>();
  const store = (ms: NewMessage[] | undefined) => {
    for (const m of ms ?? []) if (!stored.has(m.externalKey!)) stored.set(m.externalKey!, m);
  };
  const storedText = () => [...stored.values()].map((m) => `${m.senderType}:${m.content}`);
  const apply = (body: unknown) => {
    const p = parseGeminiHook(body);
    assert.ok(p, `a Gemini hook payload: ${JSON.stringify(body)}`);
    const fx = mapGeminiHook(p);
    store(fx.messages);
    return fx;
  };
  const follow = (body: any) => {
    assert.ok(transcriptInside(path.join(first.home, '.gemini', 'tmp'), body.transcript_path), body.transcript_path);
    tailer.follow(body.transcript_path);
  };
  let resumedRun = false;
  const ready = () => w.until(() => geminiComposerReady(run!.screen(), { resumed: resumedRun }), 'the input box');
  // Typing as the driver does: paste, Enter after the paste guard, and Enter once more if the text is still in the box
  // GEMINI_RESUBMIT_AFTER_MS later (the CLI took the first Enter as a newline: its paste window outlasted the guard).
  const send = async (text: string) => {
    await ready();
    const n = rec.hooks.length;
    await typePrompt(run!, w, text, GEMINI_ENTER_GUARD_MS);
    const taken = await w
      .until(() => rec.hooks.length > n || geminiInputText(run!.screen()) !== text, 'the prompt submitted', GEMINI_RESUBMIT_AFTER_MS)
      .then(
        () => true,
        () => false,
      );
    if (!taken && geminiInputText(run!.screen()) === text) run!.write('\r');
  };

  run = startCli({ command: GEMINI, args: first.args, cwd: proj, env: env(first), onChange: () => w.poke() });
  const start = await hookN('SessionStart', 1);
  assert.equal(start.source, 'startup');
  assert.equal(apply(start).status, 'idle');
  const sessionId: string = start.session_id;
  await w.until(() => geminiComposerReady(run!.screen()), 'the input box');

  // 1. plain prompt: BeforeAgent → active, AfterAgent → idle with the reply; the transcript has both messages.
  await send('say hi');
  const before1 = await hookN('BeforeAgent', 1);
  assert.equal(apply(before1).status, 'active');
  const transcriptPath: string = before1.transcript_path;
  follow(before1);
  const after1 = await hookN('AfterAgent', 1);
  const fxAfter = apply(after1);
  assert.equal(fxAfter.status, 'idle');
  assert.equal(fxAfter.reply, 'Hello from the fake API. You said: say hi');
  assert.deepEqual(names(), ['SessionStart', 'BeforeAgent', 'AfterAgent']);
  await w.until(() => mapped.some((m) => m.messages.some((x) => x.content === fxAfter.reply)), 'the reply in the transcript');
  for (const m of mapped) store(m.messages);
  assert.deepEqual(storedText(), ['user:say hi', 'agent:Hello from the fake API. You said: say hi']);

  // 2. approval, allowed: Notification ToolPermission → awaiting_input with the command; "1" runs it.
  await send('run: echo hello | tee out.txt');
  const perm = await hookN('Notification', 1);
  assert.equal(perm.notification_type, 'ToolPermission');
  const fxPerm = apply(perm);
  assert.equal(fxPerm.status, 'awaiting_input');
  assert.equal(fxPerm.approval?.command, 'echo hello | tee out.txt');
  const dialog = await w.until(() => readGeminiDialog(run!.screen()), 'the approval dialog');
  const dialogScreen = run.screen();
  assert.equal(dialog.command, 'echo hello | tee out.txt');
  assert.deepEqual(
    dialog.options.map((o) => [o.key, o.label, o.choice]),
    [
      ['1', 'Allow once', 'allow'],
      ['2', 'Allow for this session', 'allow_always'],
      ['3', 'No, suggest changes', 'deny'],
    ],
  );
  await new Promise((r) => setTimeout(r, GEMINI_INPUT_GUARD_MS));
  run.write(geminiAnswerKeys('allow', dialog.options)!.keys);
  const afterTool = await hookN('AfterTool', 1);
  assert.equal(apply(afterTool).status, 'active');
  await hookN('AfterAgent', 2);
  assert.deepEqual(names().slice(3), ['BeforeAgent', 'BeforeTool', 'Notification', 'AfterTool', 'AfterAgent']);
  assert.equal(fs.readFileSync(path.join(proj, 'out.txt'), 'utf8'), 'hello\n');
  const result = api
    .mainRequests()
    .map((r) => r.toolResult)
    .find(Boolean);
  assert.ok(result && /hello/.test(result.output), `the model got the command's output: ${JSON.stringify(result)}`);

  // 3. approval, denied: Esc → no hook at all; the transcript records the cancellation, the screen says so.
  await send('run: echo nope > denied.txt');
  await hookN('Notification', 2);
  const hooksAtDialog = rec.hooks.length;
  const dialog2 = await w.until(() => readGeminiDialog(run!.screen()), 'the second dialog');
  await new Promise((r) => setTimeout(r, GEMINI_INPUT_GUARD_MS));
  run.write(geminiAnswerKeys('deny', dialog2.options)!.keys);
  await w.until(() => mapped.some((m) => m.cancelled), 'the cancellation in the transcript');
  await w.until(
    () => !readGeminiDialog(run!.screen()) && /Request cancelled\./.test(run!.screen()) && geminiComposerReady(run!.screen()),
    'the dialog gone, the prompt back',
  );
  assert.equal(fs.existsSync(path.join(proj, 'denied.txt')), false);

  // the next turn: between the denial and it, Gemini sent no hook (no AfterTool, no AfterAgent); the model never saw the call
  await send('say again');
  const before4 = await hookN('BeforeAgent', 4);
  assert.equal(rec.hooks.indexOf(rec.hooks.find((h) => h.body === before4)!), hooksAtDialog, 'no hook between the denial and the next prompt');
  await hookN('AfterAgent', 3);
  const again = api.mainRequests().at(-1)!;
  assert.equal(again.lastUserText, 'say again');
  assert.ok(!JSON.stringify(again.body.contents).includes('denied.txt'), 'the cancelled turn is not in the history sent to the model');
  assert.ok(JSON.stringify(again.body.contents).includes('tee out.txt'), 'the earlier turns are');

  // 4. /quit: SessionEnd (three times), exit 0
  // a slash command: Enter once its completion is listed (an Enter before that only completes it)
  await ready();
  run.write('\x1b[200~/quit\x1b[201~');
  await w.until(() => /Exit the cli/.test(run!.screen()), 'the /quit completion');
  await new Promise((r) => setTimeout(r, GEMINI_ENTER_GUARD_MS));
  run.write('\r');
  await hookN('SessionEnd', 1);
  await w.until(() => run!.exit, 'the exit');
  assert.equal(run.exit!.exitCode, 0);
  assert.ok(rec.hooks.filter((h) => h.body.hook_event_name === 'SessionEnd').every((h) => mapGeminiHook(parseGeminiHook(h.body)!).sessionEnded));

  // 5. resume: `gemini --resume <id>` continues the same session and the same transcript file
  const second = launch(sessionId);
  assert.deepEqual(second.args, ['--resume', sessionId]);
  const hooksBefore = rec.hooks.length;
  const newHooks = () => rec.hooks.slice(hooksBefore).map((h) => h.body);
  run = startCli({ command: GEMINI, args: second.args, cwd: proj, env: env(second), onChange: () => w.poke() });
  const resumed = await w.until(() => newHooks().find((h) => h.hook_event_name === 'SessionStart'), 'SessionStart after resume');
  assert.equal(resumed.source, 'resume');
  assert.equal(resumed.session_id, sessionId);
  resumedRun = true;
  await ready();
  // A fresh reader of the whole file, as a resumed instance's driver has: what is stored already is not stored again.
  reader = new GeminiTranscriptReader();
  await send('after resume');
  const before5 = await w.until(() => newHooks().find((h) => h.hook_event_name === 'BeforeAgent'), 'BeforeAgent after resume');
  assert.equal(before5.transcript_path, transcriptPath, 'the resumed session writes the same transcript');
  tailer.follow(resumed.transcript_path); // the path SessionStart names on resume is a fresh, empty file …
  tailer.follow(before5.transcript_path); // … the turn's hooks name the session's own file
  await w.until(() => newHooks().some((h) => h.hook_event_name === 'AfterAgent'), 'AfterAgent after resume');
  await w.until(
    () => mapped.some((m) => m.messages.some((x) => x.content === 'Hello from the fake API. You said: after resume')),
    'the resumed turn in the transcript',
  );
  assert.ok(JSON.stringify(api.mainRequests().at(-1)!.body.contents).includes('say hi'), 'the resumed session sent its history');
  assert.equal(rec.rejected, 0);

  // each message once, whichever source and however often the file was read
  for (const m of mapped) store(m.messages);
  const texts = storedText();
  for (const x of [
    'user:say hi',
    'agent:Hello from the fake API. You said: say hi',
    'user:run: echo hello | tee out.txt',
    'agent:Shell: echo hello | tee out.txt',
    'user:after resume',
    'agent:Hello from the fake API. You said: after resume',
  ]) {
    assert.equal(texts.filter((y) => y === x).length, 1, `${x} in ${JSON.stringify(texts, null, 1)}`);
  }
  assert.equal(texts.filter((y) => y === 'agent:I will run it.').length, 2, 'one per turn that said it, the copies after the cancellation left out');

  if (process.env.RECORD_FIXTURES)
    recordFixture(
      rec.hooks.map((h) => h.body),
      raw,
      dialogScreen,
      root,
    );
});

/** Writes test/fakes/gemini-recorded.json: the hook payloads and the transcript records, paths neutralised. */
function recordFixture(hooks: unknown[], transcript: unknown[], dialogScreen: string, root: string) {
  const text = JSON.stringify({ cli: 'gemini-cli 0.61.0', hooks, transcript, dialogScreen }, null, 1).split(root).join('/home/u');
  fs.writeFileSync(path.resolve(import.meta.dirname, '../fakes/gemini-recorded.json'), `${text}\n`);
}
