// A small stand-in for the Anthropic Messages API on loopback, enough for the real Claude Code CLI to run offline.
// POST /v1/messages (streaming SSE or plain JSON), POST /v1/messages/count_tokens, anything else → a harmless 200/404.
// Replies are scripted per request (defaultScript): a prompt "run: <command>" gets a Bash tool_use, "tool: <Name> <json>"
// a tool_use of any tool (AskUserQuestion, ExitPlanMode…), "slow: <text>" a streamed answer held open after its first
// words until the client aborts it (Esc) or holdMaxMs, the tool_result that comes back gets a final text quoting it, and
// "wait: <text>" an answer of which nothing is sent before that, any other prompt gets a plain text reply. Every request is recorded, with its tool_result as the model receives it.
import http from 'node:http';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';

export type FakeReply =
  /** hold: 'text' streams the first word, then waits for the client's abort (or holdMaxMs); 'start' sends nothing until then. */
  | { text: string; hold?: 'text' | 'start' }
  | { toolUse: { name: string; input: Record<string, unknown> }; text?: string };

/** A tool_result block as the model receives it (content kept as sent: a string or content blocks). */
export interface FakeToolResult { toolUseId: string; content: string; raw: unknown; isError: boolean }

export interface FakeRequest {
  method: string;
  path: string;
  body: any;
  /** Text of the last user message (its text blocks joined, <system-reminder> blocks and tool results left out). */
  lastUserText: string;
  /** The last user message carries a tool_result (the CLI is reporting a tool's outcome). */
  toolResult: FakeToolResult | null;
  /** A request with the main agent's tools (Bash among them), as opposed to a side call (titles, topics, quota). */
  main: boolean;
  at: number;
  /** The client closed the connection before the reply was complete (Esc / Ctrl-C during a held answer). */
  aborted: boolean;
  /** The reply was fully written. */
  completed: boolean;
  /** The tool call the fake answered with, if any (its id is what the tool_result will name). */
  toolUse?: { id: string; name: string };
}

export type FakeScript = (req: FakeRequest) => FakeReply;

export interface FakeAnthropic {
  url: string;
  port: number;
  requests: FakeRequest[];
  /** Main-agent /v1/messages requests only. */
  mainRequests(): FakeRequest[];
  /** Resolves with the first request (already received or to come) matching pred. */
  waitRequest(pred: (r: FakeRequest) => boolean, timeoutMs?: number): Promise<FakeRequest>;
  /** Resolves once a request matching pred has been aborted by the client (or was already). */
  waitAborted(pred: (r: FakeRequest) => boolean, timeoutMs?: number): Promise<FakeRequest>;
  /** The id of the latest tool call of that tool the fake made. */
  lastToolUse(name: string): string | null;
  close(): Promise<void>;
}

export const defaultScript: FakeScript = (req) => {
  if (!req.main) return { text: sideReply(req) };
  // "plan: <markdown>" in plan mode: write the plan to the plan file Claude Code named in its prompt, then ExitPlanMode.
  const prev = previousToolUse(req);
  if (req.toolResult && prev?.name === 'Write' && /\/plans\/[^/]+\.md$/.test(String(prev.input?.file_path)) && !req.toolResult.isError) {
    return { toolUse: { name: 'ExitPlanMode', input: {} } };
  }
  const plan = /(?:^|\n)plan:\s*(.+)$/s.exec(req.lastUserText);
  if (plan && !req.toolResult) {
    const file = /create your plan at (\S+\.md)|plan file exists at (\S+\.md)/.exec(JSON.stringify(req.body))?.slice(1).find(Boolean);
    if (file) return { toolUse: { name: 'Write', input: { file_path: file, content: plan[1].replace(/\\n/g, '\n') } } };
  }
  if (req.toolResult && !req.lastUserText.trim()) {
    return { text: req.toolResult.isError ? `The command was not run: ${oneLine(req.toolResult.content)}` : `Done. Output: ${oneLine(req.toolResult.content) || '(none)'}` };
  }
  const m = /run:\s*(.+)$/s.exec(req.lastUserText);
  if (m) return { toolUse: { name: 'Bash', input: { command: m[1].trim(), description: 'Run the requested command' } }, text: 'I will run it.' };
  const tool = /(?:^|\n)tool:\s*([A-Za-z_]+)\s+(\{.*\})\s*$/s.exec(req.lastUserText);
  if (tool) return { toolUse: { name: tool[1], input: JSON.parse(tool[2]) } };
  const slow = /(?:^|\n)(slow|wait):\s*(.+)$/s.exec(req.lastUserText);
  if (slow) return { text: slow[2].trim(), hold: slow[1] === 'slow' ? 'text' : 'start' };
  return { text: `Hello from the fake API. You said: ${oneLine(req.lastUserText).slice(0, 200)}` };
};

// Side calls the CLI makes with a small model: topic/title detection wants JSON; anything else gets short text.
function sideReply(req: FakeRequest): string {
  const sys = JSON.stringify(req.body?.system ?? '');
  if (/isNewTopic|new conversation topic/i.test(sys)) return '{"isNewTopic": false, "title": null}';
  if (/title/i.test(sys)) return 'Fake session';
  return 'ok';
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b: any) => (b?.type === 'text' ? String(b.text) : ''))
    .filter((t) => t && !/^\s*<(system-reminder|local-command-caveat|local-command-stdout)>/.test(t)).join('\n');
}

/** The tool_use of the assistant turn the last tool_result answers. */
function previousToolUse(req: FakeRequest): { name: string; input: any } | null {
  if (!req.toolResult) return null;
  const msgs: any[] = Array.isArray(req.body?.messages) ? req.body.messages : [];
  for (const m of [...msgs].reverse()) {
    if (m?.role !== 'assistant' || !Array.isArray(m.content)) continue;
    const b = m.content.find((x: any) => x?.type === 'tool_use' && x.id === req.toolResult!.toolUseId);
    if (b) return { name: String(b.name), input: b.input };
  }
  return null;
}

function describe(method: string, path: string, body: any): FakeRequest {
  const msgs: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = [...msgs].reverse().find((m) => m?.role === 'user');
  const blocks: any[] = Array.isArray(last?.content) ? last.content : [];
  const tr = blocks.find((b) => b?.type === 'tool_result');
  const tools: any[] = Array.isArray(body?.tools) ? body.tools : [];
  return {
    method, path, body, at: Date.now(),
    lastUserText: last ? textOf(last.content) : '',
    toolResult: tr ? { toolUseId: String(tr.tool_use_id), content: typeof tr.content === 'string' ? tr.content : textOf(tr.content), raw: tr.content, isError: !!tr.is_error } : null,
    main: tools.some((t) => t?.name === 'Bash'),
    aborted: false, completed: false,
  };
}

let seq = 0;
function replyMessage(model: string, reply: FakeReply) {
  const id = `msg_fake_${++seq}`;
  const content: any[] = [];
  if ('toolUse' in reply) {
    if (reply.text) content.push({ type: 'text', text: reply.text });
    content.push({ type: 'tool_use', id: `toolu_fake_${seq}`, name: reply.toolUse.name, input: reply.toolUse.input });
  } else content.push({ type: 'text', text: reply.text });
  const stop_reason = 'toolUse' in reply ? 'tool_use' : 'end_turn';
  const usage = { input_tokens: 10, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  return { id, type: 'message', role: 'assistant', model, content, stop_reason, stop_sequence: null, usage };
}

/** Streams the reply; with `held`, a text block's first word goes out at once and the rest once `held` resolves
 *  (holdAt 'text'), or nothing at all is sent before (holdAt 'start'). */
async function sse(res: http.ServerResponse, msg: ReturnType<typeof replyMessage>, held?: Promise<void>, holdAt: 'text' | 'start' = 'text') {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${msg.id}` });
  if (held && holdAt === 'start') {
    res.flushHeaders();
    await held;
    if (res.destroyed) return;
    held = undefined;
  }
  const ev = (type: string, data: object) => { if (!res.destroyed) res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`); };
  ev('message_start', { message: { ...msg, content: [], stop_reason: null, usage: { ...msg.usage, output_tokens: 1 } } });
  for (const [index, b] of msg.content.entries()) {
    if (b.type === 'text') {
      ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
      if (held) {
        const cut = b.text.indexOf(' ') > 0 ? b.text.indexOf(' ') : b.text.length;
        ev('content_block_delta', { index, delta: { type: 'text_delta', text: b.text.slice(0, cut) } });
        await held;
        if (res.destroyed) return;
        if (cut < b.text.length) ev('content_block_delta', { index, delta: { type: 'text_delta', text: b.text.slice(cut) } });
      } else ev('content_block_delta', { index, delta: { type: 'text_delta', text: b.text } });
    } else {
      ev('content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
      ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
    }
    ev('content_block_stop', { index });
  }
  ev('message_delta', { delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { output_tokens: msg.usage.output_tokens } });
  ev('message_stop', {});
  res.end();
}

export async function startFakeAnthropic(opts: { script?: FakeScript; port?: number; holdMaxMs?: number } = {}): Promise<FakeAnthropic> {
  const script = opts.script ?? defaultScript;
  const requests: FakeRequest[] = [];
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  const releasers = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      let body: any = null;
      try { body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null; } catch { body = null; }
      const r = describe(req.method ?? 'GET', path, body);
      requests.push(r);
      res.on('close', () => { if (!res.writableFinished) r.aborted = true; else r.completed = true; changes.emit('change'); });
      changes.emit('change');
      const json = (status: number, v: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(v)); };
      if (req.method === 'POST' && path === '/v1/messages/count_tokens') return json(200, { input_tokens: 100 });
      if (req.method === 'POST' && path === '/v1/messages') {
        let reply: FakeReply;
        try { reply = script(r); } catch (e) { return json(500, { type: 'error', error: { type: 'api_error', message: String(e) } }); }
        const msg = replyMessage(String(body?.model ?? 'claude-fake'), reply);
        const tu = msg.content.find((b) => b.type === 'tool_use');
        if (tu) r.toolUse = { id: tu.id, name: tu.name };
        if (!body?.stream) return json(200, msg);
        let held: Promise<void> | undefined;
        const holdAt = 'hold' in reply ? reply.hold : undefined;
        if (holdAt) {
          held = new Promise<void>((resolve) => {
            // Bounded: a held answer finishes by itself after holdMaxMs, so nothing waits forever.
            const timer = setTimeout(done, opts.holdMaxMs ?? 60_000);
            function done() { clearTimeout(timer); releasers.delete(done); resolve(); }
            releasers.add(done);
            res.on('close', done);
          });
        }
        void sse(res, msg, held, holdAt);
        return;
      }
      if (req.method === 'HEAD' || (req.method === 'GET' && path === '/')) return json(200, {});
      json(404, { type: 'error', error: { type: 'not_found_error', message: `fake API: no ${req.method} ${path}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const until = (pred: (r: FakeRequest) => boolean, what: string, timeoutMs = 30_000) => new Promise<FakeRequest>((resolve, reject) => {
    const check = () => {
      const hit = requests.find(pred);
      if (!hit) return;
      changes.off('change', check); clearTimeout(timer); resolve(hit);
    };
    const timer = setTimeout(() => { changes.off('change', check); reject(new Error(`fake API: no ${what} within ${timeoutMs} ms`)); }, timeoutMs);
    changes.on('change', check);
    check();
  });
  return {
    url: `http://127.0.0.1:${port}`, port, requests,
    mainRequests: () => requests.filter((r) => r.path === '/v1/messages' && r.main),
    waitRequest: (pred, timeoutMs) => until(pred, 'matching request', timeoutMs),
    waitAborted: (pred, timeoutMs) => until((r) => r.aborted && pred(r), 'aborted request', timeoutMs),
    lastToolUse: (name) => [...requests].reverse().find((r) => r.toolUse?.name === name)?.toolUse?.id ?? null,
    close: () => new Promise<void>((resolve) => {
      for (const f of [...releasers]) f();
      server.closeAllConnections(); server.close(() => resolve());
    }),
  };
}
