// Hook input is untrusted: anything running inside an instance can read its hook secret and post any payload (to the
// pty host's hooks socket, which relays it to the server). A
// transcript_path naming a FIFO, a device, a symlink out, a file outside the instance's own Claude config folder or a
// 40 MB line without a newline must leave the server answering (< 100 ms), read nothing it should not, and stop on
// SIGTERM. The server runs as a child process so that a blocked one shows as unanswered requests, not a hung test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startChildServer, stopHost, tempDir, type ChildServer } from '../../bench/lib/server.js';
import { hostPaths } from '../../src/ptyhost/paths.js';
import { postHook } from '../helpers/hook-arrivals.js';
import { SseClient, type SseEvent } from '../helpers/sse.js';

/** The bound for "the server keeps answering" while it deals with a hostile transcript. */
const ANSWER_MS = 100;

/** A user entry as Claude Code writes it in its transcript: mirrored as a user message when read. */
const entry = (uuid: string, text: string) => `${JSON.stringify({ type: 'user', uuid, message: { role: 'user', content: text } })}\n`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('hook input is untrusted: transcript paths', { timeout: 120_000 }, () => {
  let s: ChildServer;
  let sse: SseClient;
  let id: string;
  let secret: string;
  let projects: string; // <the instance's CLAUDE_CONFIG_DIR>/projects
  const outside = tempDir('ayj-outside-');
  const figures: string[] = [];

  before(async () => {
    s = await startChildServer();
    sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
    const config = tempDir('ayj-claude-cfg-');
    projects = path.join(config, 'projects', 'p');
    fs.mkdirSync(projects, { recursive: true });
    // A stand-in for the claude program (whatever arguments it gets): the instance is a `claude` one, with its hook
    // secret and the transcript rules; what posts the hooks is this test, as anything inside the instance could.
    const bin = path.join(tempDir('ayj-bin-'), 'claude');
    fs.writeFileSync(bin, '#!/bin/sh\nexec sleep 1000\n', { mode: 0o755 });
    const agent = await s.api('POST', '/api/agents', { name: 'c', projectPath: tempDir(), kind: 'claude', command: bin, env: { CLAUDE_CONFIG_DIR: config } });
    assert.equal(agent.status, 201, JSON.stringify(agent.body));
    const inst = await s.api('POST', `/api/agents/${agent.body.id}/instances`, {});
    assert.equal(inst.status, 201, JSON.stringify(inst.body));
    id = inst.body.id;
    secret = /: (\S+)/.exec(fs.readFileSync(path.join(s.home, 'docs', 'run', 'claude', id, 'hook-headers'), 'utf8'))![1];
    const idle = await latencies(Promise.resolve());
    figures.push(`[hooks] baseline (nothing else going on): GET /api/info ×${idle.length}, median ${median(idle).toFixed(1)} ms, max ${Math.max(...idle).toFixed(1)} ms`);
  });
  after(async () => {
    sse?.close();
    if (s && s.proc.exitCode === null) s.proc.kill('SIGKILL'); // a server blocked for good (it was, before) ignores SIGTERM
    if (s) await stopHost(s.home); // its agents outlive it, in the pty host
    console.log(figures.join('\n'));
  });

  const hook = async (transcriptPath: string) => {
    const body = JSON.stringify({ hook_event_name: 'SessionStart', session_id: 'x', source: 'startup', transcript_path: transcriptPath });
    assert.equal(await postHook(hostPaths(s.home).hooks, id, body, secret), 204);
  };
  const message = (pred: (content: string) => boolean, what: string) =>
    sse.waitFor((e: SseEvent) => e.event === 'message.created' && e.data.message.instanceId === id && pred(e.data.message.content), 60_000, what);
  const mirrored = () => sse.events.filter((e) => e.event === 'message.created' && e.data.message.instanceId === id).map((e) => e.data.message.content as string);

  /** Times GET /api/info one after another until `done` settles (at least `min` of them); each must answer. */
  async function latencies(done: Promise<unknown>, min = 10): Promise<number[]> {
    let settled = false;
    void done.then(() => { settled = true; }, () => { settled = true; });
    const out: number[] = [];
    while (!settled || out.length < min) {
      const t0 = performance.now();
      const r = await fetch(`${s.url}/api/info`, { headers: s.headers(), signal: AbortSignal.timeout(10_000) });
      await r.text();
      out.push(performance.now() - t0);
    }
    await done;
    return out;
  }
  const report = (what: string, ms: number[]) => {
    figures.push(`[hooks] ${what}: GET /api/info ×${ms.length} meanwhile, median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`);
    assert.ok(median(ms) < ANSWER_MS, `${what}: the server answers in ${median(ms).toFixed(1)} ms (median), not < ${ANSWER_MS} ms`);
  };

  test('a FIFO (inside the config folder or not) is never opened: the server keeps answering', async () => {
    const fifo = path.join(projects, 'session.jsonl');
    execFileSync('mkfifo', [fifo]);
    const noted = message((c) => c.includes('is not a regular file'), 'the note about the FIFO');
    await hook(fifo);
    report('FIFO as transcript_path', await latencies(noted));
    const outsideFifo = path.join(outside, 'fifo.jsonl');
    execFileSync('mkfifo', [outsideFifo]);
    const refused = message((c) => c.includes('outside its own config folder'), 'the note about the path outside');
    await hook(outsideFifo);
    report('a FIFO outside the config folder', await latencies(refused));
  });

  test('paths outside the instance\'s Claude config folder, symlinks leading out and devices are not read', async () => {
    const secretFile = path.join(outside, 'other.jsonl');
    fs.writeFileSync(secretFile, entry('o1', 'outside-secret-line'));
    const link = path.join(projects, 'link.jsonl');
    fs.symlinkSync(secretFile, link);
    fs.mkdirSync(path.join(projects, 'dir'));
    fs.symlinkSync(outside, path.join(projects, 'dir', 'up'));
    for (const p of [secretFile, link, path.join(projects, 'dir', 'up', 'other.jsonl'), `${projects}/../../../${path.relative('/', secretFile)}`, '/dev/zero', '/dev/urandom']) {
      await hook(p);
    }
    // Hooks are applied in order: once a later, legitimate transcript is mirrored, the earlier ones were dealt with.
    const good = path.join(projects, 'good.jsonl');
    fs.writeFileSync(good, entry('g1', 'inside-marker-line'));
    await hook(good);
    await message((c) => c === 'inside-marker-line', 'the legitimate transcript');
    assert.deepEqual(mirrored().filter((c) => c.includes('outside-secret-line')), [], 'nothing from outside was mirrored');
  });

  test('a 40 MB line without a newline is skipped with a note while the server keeps answering; the lines after it are read', async () => {
    const big = path.join(projects, 'big.jsonl');
    const fd = fs.openSync(big, 'w');
    const block = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < 40; i++) fs.writeSync(fd, block);
    fs.closeSync(fd);
    const noted = message((c) => /transcript entry of more than [\d.]+ MB was skipped/.test(c), 'the note about the skipped line');
    await hook(big);
    report('a 40 MB line without a newline', await latencies(noted));
    fs.appendFileSync(big, `\n${entry('b1', 'after-the-long-line')}`);
    await message((c) => c === 'after-the-long-line', 'the entry after the long line');
  });

  test('SIGTERM still stops the server', async () => {
    const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
    s.proc.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
