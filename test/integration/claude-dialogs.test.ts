// Claude Code's own questions (AskUserQuestion) and plan approvals (ExitPlanMode) through the real server: the real CLI
// offline against test/fakes/anthropic-api.ts (scripted: `tool: AskUserQuestion {…}`, `plan: …`), each answer given
// through POST /respond and asserted on the tool_result the fake model receives. Interrupts: claude-interrupts.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { claudeCli } from '../fakes/claude-offline.js';
import { startClaudeInstance } from '../helpers/claude-instance.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';
import { questionDialogVisible } from '../../src/server/integrations/claude/ask.js';
import { planFeedbackMessage } from '../../src/server/integrations/claude/plan.js';
import { PERMISSION_INPUT_GUARD_MS } from '../../src/server/integrations/claude/respond.js';
import { DB_QUESTION as DB, FEATURES_QUESTION as FEATURES, LANGUAGE_QUESTION as LANGUAGE, askScript as ask } from '../fakes/claude-questions.js';

await claudeCli(); // installs test/clis the first time (a few minutes), never skipped
const PLAN = '# Add a health check\\n\\n1. Add `GET /health`.\\n2. Test it.';

describe("Claude Code's questions and plans through the server", { timeout: 240_000 }, () => {
  let s: TestServer;
  let api: FakeAnthropic;
  let sse: SseClient;
  before(async () => {
    api = await startFakeAnthropic();
    s = await startTestServer();
    sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
  });
  after(async () => {
    await s?.close();
    await api?.close();
    sse?.close();
  });

  /** The tool_result the model received for that call. */
  const resultFor = (toolUseId: string) => api.waitRequest((r) => r.toolResult?.toolUseId === toolUseId).then((r) => r.toolResult!);
  /** The call of the latest AskUserQuestion / ExitPlanMode the model made. */
  const lastCall = (name: string) => api.lastToolUse(name);

  async function question(c: Awaited<ReturnType<typeof startClaudeInstance>>, prompt: string) {
    const from = sse.events.length;
    await c.send(prompt);
    const waiting = await c.status(from, 'awaiting_input');
    const msg = (await c.created(from, (m) => m.kind === 'question' && m.requiresUserInput, 'the question message')).data.message;
    return { from, waiting, msg };
  }

  test('a single-select question: shown as choices, answered as chosen, back to idle; a late answer is a 409', async () => {
    const c = await startClaudeInstance(s, sse, api);
    const { from, waiting, msg } = await question(c, ask(DB));
    assert.equal(waiting.data.instance.statusReason, 'question');
    assert.deepEqual(msg.question, {
      type: 'choices',
      freeText: true,
      questions: [
        {
          header: 'Database',
          question: DB.question,
          multiSelect: false,
          options: [
            { key: '1', label: 'SQLite', description: 'One file, no server' },
            { key: '2', label: 'Postgres', description: 'A server, more features' },
          ],
        },
      ],
    });
    assert.equal(msg.content, `Claude asks: ${DB.question} (SQLite / Postgres)`);
    // nothing the dialog would not take: every bad answer is a 400, and nothing reaches Claude
    for (const [body, code] of [
      [{ choice: '1' }, 'answers_required'],
      [{ answers: [{ question: DB.question, options: ['MySQL'] }] }, 'unknown_option'],
      [{ answers: [{ question: DB.question, options: ['SQLite', 'Postgres'] }] }, 'not_multi_select'],
      [{ answers: [{ question: 'Which OS?', options: ['Linux'] }] }, 'unknown_question'],
      [{ answers: [] }, 'validation_failed'],
      [{ choice: 'allow', answers: [] }, 'validation_failed'],
    ] as const) {
      const r = await c.respond(body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code);
    }
    assert.equal((await c.get()).status, 'awaiting_input');
    const r = await c.respond({ answers: [{ question: DB.question, options: ['Postgres'] }] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.notEqual(r.body.status, 'awaiting_input');
    const result = await resultFor(lastCall('AskUserQuestion')!);
    assert.equal(
      result.content,
      'Your questions have been answered: "Which database should the service use?"="Postgres". You can now continue with these answers in mind.',
    );
    await c.created(from, (m) => m.content === `Answered: ${DB.question} → Postgres`, 'the answer recorded');
    await c.status(from, 'idle');
    const again = await c.respond({ answers: [{ question: DB.question, options: ['SQLite'] }] });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'already_answered');
    assert.match(again.body.error.message, /already answered \(Which database should the service use\? → Postgres\)/);
    assert.equal(api.mainRequests().filter((x) => x.toolResult?.toolUseId === lastCall('AskUserQuestion')).length, 1);
    assert.equal((await c.messages()).find((m) => m.id === msg.id).requiresUserInput, false);
  });

  test('multi-select with typed text, and two questions answered together (one typed)', async () => {
    const c = await startClaudeInstance(s, sse, api);
    let q = await question(c, ask(FEATURES));
    assert.equal(q.msg.question.questions[0].multiSelect, true);
    assert.equal((await c.respond({ answers: [{ question: FEATURES.question, options: ['Tracing', 'Logging'], text: 'Audit log' }] })).status, 200);
    assert.match(
      (await resultFor(lastCall('AskUserQuestion')!)).content,
      /^The user answered: "Which features do you want to enable\?"="Logging, Tracing, Audit log"\./,
    );
    await c.status(q.from, 'idle');

    q = await question(c, ask(DB, LANGUAGE));
    assert.deepEqual(
      q.msg.question.questions.map((x: any) => x.header),
      ['Database', 'Language'],
    );
    const r = await c.respond({
      answers: [
        { question: DB.question, options: ['SQLite'] },
        { question: LANGUAGE.question, options: [], text: 'Rust' },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(
      (await resultFor(lastCall('AskUserQuestion')!)).content,
      /^The user answered: "Which database should the service use\?"="SQLite", "Which language for the CLI\?"="Rust"\./,
    );
    await c.status(q.from, 'idle');
  });

  test('skip: the dialog is cancelled as with Esc, reported as such; the instance is idle and takes the next message', async () => {
    const c = await startClaudeInstance(s, sse, api);
    const { from } = await question(c, ask(DB));
    const requests = api.mainRequests().length;
    const r = await c.respond({ cancel: true });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'idle');
    await c.created(from, (m) => m.content === "Declined to answer Claude's questions", 'the declined note');
    await c.created(from, (m) => m.content === 'Interrupted', 'the interrupt');
    assert.equal(api.mainRequests().length, requests, 'the model is not asked again');
    const next = sse.events.length;
    await c.send('say after');
    await c.reply(next, 'say after');
    await c.status(next, 'idle');
  });

  test("answered in the terminal meanwhile: the API's answer is a 409 and Claude got the terminal's", async () => {
    const c = await startClaudeInstance(s, sse, api);
    const { from } = await question(c, ask(DB));
    // the dialog on the server's screen, then "1" typed into the terminal (Claude drops keys in a dialog's first ~200 ms)
    await c.untilScreen(questionDialogVisible);
    await new Promise((r) => setTimeout(r, PERMISSION_INPUT_GUARD_MS));
    await c.keys(['1']);
    const result = await resultFor(lastCall('AskUserQuestion')!);
    assert.match(result.content, /="SQLite"/);
    const r = await c.respond({ answers: [{ question: DB.question, options: ['Postgres'] }] });
    assert.equal(r.status, 409);
    assert.match(r.body.error.message, /already answered \(Which database should the service use\? → SQLite\)/);
    await c.status(from, 'idle');
    assert.equal(api.mainRequests().filter((x) => x.toolResult?.toolUseId === lastCall('AskUserQuestion')).length, 1);
  });

  test("a plan approval: the plan and the dialog's options; feedback goes back to Claude; then approved with option 2", async () => {
    const c = await startClaudeInstance(s, sse, api, ['--permission-mode', 'plan']);
    let q = await question(c, `plan: ${PLAN}`);
    assert.equal(q.waiting.data.instance.statusReason, 'plan approval');
    assert.deepEqual(q.msg.question, { type: 'plan', plan: '# Add a health check\n\n1. Add `GET /health`.\n2. Test it.', options: [] });
    const drawn = await c.event(
      q.from,
      (e) => e.event === 'message.updated' && e.data.message.id === q.msg.id && e.data.message.question.options.length > 0,
      'the options',
    );
    assert.deepEqual(drawn.data.message.question.options, [
      { key: '1', label: 'Yes, and use auto mode' },
      { key: '2', label: 'Yes, manually approve edits' },
      { key: '3', label: 'Tell Claude what to change', intent: 'feedback' },
    ]);
    const noText = await c.respond({ choice: '3' });
    assert.equal(noText.status, 400);
    assert.equal(noText.body.error.code, 'text_required');
    assert.equal((await c.respond({ answers: [{ question: 'x', options: ['y'] }] })).body.error.code, 'not_choices');
    const fb = await c.respond({ choice: 'feedback', text: 'Please also add a readiness probe' });
    assert.equal(fb.status, 200, JSON.stringify(fb.body));
    const result = await resultFor(lastCall('ExitPlanMode')!);
    assert.equal(result.isError, true);
    assert.equal(result.content, planFeedbackMessage('Please also add a readiness probe'));
    await c.created(q.from, (m) => m.content === 'Feedback: Please also add a readiness probe', 'the feedback recorded');
    await c.status(q.from, 'idle');

    q = await question(c, `plan: ${PLAN}`);
    await c.event(
      q.from,
      (e) => e.event === 'message.updated' && e.data.message.id === q.msg.id && e.data.message.question.options.length > 0,
      'the options',
    );
    const ok = await c.respond({ choice: '2' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.match((await resultFor(lastCall('ExitPlanMode')!)).content, /^User has approved your plan/);
    await c.created(q.from, (m) => m.content === 'Plan approved', 'the approval recorded');
    await c.status(q.from, 'idle');
    assert.match(await c.screen(), /manual mode on/);
  });
});
