// The transcript tailer on a real file being appended (partial lines, split UTF-8), and the entry mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { LineSplitter, mapTranscriptEntry, TranscriptTailer, type TranscriptMapping } from '../../src/server/integrations/claude/transcript.js';

const rec = JSON.parse(fs.readFileSync(new URL('../fakes/claude-recorded.json', import.meta.url), 'utf8'));

test('recorded deny transcript maps to prompt, text, tool line, denial, interrupt, prompt, text', () => {
  const out = (rec.denyTranscript as any[]).map((e) => mapTranscriptEntry(e));
  const msgs = out.flatMap((o) => o.messages.map((m) => `${m.senderType}/${m.kind}: ${m.content.slice(0, 60)}`));
  assert.deepEqual(msgs, [
    'user/text: run: echo hello > out.txt',
    'agent/text: I will run it.',
    'agent/tool: Bash: echo hello > out.txt',
    'agent/system: Permission denied: the tool call was not run',
    'agent/system: Interrupted',
    'user/text: say again',
    "agent/text: The command was not run: The user doesn't want to proceed wi",
  ]);
  assert.equal(out.filter((o) => o.interrupted).length, 1);
  assert.equal(out.filter((o) => o.denied).length, 1);
  const first = rec.denyTranscript[0];
  assert.equal(out[0].messages[0].externalKey, `prompt:${first.promptId}`);
  assert.equal(out[1].messages[0].externalKey, rec.denyTranscript[1].uuid);
});

test('slash commands and meta entries', () => {
  const msgs = (rec.clearTranscript as any[]).flatMap((e) => mapTranscriptEntry(e).messages);
  assert.deepEqual(msgs.map((m) => [m.senderType, m.kind, m.content]), [['user', 'system', '/clear']]);
});

test('LineSplitter keeps partial lines and split UTF-8 for the next chunk', () => {
  const s = new LineSplitter();
  const b = Buffer.from('{"a":"héllo"}\n{"b":');
  assert.deepEqual(s.push(b.subarray(0, 8)), []);
  assert.deepEqual(s.push(b.subarray(8)), ['{"a":"héllo"}']);
  assert.deepEqual(s.push(Buffer.from('1}\n\n')), ['{"b":1}', '']);
});

/** Resolves with the mappings once `n` entries have been seen. */
function collect(t: TranscriptTailer, n: number): { seen: TranscriptMapping[]; done: Promise<TranscriptMapping[]> } {
  const seen: TranscriptMapping[] = [];
  const done = new Promise<TranscriptMapping[]>((resolve) => {
    t.on('mapped', (m) => { seen.push(m); if (seen.length === n) resolve(seen); });
  });
  return { seen, done };
}

test('the tailer follows a file that appears later and is appended in pieces, each entry once', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-tr-'));
  const file = path.join(dir, 'session.jsonl');
  const tailer = new TranscriptTailer({ pollMs: 60_000 });
  t.after(() => tailer.close());
  const lines = (rec.denyTranscript as any[]).map((e) => JSON.stringify(e));
  const { done } = collect(tailer, lines.length);
  tailer.follow(file); // the file does not exist yet: the directory is watched
  const firstBatch = once(tailer, 'mapped');
  fs.writeFileSync(file, `${lines[0]}\n`);
  await firstBatch;
  // the rest, split mid-line and mid-character
  const rest = Buffer.from(lines.slice(1).map((l) => `${l}\n`).join(''));
  const cuts = [0, 17, 500, 501, 2000, rest.length];
  for (let i = 0; i + 1 < cuts.length; i++) {
    fs.appendFileSync(file, rest.subarray(cuts[i], cuts[i + 1]));
    void tailer.read(); // what the watcher does; calling it again must not duplicate anything
  }
  const all = await done;
  const keys = all.flatMap((m) => m.messages.map((x) => x.externalKey));
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(keys.length, 7);
  assert.ok(all.some((m) => m.interrupted));
});

test('follow() switches to the new session file after /clear', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-tr-'));
  const a = path.join(dir, 'a.jsonl');
  const b = path.join(dir, 'b.jsonl');
  fs.writeFileSync(a, `${JSON.stringify(rec.denyTranscript[0])}\n`);
  fs.writeFileSync(b, `${JSON.stringify(rec.denyTranscript[5])}\n`);
  const tailer = new TranscriptTailer({ pollMs: 60_000 });
  t.after(() => tailer.close());
  const first = once(tailer, 'mapped');
  tailer.follow(a);
  assert.equal((await first)[0].messages[0].content, 'run: echo hello > out.txt');
  const second = once(tailer, 'mapped');
  tailer.follow(b);
  assert.equal((await second)[0].messages[0].content, 'say again');
  const more = once(tailer, 'mapped');
  fs.appendFileSync(b, `${JSON.stringify(rec.denyTranscript[6])}\n`);
  assert.equal((await more)[0].messages[0].senderType, 'agent');
});
