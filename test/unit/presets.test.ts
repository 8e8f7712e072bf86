// Agent presets and approval modes (issue 11): the form's mapping of a visible choice to the CLI's own flag reads
// back what it wrote, and every flag value is one the real CLI accepts (each CLI's own argument parser is asked; a
// wrong value is refused by the same check, so the check can fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AGENT_PRESETS, APPROVAL_MODES, joinApproval, splitApproval } from '../../src/common/presets.js';
import { AgentCreate, AGENT_KINDS } from '../../src/common/schema.js';
import { questionOptions } from '../../src/server/instances/generic-driver.js';
import { cliPath } from '../helpers/clis.js';
import { claudeCli } from '../fakes/claude-offline.js';

test('every preset is a valid agent for the schema, each kind its own; the six asked for are there', () => {
  assert.deepEqual(AGENT_PRESETS.map((p) => p.label), ['Claude Code', 'Codex', 'Gemini CLI', 'Aider', 'opencode', 'Plain shell']);
  for (const p of AGENT_PRESETS) {
    assert.ok(AGENT_KINDS.includes(p.kind));
    const body = { name: p.id, projectPath: '/tmp', kind: p.kind, command: p.command, args: joinApproval(p.kind, APPROVAL_MODES[p.kind]?.initial ?? '', p.args),
      settings: { idlePatterns: [...p.idlePatterns], awaitingPatterns: [...p.awaitingPatterns], quietMs: p.quietMs } };
    assert.equal(AgentCreate.safeParse(body).success, true, p.id);
  }
  assert.equal(APPROVAL_MODES.claude!.initial, 'ask');
  assert.deepEqual(joinApproval('claude', 'ask', []), ['--permission-mode', 'default'], 'a new Claude Code agent asks');
  // Aider's patterns on its real prompt and question lines.
  const aider = AGENT_PRESETS.find((p) => p.id === 'aider')!;
  assert.ok(aider.idlePatterns.some((re) => new RegExp(re).test('architect> ')));
  const asked = "Add file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]: ";
  assert.ok(aider.awaitingPatterns.some((re) => new RegExp(re).test(asked)));
  assert.deepEqual(questionOptions(asked).map((o) => [o.key, o.send]), [['y', 'y\r'], ['n', 'n\r']], 'answered from the dashboard');
});

test('approval modes round-trip through the arguments, in every spelling the CLIs take; unknown values stay', () => {
  for (const [kind, t] of Object.entries(APPROVAL_MODES) as [keyof typeof APPROVAL_MODES, NonNullable<(typeof APPROVAL_MODES)['claude']>][]) {
    for (const m of t.modes) {
      const args = joinApproval(kind, m.id, ['--model', 'x']);
      assert.deepEqual(splitApproval(kind, args), { mode: m.id, rest: ['--model', 'x'] }, `${kind} ${m.id}`);
    }
    assert.deepEqual(splitApproval(kind, ['--model', 'x']), { mode: '', rest: ['--model', 'x'] }, 'none given: the CLI decides');
  }
  assert.deepEqual(splitApproval('codex', ['-a', 'never']), { mode: 'never', rest: [] });
  assert.deepEqual(splitApproval('gemini', ['--approval-mode=auto_edit', '--yolo']), { mode: 'yolo', rest: [] });
  assert.deepEqual(splitApproval('claude', ['--permission-mode', 'sometimes']), { mode: '', rest: ['--permission-mode', 'sometimes'] });
  assert.deepEqual(splitApproval('generic', ['--permission-mode', 'plan']), { mode: '', rest: ['--permission-mode', 'plan'] });
});

/** Runs a CLI offline with a throwaway home; resolves with everything it printed. */
function run(bin: string, args: string[]): Promise<string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-presets-'));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CLAUDE_CONFIG_DIR: home, GEMINI_CLI_HOME: home, CODEX_HOME: home };
  return new Promise((resolve) => {
    execFile(bin, args, { env, timeout: 60_000, cwd: home }, (_e, out, err) => {
      fs.rmSync(home, { recursive: true, force: true });
      resolve(`${out}${err}`);
    });
  });
}

test('the real CLIs accept every approval value the form writes (and refuse a wrong one)', async () => {
  const bins = {
    claude: await claudeCli(),
    codex: await cliPath('codex'),
    gemini: await cliPath('gemini'),
  };
  // What each CLI does with arguments it has parsed, offline: Claude Code and Gemini CLI stop at the missing login,
  // Codex prints its version. A value their parser refuses is reported before that.
  const tail = { claude: ['-p', 'hi'], codex: ['--version'], gemini: ['-p', 'hi'] };
  const refused = { claude: /argument '.*' is invalid/, codex: /invalid value/, gemini: /Invalid values/ };
  for (const kind of ['claude', 'codex', 'gemini'] as const) {
    const t = APPROVAL_MODES[kind]!;
    const outs = await Promise.all(t.modes.map((m) => run(bins[kind], [...m.args, ...tail[kind]])));
    for (const [i, out] of outs.entries()) assert.doesNotMatch(out, refused[kind], `${kind} ${t.modes[i].args.join(' ')}: ${out}`);
    assert.match(await run(bins[kind], [t.flag, 'sometimes', ...tail[kind]]), refused[kind], `${kind} refuses a wrong value`);
  }
});
