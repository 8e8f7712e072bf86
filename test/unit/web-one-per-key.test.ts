// The board's task-list loads (src/web/lib/one-per-key.ts): one request at a time per project, the reloads asked for
// meanwhile folded into one that follows it, so an older answer can never be applied after a newer one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { onePerKey } from '../../src/web/lib/one-per-key.js';

/** A fake server: each request waits until the test answers it; the answer is the revision at the time it is answered. */
function fakeServer() {
  let revision = 0;
  const pending: { key: string; answer: () => void }[] = [];
  const applied: Record<string, number[]> = {};
  const inFlight: Record<string, number> = {};
  const maxInFlight: Record<string, number> = {};
  const load = onePerKey((key) => new Promise<void>((resolve, reject) => {
    inFlight[key] = (inFlight[key] ?? 0) + 1;
    maxInFlight[key] = Math.max(maxInFlight[key] ?? 0, inFlight[key]);
    pending.push({
      key,
      answer: () => {
        inFlight[key]--;
        if (key === 'broken') { reject(new Error('network')); return; }
        (applied[key] ??= []).push(revision);
        resolve();
      },
    });
  }));
  const answer = async (key: string) => {
    const i = pending.findIndex((p) => p.key === key);
    assert.ok(i >= 0, `a request for ${key} is waiting`);
    pending.splice(i, 1)[0].answer();
    await new Promise((r) => setImmediate(r)); // let the loader go on
  };
  return { load, answer, pending, applied, maxInFlight, write: () => { revision++; } };
}

describe('onePerKey: a project\'s task list, one request at a time', () => {
  test('reloads asked for during a request become one request after it; the last answer applied is the newest', async () => {
    const f = fakeServer();
    const settled: string[] = [];
    const first = f.load('p').then(() => settled.push('first'));
    f.write();
    const second = f.load('p').then(() => settled.push('second'));
    const third = f.load('p').then(() => settled.push('third'));
    assert.equal(f.pending.length, 1, 'one request in flight for the project, not three');
    await f.answer('p');
    assert.deepEqual(settled, ['first']);
    assert.equal(f.pending.length, 1, 'the reloads asked for meanwhile: one request, sent after the first was answered');
    f.write();
    await f.answer('p');
    await Promise.all([first, second, third]);
    assert.deepEqual(settled, ['first', 'second', 'third']);
    assert.deepEqual(f.applied.p, [1, 2], 'applied in order: the answer to the older request never lands last');
    assert.equal(f.maxInFlight.p, 1);
    assert.equal(f.pending.length, 0, 'nothing more is sent');
  });

  test('projects do not wait for one another, and each answer stays with its own project', async () => {
    const f = fakeServer();
    const a = f.load('a');
    const b = f.load('b');
    assert.deepEqual(f.pending.map((p) => p.key), ['a', 'b']);
    f.write();
    await f.answer('b');
    await b;
    assert.deepEqual(f.applied, { b: [1] }, 'b answered while a is still waiting');
    await f.answer('a');
    await a;
    assert.deepEqual(f.applied, { a: [1], b: [1] });
  });

  test('a failed request does not stop the reload asked for during it', async () => {
    const f = fakeServer();
    const one = f.load('broken');
    const two = f.load('broken');
    await f.answer('broken');
    await one;
    assert.equal(f.pending.length, 1, 'the reload was sent after the failure');
    await f.answer('broken');
    await two;
    assert.equal(f.pending.length, 0);
  });
});
