// Records what the real Claude Code CLI does with its own questions (AskUserQuestion), plan approvals (ExitPlanMode)
// and interrupts, offline against the fake API: the hooks (payloads), the dialog as drawn, the transcript entries and
// the tool_result the model receives, for each way of answering. Writes test/fakes/claude-recorded-dialogs.json, which
// the unit tests read and docs/claude.md describes. A lab tool, not a test: it waits for the screen to settle.
//   node --import tsx test/fakes/record-claude-dialogs.ts [scenario…]
import fs from 'node:fs';
import path from 'node:path';
import { startClaudePty, type ClaudePty } from '../helpers/claude-pty.js';
import { DB_QUESTION, FEATURES_QUESTION, LANGUAGE_QUESTION, askScript as ask } from './claude-questions.js';

const OUT = path.join(import.meta.dirname, 'claude-recorded-dialogs.json');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const PLAN_MARKDOWN = '# Add a health check\n\n1. Add `GET /health` returning `{ok: true}`.\n2. Test it.\n\n- **Risk**: none';

async function settle(c: ClaudePty, quietMs = 600, maxMs = 8000) {
  let last = c.screen(),
    since = Date.now();
  const t0 = Date.now();
  while (Date.now() - t0 < maxMs) {
    await sleep(50);
    const s = c.screen();
    if (s !== last) {
      last = s;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}
/** One key, then wait for the screen to change and settle (Claude Code ignores several keys in one write). */
async function key(c: ClaudePty, k: string) {
  const before = c.screen();
  c.write(k);
  await c.until(() => c.screen() !== before, `a change after ${JSON.stringify(k)}`, 3000).catch(() => {});
  await settle(c, 300);
}
const dialogLines = (s: string) => {
  const lines = s.split('\n').map((l) => l.replace(/\s+$/, ''));
  let end = lines.length;
  while (end > 0 && !lines[end - 1]) end--;
  const start = lines.findIndex(
    (l, i) => i > 4 && /^[─▔]{20,}|^ +─{20,}/.test(l) && lines.slice(i).some((x) => /Esc to cancel|Would you like to proceed|Submit answers/.test(x)),
  );
  return lines.slice(start < 0 ? Math.max(0, end - 20) : start, end);
};

const scrub = (v: unknown, c: ClaudePty): unknown =>
  JSON.parse(
    JSON.stringify(v)
      .split(path.dirname(c.proj))
      .join('/home/u/.areyouj-lab')
      .replace(
        /"(session_id|sessionId|prompt_id|promptId|uuid|parentUuid|sourceToolAssistantUUID|requestRef|leafUuid)":"[0-9a-f-]{36}"/g,
        '"$1":"<uuid>"',
      ),
  );

const KEEP_HOOKS = /^(PreToolUse|PermissionRequest|PostToolUse|PostToolUseFailure|Notification|Stop)$/;
/** The transcript entries that carry the conversation (no bookkeeping), slimmed. */
function conversation(c: ClaudePty) {
  return c.entries
    .filter((e) => e.type === 'user' || e.type === 'assistant')
    .map((e) => {
      const { type, message, toolUseResult, toolDenialKind, toolDenialBeforeRun, userFeedback, interruptedMessageId, permissionDecision, promptId } =
        e as any;
      return {
        type,
        promptId,
        message: { role: message?.role, content: message?.content },
        toolUseResult,
        toolDenialKind,
        toolDenialBeforeRun,
        userFeedback,
        interruptedMessageId,
        permissionDecision,
      };
    });
}

interface Scenario {
  args?: string[];
  prompt: string;
  decision?: object;
  run(c: ClaudePty, rec: Record<string, unknown>): Promise<void>;
}

/** A scenario in plan mode whose fake model proposes PLAN_MARKDOWN. */
const PLAN_SCENARIO = { args: ['--permission-mode', 'plan'], prompt: `plan: ${PLAN_MARKDOWN.replace(/\n/g, '\\n')}` };
/** The screen's last non-blank line (Claude Code's status line). */
const lastLine = (c: ClaudePty) => c.screen().split('\n').filter((l) => l.trim()).at(-1);
const questionDialog = (c: ClaudePty) => c.until(() => /Esc to cancel/.test(c.screen()), 'the question dialog');
const planDialog = (c: ClaudePty) => c.until(() => /ready to execute/.test(c.screen()), 'the plan dialog');
const turnEnd = (c: ClaudePty) =>
  c.until(
    () =>
      c.hooks.some((h) => h.hook_event_name === 'Stop') ||
      c.entries.some((e) => JSON.stringify(e.message?.content ?? '').includes('[Request interrupted')),
    'the end of the turn',
    20_000,
  );

const SCENARIOS: Record<string, Scenario> = {
  single_digit: {
    prompt: ask(DB_QUESTION),
    async run(c, rec) {
      await questionDialog(c);
      await settle(c);
      rec.dialog = dialogLines(c.screen());
      await key(c, '2');
      await turnEnd(c);
    },
  },
  single_free_text: {
    prompt: ask(DB_QUESTION),
    async run(c, rec) {
      await questionDialog(c);
      await settle(c);
      await key(c, '3');
      await key(c, 'We use MySQL');
      rec.dialog = dialogLines(c.screen());
      await key(c, '\r');
      await turnEnd(c);
    },
  },
  single_chat: {
    prompt: ask(DB_QUESTION),
    async run(c) {
      await questionDialog(c);
      await settle(c);
      await key(c, '4');
      await turnEnd(c);
    },
  },
  single_esc: {
    prompt: ask(DB_QUESTION),
    async run(c) {
      await questionDialog(c);
      await settle(c);
      await key(c, '\x1b');
      await turnEnd(c);
    },
  },
  multi_keys: {
    prompt: ask(FEATURES_QUESTION),
    async run(c, rec) {
      await questionDialog(c);
      await settle(c);
      rec.dialog = dialogLines(c.screen());
      await key(c, '1');
      await key(c, '3');
      rec.checked = dialogLines(c.screen());
      await key(c, '\x1b[C');
      rec.review = dialogLines(c.screen());
      await key(c, '1');
      await turnEnd(c);
    },
  },
  multi_option_and_text: {
    prompt: ask(FEATURES_QUESTION),
    async run(c, rec) {
      await questionDialog(c);
      await settle(c);
      await key(c, '1');
      for (let i = 0; i < 3; i++) await key(c, '\x1b[B');
      await key(c, 'Audit log');
      rec.dialog = dialogLines(c.screen());
      await key(c, '\x1b[B');
      await key(c, '\r');
      await key(c, '1');
      await turnEnd(c);
    },
  },
  two_questions: {
    prompt: ask(DB_QUESTION, LANGUAGE_QUESTION),
    async run(c, rec) {
      await questionDialog(c);
      await settle(c);
      rec.dialog = dialogLines(c.screen());
      await key(c, '2');
      rec.second = dialogLines(c.screen());
      await key(c, '1');
      rec.review = dialogLines(c.screen());
      await key(c, '1');
      await turnEnd(c);
    },
  },
  // Answers given by a PermissionRequest hook (what AreYouJ does): hookSpecificOutput.decision
  hook_single: {
    prompt: ask(DB_QUESTION),
    decision: { behavior: 'allow', updatedInput: { questions: [DB_QUESTION], answers: { [DB_QUESTION.question]: 'Postgres' } } },
    async run(c) {
      await turnEnd(c);
    },
  },
  hook_free_text: {
    prompt: ask(DB_QUESTION),
    decision: { behavior: 'allow', updatedInput: { questions: [DB_QUESTION], answers: { [DB_QUESTION.question]: 'We use MySQL' } } },
    async run(c) {
      await turnEnd(c);
    },
  },
  hook_multi: {
    prompt: ask(FEATURES_QUESTION),
    decision: { behavior: 'allow', updatedInput: { questions: [FEATURES_QUESTION], answers: { [FEATURES_QUESTION.question]: 'Logging, Tracing' } } },
    async run(c) {
      await turnEnd(c);
    },
  },
  hook_two: {
    prompt: ask(DB_QUESTION, LANGUAGE_QUESTION),
    decision: {
      behavior: 'allow',
      updatedInput: {
        questions: [DB_QUESTION, LANGUAGE_QUESTION],
        answers: { [DB_QUESTION.question]: 'SQLite', [LANGUAGE_QUESTION.question]: 'Go' },
      },
    },
    async run(c) {
      await turnEnd(c);
    },
  },
  hook_cancel: {
    prompt: ask(DB_QUESTION),
    decision: { behavior: 'deny', message: 'cancelled', interrupt: true },
    async run(c) {
      await turnEnd(c);
    },
  },
  hook_allow_without_answers: {
    prompt: ask(DB_QUESTION),
    decision: { behavior: 'allow' },
    async run(c, rec) {
      await c.hook('Notification');
      rec.dialog = dialogLines(c.screen()); // ignored: the dialog stays open
    },
  },
  plan_approve_1: {
    ...PLAN_SCENARIO,
    async run(c, rec) {
      await planDialog(c);
      await settle(c);
      rec.dialog = dialogLines(c.screen());
      await key(c, '1');
      await turnEnd(c);
      await settle(c);
      rec.statusLine = lastLine(c);
    },
  },
  plan_approve_2: {
    ...PLAN_SCENARIO,
    async run(c, rec) {
      await planDialog(c);
      await settle(c);
      await key(c, '2');
      await turnEnd(c);
      await settle(c);
      rec.statusLine = lastLine(c);
    },
  },
  plan_feedback: {
    ...PLAN_SCENARIO,
    async run(c, rec) {
      await planDialog(c);
      await settle(c);
      await key(c, '3');
      await key(c, 'Please also add a readiness probe');
      rec.dialog = dialogLines(c.screen());
      await key(c, '\r');
      await turnEnd(c);
    },
  },
  plan_esc: {
    ...PLAN_SCENARIO,
    async run(c) {
      await planDialog(c);
      await settle(c);
      await key(c, '\x1b');
      await turnEnd(c);
    },
  },
  plan_hook_feedback: {
    ...PLAN_SCENARIO,
    decision: { behavior: 'deny', message: 'Please also add a readiness probe' },
    async run(c) {
      await turnEnd(c);
    },
  },
  plan_hook_allow_without_input: {
    ...PLAN_SCENARIO,
    decision: { behavior: 'allow' },
    async run(c, rec) {
      await c.hook('Notification');
      rec.dialog = dialogLines(c.screen());
    },
  },
  // Interrupts: Esc / Ctrl-C while the model answers (nothing streamed yet, or the first words) and while a tool runs.
  ...Object.fromEntries(
    (
      [
        ['esc', '\x1b'],
        ['ctrl_c', '\x03'],
      ] as const
    ).flatMap(([name, k]) => [
      [
        `interrupt_${name}_before_output`,
        {
          prompt: 'wait: a long answer',
          async run(c: ClaudePty, rec: Record<string, unknown>) {
            await c.api.waitRequest((r) => r.main && /wait:/.test(r.lastUserText));
            await c.until(() => /esc to interrupt/.test(c.screen()), 'working');
            await settle(c, 300, 1500);
            rec.working = dialogLines(c.screen()).slice(-6);
            c.write(k);
            await c.until(() => !/esc to interrupt/.test(c.screen()), 'the prompt back', 10_000);
            await settle(c);
            rec.after = dialogLines(c.screen()).slice(-6);
          },
        },
      ],
      [
        `interrupt_${name}_during_output`,
        {
          prompt: 'slow: Pondering the question at length',
          async run(c: ClaudePty, rec: Record<string, unknown>) {
            await c.until(() => /↓ \d+ tokens/.test(c.screen()) && /esc to interrupt/.test(c.screen()), 'the first words streamed');
            c.write(k);
            await turnEnd(c);
            await settle(c);
            rec.after = dialogLines(c.screen()).slice(-6);
          },
        },
      ],
      [
        `interrupt_${name}_during_tool`,
        {
          args: ['--permission-mode', 'default', '--allowedTools', 'Bash'],
          prompt: 'run: timeout 60 tail -f /dev/null',
          async run(c: ClaudePty, rec: Record<string, unknown>) {
            await c.hook('PreToolUse');
            await settle(c, 300, 1500);
            rec.working = dialogLines(c.screen()).slice(-6);
            c.write(k);
            await turnEnd(c);
            await settle(c);
            rec.after = dialogLines(c.screen()).slice(-6);
          },
        },
      ],
    ]),
  ),
};

async function record(name: string, s: Scenario) {
  const hookScript = path.join('/tmp', `ayj-decision-${process.pid}.sh`);
  const c = await startClaudePty({
    args: s.args ?? ['--permission-mode', 'default'],
    setup: s.decision
      ? (proj) => {
          // A PermissionRequest hook that answers after 1.5 s (the dialog is drawn meanwhile), as AreYouJ's long-poll does.
          fs.writeFileSync(
            hookScript,
            `#!/bin/sh\ncat >/dev/null\nsleep 1.5\ncat <<'J'\n${JSON.stringify({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: s.decision } })}\nJ\n`,
            { mode: 0o755 },
          );
          fs.mkdirSync(path.join(proj, '.claude'));
          fs.writeFileSync(
            path.join(proj, '.claude', 'settings.json'),
            JSON.stringify({
              hooks: {
                PermissionRequest: [{ matcher: 'AskUserQuestion|ExitPlanMode', hooks: [{ type: 'command', command: hookScript, timeout: 60 }] }],
              },
            }),
          );
        }
      : undefined,
  });
  const rec: Record<string, unknown> = { args: s.args ?? ['--permission-mode', 'default'], prompt: s.prompt, decision: s.decision };
  try {
    await settle(c, 300);
    await c.send(s.prompt);
    await s.run(c, rec);
    await settle(c, 400);
    rec.hooks = c.hooks.filter((h) => KEEP_HOOKS.test(h.hook_event_name)).map(({ session_id, transcript_path, cwd, ...h }) => h);
    rec.transcript = conversation(c);
    rec.toolResults = c.api
      .mainRequests()
      .filter((r) => r.toolResult)
      .map((r) => r.toolResult);
    rec.abortedRequests = c.api.requests.filter((r) => r.aborted).length;
    return scrub(rec, c);
  } finally {
    await c.close();
    fs.rmSync(hookScript, { force: true });
  }
}

const only = process.argv.slice(2);
const out: Record<string, unknown> = fs.existsSync(OUT) ? JSON.parse(fs.readFileSync(OUT, 'utf8')) : {};
out._about = 'Recorded by test/fakes/record-claude-dialogs.ts with Claude Code 2.1.330 (120x40, offline, fake API). See docs/claude.md.';
for (const [name, s] of Object.entries(SCENARIOS)) {
  if (only.length && !only.includes(name)) continue;
  process.stdout.write(`${name}… `);
  try {
    out[name] = await record(name, s);
    console.log('ok');
  } catch (e) {
    console.log(`FAILED: ${process.env.VERBOSE ? (e as Error).message : (e as Error).message.split('\n')[0]}`);
  }
  fs.writeFileSync(OUT, `${JSON.stringify(out, null, 1)}\n`);
}
process.exit(0);
