// State latency probe: the ask-agent prints a [y/N] question (and logs when); the time until its awaiting_input
// instance.updated event reaches an SSE client.
import fs from 'node:fs';
import path from 'node:path';
import type { SseClient } from '../../test/helpers/sse.js';
import { createAgent, PROGRAMS, rawCommand, startInstance, tempDir, TermClient, type ChildServer } from './server.js';
import { epochMs, sleep } from './stats.js';

export interface Probe { id: string; quietMs: number; ask(): Promise<number>; close(): void }

export async function startProbe(s: Pick<ChildServer, 'api' | 'url' | 'headers'>, sse: SseClient, quietMs = 500): Promise<Probe> {
  const dir = tempDir('areyouj-probe-');
  const logFile = path.join(dir, 'ask.log');
  const agent = await createAgent(s, { name: `probe-${path.basename(dir)}`, projectPath: dir, ...rawCommand(`node ${path.join(PROGRAMS, 'ask-agent.cjs')}`),
    env: { ASK_LOG: logFile }, settings: { quietMs } });
  const inst = await startInstance(s, agent.id);
  const id: string = inst.id;
  const status = (st: string, from: number) => {
    let at = 0;
    return sse.waitFor((e) => {
      if (sse.events.indexOf(e) < from || e.event !== 'instance.updated' || e.data.instance.id !== id || e.data.instance.status !== st) return false;
      at = epochMs();
      return true;
    }, 30_000, `probe → ${st}`).then(() => at);
  };
  await status('idle', 0);
  const term = new TermClient(s, id);
  await term.gotSnapshot;
  let seq = 0;
  return {
    id, quietMs,
    /** One question: ms from the agent writing it to the awaiting_input event here. */
    async ask() {
      const from = sse.events.length;
      const waiting = status('awaiting_input', from);
      term.sendBinary('a\r');
      const at = await waiting;
      seq++;
      const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n');
      const [n, t] = lines.at(-1)!.split(' ').map(Number);
      if (n !== seq) throw new Error(`probe: expected question ${seq}, log says ${n}`);
      const idle = status('idle', sse.events.length);
      term.sendBinary('n\r');
      await idle;
      await sleep(50);
      return at - t;
    },
    close() { term.close(); },
  };
}
