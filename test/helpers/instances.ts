// Helpers for tests that run real agent programs through a real server.
import { WebSocket } from 'ws';
import type { Instance } from '../../src/common/schema.js';
import type { SseClient } from './sse.js';
import { FAKE_AGENTS, tempDir, type TestServer } from './server.js';

export const FAKE_AGENT = `${FAKE_AGENTS}/fake-agent.js`;

export async function createAgent(s: TestServer, body: Record<string, unknown>) {
  const r = await s.api('POST', '/api/agents', { projectPath: tempDir(), kind: 'generic', ...body });
  if (r.status !== 201) throw new Error(`agent: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function startInstance(s: TestServer, agentId: string, body: Record<string, unknown> = {}): Promise<Instance> {
  const r = await s.api('POST', `/api/agents/${agentId}/instances`, body);
  if (r.status !== 201) throw new Error(`start: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Waits for the instance.updated event that puts an instance in one of the given statuses (after `afterId`). */
export function waitStatus(sse: SseClient, id: string, status: string | string[], afterId = 0) {
  const want = Array.isArray(status) ? status : [status];
  return sse.waitFor((e) => e.event === 'instance.updated' && e.data.instance.id === id && want.includes(e.data.instance.status)
    && Number(e.id) > afterId, 20_000, `${id} → ${want.join('|')}`);
}

export const statusTrail = (sse: SseClient, id: string) => {
  const out: string[] = [];
  for (const e of sse.events) {
    if (e.event !== 'instance.updated' || e.data.instance.id !== id) continue;
    if (out.at(-1) !== e.data.instance.status) out.push(e.data.instance.status);
  }
  return out;
};

export async function output(s: TestServer, id: string): Promise<string> {
  const r = await fetch(`${s.url}/api/instances/${id}/output?limit=16777216`, { headers: s.headers() });
  return r.text();
}

/**
 * A terminal-channel client that records the snapshot and the bytes that follow. What a viewer has seen is the
 * snapshot plus the live bytes: output printed before it attached is in the snapshot, not in the live stream.
 */
export class TermClient {
  ws: WebSocket;
  snapshot: { data: string; cols: number; rows: number } | null = null;
  received = Buffer.alloc(0);
  controls: any[] = [];
  closed: { code: number; reason: string } | null = null;
  opened: Promise<void>;
  private waiters: (() => void)[] = [];

  /** `s`: the server and how to authenticate to it (TestServer). */
  constructor(s: { url: string; headers(): Record<string, string> }, id: string) {
    this.ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/instances/${id}/terminal`, { headers: s.headers() });
    this.opened = new Promise((resolve, reject) => { this.ws.once('open', () => resolve()); this.ws.once('error', reject); });
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) this.received = Buffer.concat([this.received, data as Buffer]);
      else {
        const m = JSON.parse(String(data));
        if (m.type === 'snapshot') this.snapshot = m;
        else this.controls.push(m);
      }
      this.wake();
    });
    this.ws.on('close', (code, reason) => { this.closed = { code, reason: String(reason) }; this.wake(); });
  }

  private wake() { for (const w of this.waiters.splice(0)) w(); }

  /** Everything this viewer has seen: the snapshot's data (the screen as escape sequences), then the live output. */
  text() { return (this.snapshot?.data ?? '') + this.received.toString('utf8'); }

  /** Only the live output received after the snapshot. */
  live() { return this.received.toString('utf8'); }

  async until(pred: () => boolean, what: string, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`terminal never showed ${what}; got ${JSON.stringify(this.text().slice(-300))}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 500); });
    }
  }

  send(data: string) { this.ws.send(JSON.stringify({ type: 'input', data })); }
  close() { this.ws.terminate(); }
}
