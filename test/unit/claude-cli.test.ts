// The real Claude Code CLI in a pty, offline against test/fakes/anthropic-api.ts, with the settings prepareClaudeLaunch
// writes and a receiver on a Unix socket standing in for the pty host's hooks socket (POST /hooks/<instance id>).
// Covers: plain prompt, permission answered allow (the command runs), permission denied (no Stop: the transcript's
// interrupt entry is the recovery signal), /exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import pty from 'node-pty';
import xterm from '@xterm/headless';
import { startFakeAnthropic } from '../fakes/anthropic-api.js';
import { claudeCli, offlineClaudeEnv } from '../fakes/claude-offline.js';
import { prepareClaudeLaunch, HOOK_SECRET_HEADER } from '../../src/server/integrations/claude/launch.js';
import { mapClaudeHook, type ClaudeHookPayload } from '../../src/server/integrations/claude/hooks.js';
import { TranscriptTailer, type TranscriptMapping } from '../../src/server/integrations/claude/transcript.js';
import { PERMISSION_INPUT_GUARD_MS, permissionKeys, readPermissionDialog } from '../../src/server/integrations/claude/respond.js';


/** Calls check() on every change and resolves once it returns a value. */
function waiter<T>() {
  const pending: { check: () => T | undefined | false; resolve: (v: T) => void }[] = [];
  return {
    until(check: () => T | undefined | false): Promise<T> {
      const v = check();
      if (v) return Promise.resolve(v);
      return new Promise<T>((resolve) => pending.push({ check, resolve }));
    },
    poke() {
      for (const p of [...pending]) {
        const v = p.check();
        if (v) { pending.splice(pending.indexOf(p), 1); p.resolve(v); }
      }
    },
  };
}

test('real Claude Code: hook sequence for a plain prompt, a permission allowed, a permission denied, /exit',
  { timeout: 900_000 }, async (t) => {
    const CLAUDE = await claudeCli(); // installs test/clis the first time (a few minutes), never skipped
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-claude-cli-'));
    const configDir = path.join(root, 'config');
    const proj = path.join(root, 'proj');
    const dataDir = path.join(root, 'data');
    fs.mkdirSync(configDir);
    fs.mkdirSync(proj);
    const claudeEnv = offlineClaudeEnv({ apiUrl: '', configDir, project: proj }); // the API url is set once the fake listens

    const w = waiter<unknown>();
    const hooks: ClaudeHookPayload[] = [];
    const secret = randomUUID();
    let rejected = 0;
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        if (req.headers[HOOK_SECRET_HEADER] !== secret || req.url !== '/hooks/inst-1') { rejected++; res.writeHead(401).end(); return; }
        res.writeHead(204).end();
        hooks.push(JSON.parse(body));
        w.poke();
      });
    });
    const hookSocket = path.join(root, 'hooks.sock');
    await new Promise<void>((r) => receiver.listen(hookSocket, r));
    const api = await startFakeAnthropic();
    const sessionId = randomUUID();
    const launch = prepareClaudeLaunch({
      instanceId: 'inst-1', dataDir, hookSocket, secret, sessionId,
      userArgs: ['--permission-mode', 'default'],
    });
    assert.ok(launch.settingsPath.startsWith(dataDir));

    const term = new xterm.Terminal({ cols: 120, rows: 40, allowProposedApi: true });
    const screen = () => {
      const b = term.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < term.rows; i++) lines.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
      return lines.join('\n');
    };
    const child = pty.spawn(CLAUDE, launch.args, {
      name: 'xterm-256color', cols: 120, rows: 40, cwd: proj,
      env: { ...process.env, ...launch.env, ...claudeEnv, ANTHROPIC_BASE_URL: api.url, TERM: 'xterm-256color' } as Record<string, string>,
    });
    let exitCode: number | null = null;
    child.onData((d) => term.write(d, () => w.poke()));
    child.onExit((e) => { exitCode = e.exitCode; w.poke(); });

    const tailer = new TranscriptTailer({ pollMs: 200 });
    const mapped: TranscriptMapping[] = [];
    tailer.on('mapped', (m) => { mapped.push(m); w.poke(); });
    t.after(async () => {
      tailer.close();
      if (exitCode === null) child.kill();
      await api.close();
      receiver.close();
    });

    const count = (name: string) => hooks.filter((h) => h.hook_event_name === name).length;
    const hookN = (name: string, n: number) => w.until(() => count(name) >= n && hooks.filter((h) => h.hook_event_name === name)[n - 1]);
    const names = () => hooks.map((h) => h.hook_event_name);
    // Typing a prompt: bracketed paste, then Enter as a separate write.
    const send = async (text: string) => {
      await w.until(() => /❯/.test(screen()) && !readPermissionDialog(screen()).visible);
      child.write(`\x1b[200~${text}\x1b[201~`);
      await w.until(() => screen().includes(text));
      child.write('\r');
    };
    // Answer the dialog the way the manager does: once it has been on screen PERMISSION_INPUT_GUARD_MS.
    const answer = async (choice: 'allow' | 'deny') => {
      await w.until(() => readPermissionDialog(screen()).visible);
      await new Promise((r) => setTimeout(r, PERMISSION_INPUT_GUARD_MS));
      child.write(permissionKeys(choice));
    };

    const start = await hookN('SessionStart', 1) as ClaudeHookPayload;
    assert.equal(start.session_id, sessionId);
    assert.equal(start.source, 'startup');
    assert.equal(mapClaudeHook(start).status, 'idle');
    tailer.follow(start.transcript_path!);

    // 1. plain prompt
    await send('say hi');
    const stop1 = await hookN('Stop', 1) as ClaudeHookPayload;
    assert.equal(stop1.last_assistant_message, 'Hello from the fake API. You said: say hi');
    assert.deepEqual(names(), ['SessionStart', 'UserPromptSubmit', 'Stop']);
    await w.until(() => mapped.some((m) => m.messages.some((x) => x.senderType === 'agent' && x.content === stop1.last_assistant_message)));

    // 2. permission answered allow: the command really runs
    await send('run: echo hello > out.txt');
    const perm = await hookN('PermissionRequest', 1) as ClaudeHookPayload;
    assert.equal(perm.tool_name, 'Bash');
    assert.equal((perm.tool_input as { command: string }).command, 'echo hello > out.txt');
    assert.equal(mapClaudeHook(perm).status, 'awaiting_input');
    assert.deepEqual(readPermissionDialog(await w.until(() => readPermissionDialog(screen()).visible && screen()) as string).options[0], { key: '1', label: 'Yes', intent: 'allow' });
    await answer('allow');
    await hookN('Stop', 2);
    assert.deepEqual(names().slice(3), ['UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'PostToolUse', 'Stop']);
    assert.equal(fs.readFileSync(path.join(proj, 'out.txt'), 'utf8'), 'hello\n');

    // 3. permission denied: no Stop, no PostToolUse; the transcript says the turn was interrupted
    await send('run: echo nope > denied.txt');
    await hookN('PermissionRequest', 2);
    await answer('deny');
    await w.until(() => mapped.some((m) => m.interrupted));
    assert.ok(mapped.some((m) => m.denied));
    assert.equal(fs.existsSync(path.join(proj, 'denied.txt')), false);

    // 4. the next prompt works from there (and its turn ends with Stop)
    await send('say again');
    await hookN('Stop', 3);
    assert.deepEqual(names().slice(8), ['UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'UserPromptSubmit', 'Stop']);

    // 5. /exit
    await send('/exit');
    const end = await hookN('SessionEnd', 1) as ClaudeHookPayload;
    assert.equal(end.reason, 'prompt_input_exit');
    assert.equal(mapClaudeHook(end).status, undefined, 'SessionEnd changes nothing: the exit decides');
    await w.until(() => exitCode !== null);
    assert.equal(exitCode, 0);
    assert.equal(rejected, 0);

    // the transcript mirrored each entry once
    const keys = mapped.flatMap((m) => m.messages.map((x) => x.externalKey));
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(keys.includes(`prompt:${hooks.find((h) => h.hook_event_name === 'UserPromptSubmit')!.prompt_id}`));
  });
