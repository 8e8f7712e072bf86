// The real Codex CLI (test/clis, pinned) in a real pty, offline against test/fakes/openai-responses.ts, with the
// CODEX_HOME prepareCodexLaunch makes and a receiver on a Unix socket standing in for the pty host's hooks socket.
// Covers: a plain prompt (active → idle, both messages read once), an approval allowed (the command runs and the
// model receives its output), an approval denied (Interrupt, no Stop, back to idle; the model later gets "aborted"),
// /exit, and Resume of the ended session (same session id, same rollout file, the history sent to the model).
// With RECORD_FIXTURES=1 it rewrites test/fakes/codex-recorded.json from what it observed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeResponses } from '../fakes/openai-responses.js';
import { cliPath } from '../helpers/clis.js';
import { Waiter, startCli, startHookReceiver, typePrompt, type CliRun } from '../helpers/agent-cli.js';
import { prepareCodexLaunch, findCodexRollout } from '../../src/server/integrations/codex/launch.js';
import { mapCodexHook, parseCodexHook, codexPromptKey } from '../../src/server/integrations/codex/hooks.js';
import { mapRolloutEntry, type RolloutMapping } from '../../src/server/integrations/codex/rollout.js';
import {
  CODEX_CLEAR_INPUT,
  CODEX_INPUT_GUARD_MS,
  codexAnswerKeys,
  codexComposerReady,
  readCodexDialog,
} from '../../src/server/integrations/codex/respond.js';
import { HOOK_SECRET_HEADER } from '../../src/server/integrations/hook-transport.js';
import { JsonlTailer } from '../../src/server/integrations/jsonl-tailer.js';
import { transcriptInside } from '../../src/server/integrations/agent-effects.js';
import type { NewMessage } from '../../src/server/instances/store.js';

const CODEX = await cliPath('codex');

test('real Codex CLI: plain prompt, approval allowed, approval denied, /exit, resume', { timeout: 240_000 }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-codex-cli-'));
  const proj = path.join(root, 'proj');
  fs.mkdirSync(proj);
  const api = await startFakeResponses();
  let run: CliRun | null = null;
  const w = new Waiter(() => `screen:\n${run?.screen() ?? ''}\nhooks: ${rec.hooks.map((h) => h.body.hook_event_name).join(',')}`);
  const secret = 'hook-secret-codex';
  const rec = await startHookReceiver({ path: '/hooks/inst-1', header: HOOK_SECRET_HEADER, secret, onHook: () => w.poke() });
  const config = [
    'model = "gpt-fake"',
    'model_provider = "fake"',
    'approval_policy = "on-request"',
    '[model_providers.fake]',
    'name = "Fake"',
    `base_url = "${api.url}/v1"`,
    'wire_api = "responses"',
    'env_key = "FAKE_OPENAI_KEY"',
    `[projects."${proj}"]`,
    'trust_level = "trusted"',
    '[analytics]',
    'enabled = false',
    '',
  ].join('\n');
  const runDir = path.join(root, 'run');
  const launch = (resumeSessionId?: string) =>
    prepareCodexLaunch({ instanceId: 'inst-1', runDir, hookSocket: rec.socket, secret, config, userHome: null, resumeSessionId });
  const env = (l: ReturnType<typeof launch>) => ({ ...process.env, ...l.env, FAKE_OPENAI_KEY: 'sk-fake', HOME: root });

  const first = launch();
  assert.equal(fs.statSync(first.dir).mode & 0o777, 0o700);
  assert.equal(fs.statSync(first.home).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(first.home, 'hooks.json')).mode & 0o777, 0o600);
  assert.equal(fs.statSync(path.join(first.dir, 'hook-headers')).mode & 0o777, 0o600);
  assert.ok(!fs.readFileSync(path.join(first.home, 'hooks.json'), 'utf8').includes(secret), 'the secret is not in the hook command');

  const tailer = new JsonlTailer({ pollMs: 200 });
  const rollout: RolloutMapping[] = [];
  const rolloutRaw: unknown[] = [];
  tailer.on('entry', (e) => {
    rolloutRaw.push(e);
    rollout.push(mapRolloutEntry(e));
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
  const stored = new Map<string, NewMessage>(); // what the driver would store: one message per external key
  const store = (ms: NewMessage[] | undefined) => {
    for (const m of ms ?? []) if (!stored.has(m.externalKey!)) stored.set(m.externalKey!, m);
  };
  const storedText = () => [...stored.values()].map((m) => `${m.senderType}:${m.content}`);
  const apply = (body: unknown, status?: string) => {
    const p = parseCodexHook(body);
    assert.ok(p, `a Codex hook payload: ${JSON.stringify(body)}`);
    const fx = mapCodexHook(p, { status });
    store(fx.messages);
    return fx;
  };

  run = startCli({ command: CODEX, args: first.args, cwd: proj, env: env(first), onChange: () => w.poke() });
  await w.until(() => codexComposerReady(run!.screen()), 'the composer');

  // 1. plain prompt: UserPromptSubmit → active, Stop → idle; the rollout has both messages, keyed like the hook's.
  await typePrompt(run, w, 'say hi', 0, CODEX_CLEAR_INPUT);
  const submit1 = await hookN('UserPromptSubmit', 1);
  assert.equal(apply(submit1).status, 'active');
  const stop1 = await hookN('Stop', 1);
  const fxStop = apply(stop1);
  assert.equal(fxStop.status, 'idle');
  assert.equal(fxStop.reply, 'Hello from the fake API. You said: say hi');
  assert.deepEqual(names(), ['SessionStart', 'UserPromptSubmit', 'Stop']);
  const start = rec.hooks[0].body;
  assert.equal(start.source, 'startup');
  const sessionId: string = start.session_id;
  const rolloutPath: string = start.transcript_path;
  assert.ok(transcriptInside(first.home, rolloutPath), rolloutPath);
  assert.equal(findCodexRollout(first.home, sessionId), rolloutPath);
  tailer.follow(rolloutPath);
  await w.until(() => rollout.some((m) => m.turnComplete?.turnId === submit1.turn_id), 'task_complete in the rollout');
  for (const m of rollout) store(m.messages);
  assert.deepEqual(storedText(), ['user:say hi', 'agent:Hello from the fake API. You said: say hi']);
  assert.ok(stored.has(codexPromptKey(submit1.turn_id, 'say hi')), 'the hook and the rollout key the prompt alike');
  // Codex closes a turn (task_complete) ~10-40 ms after Stop; a prompt typed before that joins the old turn. The driver
  // waits for it before the next prompt, and so does this test.
  const turnClosed = (turnId: string) => w.until(() => rollout.some((m) => m.turnComplete?.turnId === turnId), `task_complete of ${turnId}`);

  // 2. approval, allowed: PermissionRequest → awaiting_input with the command; the dialog's options; "1" runs it.
  await typePrompt(run, w, 'run: echo hello | tee out.txt', 0, CODEX_CLEAR_INPUT);
  const perm = await hookN('PermissionRequest', 1);
  const fxPerm = apply(perm);
  assert.equal(fxPerm.status, 'awaiting_input');
  assert.equal(fxPerm.approval?.command, 'echo hello | tee out.txt');
  assert.equal(fxPerm.approval?.tool, 'Bash');
  const dialog = await w.until(() => readCodexDialog(run!.screen()), 'the approval dialog');
  const dialogScreen = run.screen();
  assert.equal(dialog.command, 'echo hello | tee out.txt', run.screen());
  assert.deepEqual(
    dialog.options.map((o) => [o.key, o.shortcut, o.choice]),
    [
      ['1', 'y', 'allow'],
      ['2', 'p', 'allow_always'],
      ['3', 'esc', 'deny'],
    ],
  );
  assert.equal(dialog.options[0].label, 'Yes, proceed');
  await new Promise((r) => setTimeout(r, CODEX_INPUT_GUARD_MS)); // Codex drops keys sent as the dialog appears
  run.write(codexAnswerKeys('allow', dialog.options)!.keys);
  const stop2 = await hookN('Stop', 2);
  await turnClosed(stop2.turn_id);
  assert.deepEqual(names().slice(3), ['UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'PostToolUse', 'Stop']);
  assert.equal(fs.readFileSync(path.join(proj, 'out.txt'), 'utf8'), 'hello\n');
  const output = api
    .mainRequests()
    .map((r) => r.toolOutput)
    .find(Boolean);
  assert.ok(output && /hello/.test(output.output), `the model got the command's output: ${JSON.stringify(output)}`);

  // 3. approval, denied: Esc → Interrupt (no Stop, no PostToolUse) → idle; nothing ran; the rollout says aborted.
  const requestsBefore = api.mainRequests().length;
  await typePrompt(run, w, 'run: echo nope > denied.txt', 0, CODEX_CLEAR_INPUT);
  const perm2 = await hookN('PermissionRequest', 2);
  assert.equal(apply(perm2).status, 'awaiting_input');
  const dialog2 = await w.until(() => readCodexDialog(run!.screen()), 'the second dialog');
  await new Promise((r) => setTimeout(r, CODEX_INPUT_GUARD_MS));
  run.write(codexAnswerKeys('deny', dialog2.options)!.keys);
  const interrupt = await hookN('Interrupt', 1);
  const fxInt = apply(interrupt, 'awaiting_input');
  assert.equal(fxInt.status, 'idle');
  assert.equal(fxInt.interrupted, true);
  assert.equal(fxInt.reason, 'approval denied');
  assert.deepEqual(names().slice(8), ['UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'Interrupt']);
  await w.until(() => rollout.some((m) => m.aborted?.turnId === perm2.turn_id), 'turn_aborted in the rollout');
  assert.equal(fs.existsSync(path.join(proj, 'denied.txt')), false);
  assert.equal(api.mainRequests().length, requestsBefore + 1, 'a denial sends nothing to the model at once');
  await w.until(() => codexComposerReady(run!.screen()), 'the composer after the denial');

  // the next prompt carries the denial to the model
  await typePrompt(run, w, 'say again', 0, CODEX_CLEAR_INPUT);
  const stop3 = await hookN('Stop', 3);
  assert.notEqual(stop3.turn_id, perm2.turn_id, 'a turn of its own');
  await turnClosed(stop3.turn_id);
  const again = api.mainRequests().at(-1)!;
  assert.equal(again.lastUserText, 'say again');
  const denied = (again.body.input as any[]).find((i) => i.type === 'function_call_output' && /aborted by user/.test(JSON.stringify(i.output)));
  assert.ok(denied, 'the model is told the denied call was aborted');

  // 4. /exit: SessionEnd, exit 0
  await typePrompt(run, w, '/exit', 0, CODEX_CLEAR_INPUT);
  const end = await hookN('SessionEnd', 1);
  assert.equal(apply(end).sessionEnded, true);
  await w.until(() => run!.exit, 'the exit');
  assert.equal(run.exit!.exitCode, 0);

  // 5. resume: `codex resume <id>` continues the same session and the same rollout file
  const second = launch(sessionId);
  assert.deepEqual(second.args.slice(-2), ['resume', sessionId]);
  assert.equal(second.home, first.home);
  const hooksBefore = rec.hooks.length;
  run = startCli({ command: CODEX, args: second.args, cwd: proj, env: env(second), onChange: () => w.poke() });
  await w.until(() => codexComposerReady(run!.screen()), 'the composer after resume');
  await typePrompt(run, w, 'after resume', 0, CODEX_CLEAR_INPUT);
  const resumed = await w.until(
    () => rec.hooks.slice(hooksBefore).find((h) => h.body.hook_event_name === 'SessionStart')?.body,
    'SessionStart after resume',
  );
  assert.equal(resumed.source, 'resume');
  assert.equal(resumed.session_id, sessionId);
  assert.equal(resumed.transcript_path, rolloutPath);
  await hookN('Stop', 4);
  await w.until(
    () => rollout.some((m) => m.messages.some((x) => x.content === 'Hello from the fake API. You said: after resume')),
    'the resumed turn in the same rollout',
  );
  assert.ok(JSON.stringify(api.mainRequests().at(-1)!.body.input).includes('say hi'), 'the resumed session sent its history');
  assert.deepEqual(
    fs.readdirSync(path.dirname(rolloutPath)).filter((f) => f.startsWith('rollout-')),
    [path.basename(rolloutPath)],
  );
  assert.equal(rec.rejected, 0);

  // each message once, whichever source reported it first
  for (const m of rollout) store(m.messages);
  const texts = storedText();
  for (const x of [
    'user:say hi',
    'agent:Hello from the fake API. You said: say hi',
    'user:after resume',
    'agent:Hello from the fake API. You said: after resume',
  ]) {
    assert.equal(texts.filter((y) => y === x).length, 1, x);
  }
  assert.ok(texts.includes('agent:Bash: echo hello | tee out.txt'));

  if (process.env.RECORD_FIXTURES)
    recordFixture(
      rec.hooks.map((h) => h.body),
      rolloutRaw,
      dialogScreen,
      root,
    );
});

/** Writes test/fakes/codex-recorded.json: the hook payloads and the rollout lines the mapping reads, paths neutralised. */
function recordFixture(hooks: unknown[], rollout: unknown[], dialogScreen: string, root: string) {
  const keep = rollout.filter(
    (e: any) =>
      e?.type === 'session_meta' ||
      (e?.type === 'event_msg' && ['task_started', 'item_completed', 'task_complete', 'turn_aborted'].includes(e.payload?.type)),
  );
  const slim = keep.map((e: any) =>
    e.type === 'session_meta' ? { type: e.type, payload: { id: e.payload.id, cwd: e.payload.cwd, cli_version: e.payload.cli_version } } : e,
  );
  const text = JSON.stringify({ cli: 'codex-cli 0.171.0', hooks, rollout: slim, dialogScreen }, null, 1).split(root).join('/home/u');
  fs.writeFileSync(path.resolve(import.meta.dirname, '../fakes/codex-recorded.json'), `${text}\n`);
}
