// The real Claude Code CLI in a pty, offline against test/fakes/anthropic-api.ts, launched with the settings AreYouJ
// writes (prepareClaudeLaunch): its questions answered through the decision hook, exactly as chosen (asserted on the
// tool_result the fake model receives), plan approvals read from the screen and answered, and an interrupt before the
// model sent anything, which only the screen shows. Server-level tests: test/integration/claude-dialogs.test.ts.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { claudeCli } from '../fakes/claude-offline.js';
import { startClaudePty, type ClaudePty } from '../helpers/claude-pty.js';
import {
  askDecision,
  buildAnswers,
  cancelDecision,
  parseAskInput,
  questionDialogVisible,
  takenAnswers,
  type AskAnswer,
} from '../../src/server/integrations/claude/ask.js';
import { parsePlanInput, planFeedbackDecision, planFeedbackMessage, readPlanDialog } from '../../src/server/integrations/claude/plan.js';
import { InterruptWatch, isWorking } from '../../src/server/integrations/claude/interrupt.js';
import { PERMISSION_INPUT_GUARD_MS } from '../../src/server/integrations/claude/respond.js';
import { DB_QUESTION as DB, FEATURES_QUESTION as FEATURES, LANGUAGE_QUESTION as LANGUAGE, askScript as ask } from '../fakes/claude-questions.js';

await claudeCli(); // installs test/clis the first time (a few minutes), never skipped

/** The n-th PermissionRequest's tool_use_id (from the PreToolUse just before it) and its decision request. */
async function nthDialog(c: ClaudePty, n: number) {
  const perm = await c.hook('PermissionRequest', n);
  const pre = c.hooks
    .slice(0, c.hooks.indexOf(perm))
    .reverse()
    .find((h) => h.hook_event_name === 'PreToolUse' && h.tool_name === perm.tool_name)!;
  const decision = await c.until(
    () => c.decisions.find((d) => !d.replied && JSON.stringify(d.payload.tool_input) === JSON.stringify(perm.tool_input)),
    'the decision request',
  );
  return { perm, toolUseId: pre.tool_use_id!, decision };
}
const resultFor = (c: ClaudePty, toolUseId: string) => c.api.waitRequest((r) => r.toolResult?.toolUseId === toolUseId).then((r) => r.toolResult!);
const stops = (c: ClaudePty) => c.hooks.filter((h) => h.hook_event_name === 'Stop').length;

describe("Claude Code's questions answered through the decision hook", { timeout: 180_000 }, () => {
  let c: ClaudePty;
  let n = 0;
  before(async () => {
    c = await startClaudePty({ args: ['--permission-mode', 'default'] });
  });
  after(async () => {
    await c?.close();
  });

  /** Asks, answers through the hook once the dialog is on the screen, and returns what the model received. */
  async function answer(prompt: string, answers: AskAnswer[]) {
    const stop = stops(c);
    await c.send(prompt);
    const d = await nthDialog(c, ++n);
    const qs = parseAskInput(d.perm.tool_input)!;
    await c.until(() => questionDialogVisible(c.screen()), 'the dialog on the screen');
    d.decision.reply(askDecision(d.perm.tool_input!, buildAnswers(qs, answers)));
    const result = await resultFor(c, d.toolUseId);
    const post = await c.until(() => c.hooks.find((h) => h.hook_event_name === 'PostToolUse' && h.tool_use_id === d.toolUseId), 'PostToolUse');
    await c.until(() => stops(c) > stop && !questionDialogVisible(c.screen()), "the turn's end");
    return { result, taken: takenAnswers(post.tool_input) };
  }

  test('single-select: the chosen option', async () => {
    const { result, taken } = await answer(ask(DB), [{ question: DB.question, options: ['Postgres'] }]);
    assert.equal(result.isError, false);
    assert.equal(
      result.content,
      'Your questions have been answered: "Which database should the service use?"="Postgres". You can now continue with these answers in mind.',
    );
    assert.deepEqual(taken, { [DB.question]: 'Postgres' });
  });

  test('free text ("Type something")', async () => {
    const { result } = await answer(ask(DB), [{ question: DB.question, options: [], text: 'We use MySQL' }]);
    assert.match(result.content, /^The user answered: "Which database should the service use\?"="We use MySQL"\./);
  });

  test("multi-select: the chosen options in the dialog's order, then typed text", async () => {
    const { result } = await answer(ask(FEATURES), [{ question: FEATURES.question, options: ['Tracing', 'Logging'], text: 'Audit log' }]);
    assert.match(result.content, /"Which features do you want to enable\?"="Logging, Tracing, Audit log"/);
  });

  test('two questions in one call', async () => {
    const { result, taken } = await answer(ask(DB, LANGUAGE), [
      { question: DB.question, options: ['SQLite'] },
      { question: LANGUAGE.question, options: ['Go'] },
    ]);
    assert.equal(
      result.content,
      'Your questions have been answered: "Which database should the service use?"="SQLite", "Which language for the CLI?"="Go". You can now continue with these answers in mind.',
    );
    assert.deepEqual(taken, { [DB.question]: 'SQLite', [LANGUAGE.question]: 'Go' });
  });

  test("cancel: what the dialog's Esc does (the turn is interrupted, no Stop)", async () => {
    const stop = stops(c);
    await c.send(ask(DB));
    const d = await nthDialog(c, ++n);
    d.decision.reply(cancelDecision());
    // the model is not called again: the rejected tool_result is in the transcript, then the interrupt
    const blocks = () => c.entries.flatMap((e) => (e.type === 'user' && Array.isArray(e.message?.content) ? (e.message!.content as any[]) : []));
    await c.until(() => blocks().some((b) => b.type === 'text' && b.text === '[Request interrupted by user for tool use]'), 'the interrupt entry');
    const rejected = blocks().find((b) => b.type === 'tool_result' && b.tool_use_id === d.toolUseId);
    assert.equal(rejected.is_error, true);
    assert.match(rejected.content, /The user doesn't want to proceed with this tool use/);
    assert.equal(stops(c), stop);
    assert.equal(c.api.mainRequests().filter((r) => r.toolResult?.toolUseId === d.toolUseId).length, 0);
  });

  test("answered in the terminal while the hook waits: the terminal's answer counts, the late hook reply changes nothing", async () => {
    await c.send(ask(DB));
    const d = await nthDialog(c, ++n);
    await c.until(() => questionDialogVisible(c.screen()), 'the dialog on the screen');
    await new Promise((r) => setTimeout(r, PERMISSION_INPUT_GUARD_MS)); // Claude Code drops keys in a dialog's first ~200 ms
    c.write('1');
    const result = await resultFor(c, d.toolUseId);
    assert.match(result.content, /="SQLite"/);
    d.decision.reply(askDecision(d.perm.tool_input!, { [DB.question]: 'Postgres' }));
    await c.send('say hi');
    await c.api.waitRequest((r) => r.lastUserText === 'say hi');
    assert.equal(c.api.mainRequests().filter((r) => r.toolResult?.toolUseId === d.toolUseId).length, 1, 'one result for that question');
  });
});

describe("Claude Code's plan approval", { timeout: 180_000 }, () => {
  let c: ClaudePty;
  before(async () => {
    c = await startClaudePty({ args: ['--permission-mode', 'plan'] });
  });
  after(async () => {
    await c?.close();
  });
  const PLAN = '# Add a health check\\n\\n1. Add `GET /health`.\\n2. Test it.';

  test("the plan and the dialog's options; feedback reaches the model in the dialog's words; then approved with option 2", async () => {
    await c.send(`plan: ${PLAN}`);
    const first = await nthDialog(c, 1);
    assert.equal(first.perm.tool_name, 'ExitPlanMode');
    assert.equal(parsePlanInput(first.perm.tool_input)!.plan, '# Add a health check\n\n1. Add `GET /health`.\n2. Test it.');
    const dialog = await c.until(() => readPlanDialog(c.screen()).visible && readPlanDialog(c.screen()), 'the plan dialog');
    assert.deepEqual(
      dialog.options.map((o) => o.role),
      ['approve', 'approve', 'feedback'],
    );
    first.decision.reply(planFeedbackDecision('Please also add a readiness probe'));
    const fb = await resultFor(c, first.toolUseId);
    assert.equal(fb.isError, true);
    assert.equal(fb.content, planFeedbackMessage('Please also add a readiness probe'));
    await c.hook('Stop');

    await c.send(`plan: ${PLAN}`);
    const second = await nthDialog(c, 2);
    const d2 = await c.until(() => readPlanDialog(c.screen()).visible && readPlanDialog(c.screen()), 'the plan dialog again');
    const manual = d2.options.find((o) => /manually approve/.test(o.label))!;
    await new Promise((r) => setTimeout(r, PERMISSION_INPUT_GUARD_MS));
    c.write(String(manual.number));
    const ok = await resultFor(c, second.toolUseId);
    assert.match(ok.content, /^User has approved your plan/);
    second.decision.reply(null);
    await c.hook('Stop', 2);
    await c.until(() => /manual mode on/.test(c.screen()), 'manual mode');
  });
});

describe('an interrupt before the model sent anything', { timeout: 120_000 }, () => {
  test('leaves no trace but the screen: the prompt back in the input box', async (t) => {
    const c = await startClaudePty({ args: ['--permission-mode', 'default'] });
    t.after(() => c.close());
    await c.send('wait: a long answer');
    await c.api.waitRequest((r) => r.main && /wait:/.test(r.lastUserText));
    await c.until(() => isWorking(c.screen()), 'working');
    const watch = new InterruptWatch();
    watch.arm();
    c.write('\x1b');
    const restored = await c.until(() => watch.check(c.screen()), 'the prompt back', 10_000);
    assert.equal(restored, 'wait: a long answer');
    await c.api.waitAborted((r) => r.main && /wait:/.test(r.lastUserText));
    assert.deepEqual(
      c.hooks.map((h) => h.hook_event_name),
      ['SessionStart', 'UserPromptSubmit'],
    );
    assert.ok(!c.entries.some((e) => JSON.stringify(e.message?.content ?? '').includes('interrupted')));
  });
});
