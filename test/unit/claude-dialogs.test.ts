// Claude Code's question and plan dialogs and its interrupts, read and answered by pure code, checked against what the
// real CLI recorded (test/fakes/claude-recorded-dialogs.json, made by test/fakes/record-claude-dialogs.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AnswerError,
  askDecision,
  buildAnswers,
  cancelDecision,
  parseAskInput,
  questionDialogVisible,
  sameAnswers,
  summarizeAsk,
  takenAnswers,
} from '../../src/server/integrations/claude/ask.js';
import {
  parsePlanInput,
  planFeedbackDecision,
  planFeedbackMessage,
  readPlanDialog,
  summarizePlan,
} from '../../src/server/integrations/claude/plan.js';
import { InterruptWatch, isInterruptKey, isWorking, readInputBox } from '../../src/server/integrations/claude/interrupt.js';
import { mapClaudeHook } from '../../src/server/integrations/claude/hooks.js';
import { DecisionChannel, MAX_PENDING_DECISIONS } from '../../src/server/integrations/claude/decisions.js';

const REC = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fakes/claude-recorded-dialogs.json'), 'utf8'));
const hook = (scenario: string, name: string, tool?: string) =>
  REC[scenario].hooks.find((h: any) => h.hook_event_name === name && (!tool || h.tool_name === tool));
const lines = (scenario: string, field = 'dialog') => (REC[scenario][field] as string[]).join('\n');
const DB = 'Which database should the service use?';
const FEATURES = 'Which features do you want to enable?';
const LANGUAGE = 'Which language for the CLI?';

describe('AskUserQuestion', () => {
  test('the PermissionRequest payload reads as typed questions', () => {
    const single = parseAskInput(hook('single_digit', 'PermissionRequest').tool_input)!;
    assert.deepEqual(single, [
      {
        header: 'Database',
        question: DB,
        multiSelect: false,
        options: [
          { label: 'SQLite', description: 'One file, no server' },
          { label: 'Postgres', description: 'A server, more features' },
        ],
      },
    ]);
    const multi = parseAskInput(hook('multi_keys', 'PermissionRequest').tool_input)!;
    assert.equal(multi[0].multiSelect, true);
    assert.deepEqual(
      multi[0].options.map((o) => o.label),
      ['Logging', 'Metrics', 'Tracing'],
    );
    const two = parseAskInput(hook('two_questions', 'PermissionRequest').tool_input)!;
    assert.deepEqual(
      two.map((q) => q.header),
      ['Database', 'Language'],
    );
    assert.equal(summarizeAsk(two), `${DB} (SQLite / Postgres) and 1 more question`);
  });

  test('the PermissionRequest becomes a question message, never a permission to "Allow" (which would press 1)', () => {
    const perm = hook('single_digit', 'PermissionRequest');
    const fx = mapClaudeHook(perm, { toolUseId: 'toolu_1' });
    assert.equal(fx.status, 'awaiting_input');
    assert.equal(fx.reason, 'question');
    assert.equal(fx.messages![0].kind, 'question');
    assert.equal(fx.messages![0].externalKey, 'dialog:toolu_1');
    assert.equal(fx.messages![0].question!.type, 'choices');
    const unreadable = mapClaudeHook({ ...perm, tool_input: { questions: 'what?' } });
    assert.equal(unreadable.messages![0].kind, 'question');
    assert.deepEqual((unreadable.messages![0].question as any).options, [], 'nothing to click: answer in the terminal');
    const plan = mapClaudeHook(hook('plan_approve_1', 'PermissionRequest'));
    assert.equal(plan.reason, 'plan approval');
    assert.equal(plan.messages![0].question!.type, 'plan');
    assert.equal(plan.messages![0].content, "Claude's plan: Add a health check");
  });

  test('garbage is not a question', () => {
    for (const bad of [
      null,
      'x',
      [],
      {},
      { questions: [] },
      { questions: [{ question: 'q?' }] },
      { questions: [{ question: 'q?', options: [] }] },
      { questions: [{ question: 'q?', options: [{ label: 1 }] }] },
      { questions: [{ question: 'x'.repeat(20_001), options: [{ label: 'a' }] }] },
      {
        questions: [
          { question: 'q?', options: [{ label: 'a' }] },
          { question: 'q?', options: [{ label: 'b' }] },
        ],
      },
    ]) {
      assert.equal(parseAskInput(bad), null, JSON.stringify(bad).slice(0, 80));
    }
  });

  test('answers are built the way the dialog builds them (checked against the answers Claude took from the terminal)', () => {
    const multi = parseAskInput(hook('multi_keys', 'PermissionRequest').tool_input)!;
    const single = parseAskInput(hook('single_digit', 'PermissionRequest').tool_input)!;
    const two = parseAskInput(hook('two_questions', 'PermissionRequest').tool_input)!;
    const cases: [string, Record<string, string>][] = [
      ['single_digit', buildAnswers(single, [{ question: DB, options: ['Postgres'] }])],
      ['single_free_text', buildAnswers(single, [{ question: DB, options: [], text: '  We use MySQL ' }])],
      // chosen in another order: the dialog lists the options in its own order
      ['multi_keys', buildAnswers(multi, [{ question: FEATURES, options: ['Tracing', 'Logging'] }])],
      ['multi_option_and_text', buildAnswers(multi, [{ question: FEATURES, options: ['Logging'], text: 'Audit log' }])],
      [
        'two_questions',
        buildAnswers(two, [
          { question: LANGUAGE, options: ['TypeScript'] },
          { question: DB, options: ['Postgres'] },
        ]),
      ],
    ];
    for (const [scenario, ours] of cases) {
      const taken = takenAnswers(hook(scenario, 'PostToolUse', 'AskUserQuestion').tool_input)!;
      assert.ok(sameAnswers(ours, taken), `${scenario}: ${JSON.stringify(ours)} vs ${JSON.stringify(taken)}`);
    }
  });

  test('an answer the dialog would not take is refused with a reason', () => {
    const multi = parseAskInput(hook('multi_keys', 'PermissionRequest').tool_input)!;
    const two = parseAskInput(hook('two_questions', 'PermissionRequest').tool_input)!;
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        assert.ok(e instanceof AnswerError);
        return (e as AnswerError).code;
      }
    };
    assert.equal(
      code(() => buildAnswers(two, [])),
      'empty_answer',
    );
    assert.equal(
      code(() => buildAnswers(two, [{ question: 'Which OS?', options: ['Linux'] }])),
      'unknown_question',
    );
    assert.equal(
      code(() => buildAnswers(two, [{ question: DB, options: ['MySQL'] }])),
      'unknown_option',
    );
    assert.equal(
      code(() => buildAnswers(two, [{ question: DB, options: ['SQLite', 'Postgres'] }])),
      'not_multi_select',
    );
    assert.equal(
      code(() => buildAnswers(two, [{ question: DB, options: ['SQLite'], text: 'or MySQL' }])),
      'not_multi_select',
    );
    assert.equal(
      code(() => buildAnswers(two, [{ question: DB, options: [], text: '   ' }])),
      'empty_answer',
    );
    assert.equal(
      code(() =>
        buildAnswers(two, [
          { question: DB, options: ['SQLite'] },
          { question: DB, options: ['Postgres'] },
        ]),
      ),
      'duplicate_answer',
    );
    assert.equal(
      code(() => buildAnswers(two, [{ question: DB, options: [], text: 'x'.repeat(10_001) }])),
      'text_too_long',
    );
    assert.equal(
      code(() => buildAnswers(multi, [{ question: FEATURES, options: ['Logging', 'Metrics'], text: 'Audit' }])),
      'ok',
    );
    // one of two questions: the other stays unanswered, as the dialog's review step allows
    assert.deepEqual(buildAnswers(two, [{ question: LANGUAGE, options: ['Go'] }]), { [LANGUAGE]: 'Go' });
  });

  test('the hook output is the one the recorded runs sent (and that Claude applied)', () => {
    const input = hook('hook_two', 'PermissionRequest').tool_input;
    const qs = parseAskInput(input)!;
    const out = askDecision(
      input,
      buildAnswers(qs, [
        { question: DB, options: ['SQLite'] },
        { question: LANGUAGE, options: ['Go'] },
      ]),
    );
    assert.deepEqual(out.hookSpecificOutput.decision, REC.hook_two.decision);
    assert.match(REC.hook_two.toolResults[0].content, /"Which database should the service use\?"="SQLite", "Which language for the CLI\?"="Go"/);
    assert.deepEqual({ ...cancelDecision().hookSpecificOutput.decision, message: 'cancelled' }, REC.hook_cancel.decision);
    // the recorded cancel left exactly what the dialog's Esc leaves
    const texts = (s: string) =>
      REC[s].transcript
        .flatMap((e: any) => (Array.isArray(e.message.content) ? e.message.content : []))
        .filter((b: any) => b.type === 'text' || b.type === 'tool_result')
        .map((b: any) => b.text ?? b.content);
    assert.deepEqual(texts('hook_cancel').slice(-2), texts('single_esc').slice(-2));
  });

  test('the dialog is recognised on the screen, and only it', () => {
    for (const [s, f] of [
      ['single_digit', 'dialog'],
      ['single_free_text', 'dialog'],
      ['multi_keys', 'dialog'],
      ['multi_keys', 'review'],
      ['two_questions', 'second'],
    ]) {
      assert.equal(questionDialogVisible(lines(s, f)), true, `${s}.${f}`);
    }
    for (const [s, f] of [
      ['plan_approve_1', 'dialog'],
      ['interrupt_esc_before_output', 'working'],
      ['interrupt_esc_before_output', 'after'],
    ]) {
      assert.equal(questionDialogVisible(lines(s, f)), false, `${s}.${f}`);
    }
  });
});

describe('ExitPlanMode', () => {
  test("the plan comes with the PermissionRequest; the dialog's options are read from the screen", () => {
    const plan = parsePlanInput(hook('plan_approve_1', 'PermissionRequest').tool_input)!;
    assert.match(plan.plan, /^# Add a health check\n\n1\. Add `GET \/health`/);
    assert.equal(summarizePlan(plan.plan), 'Add a health check');
    assert.equal(parsePlanInput({}), null);
    assert.deepEqual(readPlanDialog(lines('plan_approve_1')).options, [
      { number: 1, label: 'Yes, and use auto mode', role: 'approve' },
      { number: 2, label: 'Yes, manually approve edits', role: 'approve' },
      { number: 3, label: 'Tell Claude what to change', role: 'feedback' },
    ]);
    assert.equal(readPlanDialog(lines('single_digit')).visible, false);
    // 80 columns: the question wraps
    const narrow = [
      '  ──────────────',
      '   Claude has written up a plan and is ready to execute. Would you like to',
      '   proceed?',
      '   ❯ 1. Yes, and use auto mode',
      '     2. Yes, manually approve edits',
      '     3. Tell Claude what to change',
      '        shift+tab to approve with this feedback',
      '',
      '   ctrl+g to edit in Vim · ~/plans/x.md',
    ].join('\n');
    assert.deepEqual(
      readPlanDialog(narrow).options.map((o) => o.role),
      ['approve', 'approve', 'feedback'],
    );
    // the variant without a plan file
    assert.deepEqual(
      readPlanDialog(
        ' Exit plan mode?\n\n  Claude wants to exit plan mode\n\n  ❯ 1. Yes, and switch to default (ask each time) for this session\n    2. No',
      ).options.map((o) => o.role),
      ['approve', 'reject'],
    );
  });

  test("feedback reaches the model in the dialog's own words", () => {
    assert.equal(planFeedbackMessage('Please also add a readiness probe'), REC.plan_feedback.toolResults.at(-1).content);
    assert.deepEqual(planFeedbackDecision('x').hookSpecificOutput.decision, { behavior: 'deny', message: planFeedbackMessage('x') });
    // through the hook the model gets the message as it is, and the turn goes on (Stop)
    assert.equal(REC.plan_hook_feedback.toolResults.at(-1).content, REC.plan_hook_feedback.decision.message);
    assert.ok(REC.plan_hook_feedback.hooks.some((h: any) => h.hook_event_name === 'Stop'));
  });
});

describe('interrupts', () => {
  test('working vs back at the prompt, and what the input box holds', () => {
    for (const s of ['interrupt_esc_before_output', 'interrupt_ctrl_c_before_output', 'interrupt_esc_during_tool']) {
      assert.equal(isWorking(lines(s, 'working')), true, s);
      assert.equal(isWorking(lines(s, 'after')), false, s);
    }
    // nothing streamed yet: Claude puts the prompt back for editing; after a tool or a partial answer the box is empty
    assert.equal(readInputBox(lines('interrupt_esc_before_output', 'after')), 'wait: a long answer');
    assert.equal(readInputBox(lines('interrupt_esc_during_tool', 'after')), '');
    assert.equal(readInputBox(lines('interrupt_esc_before_output', 'working')), '');
    assert.equal(readInputBox(lines('single_digit')), null, 'a dialog is not the input box');
    assert.equal(readInputBox(lines('plan_approve_1')), null);
    // and no transcript entry, no hook for it: only the screen tells
    assert.deepEqual(REC.interrupt_esc_before_output.hooks, []);
    assert.ok(!JSON.stringify(REC.interrupt_esc_before_output.transcript).includes('interrupted'));
    assert.match(JSON.stringify(REC.interrupt_esc_during_output.transcript), /\[Request interrupted by user\]/);
    assert.match(JSON.stringify(REC.interrupt_ctrl_c_during_tool.transcript), /\[Request interrupted by user for tool use\]/);
  });

  test('interrupt keys', () => {
    for (const k of ['\x1b', '\x03', '\x1b\x1b', 'x\x03']) assert.equal(isInterruptKey(k), true, JSON.stringify(k));
    for (const k of ['\x1b[A', '\x1bOB', '\x1b[200~hi\x1b[201~', 'abc', '\r', '\x1b]11;?\x07'])
      assert.equal(isInterruptKey(k), false, JSON.stringify(k));
  });

  test('the watch fires once the prompt is back after an interrupt key, and not otherwise', () => {
    const working = lines('interrupt_esc_before_output', 'working');
    const after = lines('interrupt_esc_before_output', 'after');
    const w = new InterruptWatch(10_000);
    assert.equal(w.check(after, 0), null, 'not armed: nothing');
    w.arm(0);
    assert.equal(w.check(working, 100), null, 'still working');
    assert.equal(w.check(lines('single_digit'), 200), null, 'a dialog');
    assert.equal(w.check(after, 900), 'wait: a long answer');
    assert.equal(w.armed, false);
    assert.equal(w.check(after, 950), null, 'once');
    w.arm(1000);
    assert.equal(w.check(after, 11_001), null, 'too late: the key did not interrupt');
    w.arm(0);
    w.disarm();
    assert.equal(w.check(after, 10), null);
  });
});

describe('decision channel', () => {
  test('one answer per dialog; settled, replaced or aborted waits resolve null', async () => {
    const ch = new DecisionChannel();
    const a = ch.wait('k1');
    assert.equal(ch.answer('k1', { x: 1 }), true);
    assert.deepEqual(await a, { x: 1 });
    assert.equal(ch.answer('k1', { x: 2 }), false, 'answered once');
    const b = ch.wait('k2');
    ch.settle('k2');
    assert.equal(await b, null);
    const c1 = ch.wait('k3');
    const c2 = ch.wait('k3');
    assert.equal(await c1, null, 'replaced');
    const ctrl = new AbortController();
    const d = ch.wait('k4', ctrl.signal);
    ctrl.abort();
    assert.equal(await d, null);
    assert.equal(ch.answer('k4', { z: 1 }), false, 'an aborted wait takes no answer');
    assert.equal(ch.answer('k3', { y: 1 }), true);
    assert.deepEqual(await c2, { y: 1 });
    const many = Array.from({ length: MAX_PENDING_DECISIONS + 2 }, (_, i) => ch.wait(`m${i}`));
    assert.equal(ch.size, MAX_PENDING_DECISIONS);
    assert.equal(await many[0], null, 'the oldest is dropped');
    ch.settleAll();
    assert.equal(ch.size, 0);
  });

  test('whenWaiting: true once a hook waits for the dialog, false when it is settled first or nobody comes', async () => {
    const ch = new DecisionChannel();
    const early = ch.whenWaiting('a', 60_000);
    const held = ch.wait('a');
    assert.equal(await early, true);
    assert.equal(await ch.whenWaiting('a', 60_000), true, 'already waiting');
    const settled = ch.whenWaiting('b', 60_000);
    ch.settle('b');
    assert.equal(await settled, false);
    assert.equal(await ch.whenWaiting('c', 1), false);
    ch.settleAll();
    assert.equal(await held, null);
  });
});
