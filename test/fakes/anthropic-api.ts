// A small stand-in for the Anthropic Messages API on loopback, enough for the real Claude Code CLI to run offline.
// POST /v1/messages (streaming SSE or plain JSON), POST /v1/messages/count_tokens, anything else → a harmless 200/404.
// Replies are scripted per request: by default a prompt containing "run: <command>" gets a Bash tool_use, the tool_result
// that comes back gets a final text, and any other prompt gets a plain text reply.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeReply =
  | { text: string }
  | { toolUse: { name: string; input: Record<string, unknown> }; text?: string };

export interface FakeRequest {
  method: string;
  path: string;
  body: any;
  /** Text of the last user message (its text blocks joined, <system-reminder> blocks and tool results left out). */
  lastUserText: string;
  /** The last user message carries a tool_result (the CLI is reporting a tool's outcome). */
  toolResult: { toolUseId: string; content: string; isError: boolean } | null;
  /** A request with the main agent's tools (Bash among them), as opposed to a side call (titles, topics, quota). */
  main: boolean;
  at: number;
}

export type FakeScript = (req: FakeRequest) => FakeReply;

export interface FakeAnthropic {
  url: string;
  port: number;
  requests: FakeRequest[];
  /** Main-agent /v1/messages requests only. */
  mainRequests(): FakeRequest[];
  close(): Promise<void>;
}

export const defaultScript: FakeScript = (req) => {
  if (!req.main) return { text: sideReply(req) };
  if (req.toolResult && !req.lastUserText.trim()) {
    return { text: req.toolResult.isError ? `The command was not run: ${oneLine(req.toolResult.content)}` : `Done. Output: ${oneLine(req.toolResult.content) || '(none)'}` };
  }
  const m = /run:\s*(.+)$/s.exec(req.lastUserText);
  if (m) return { toolUse: { name: 'Bash', input: { command: m[1].trim(), description: 'Run the requested command' } }, text: 'I will run it.' };
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

function describe(method: string, path: string, body: any): FakeRequest {
  const msgs: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = [...msgs].reverse().find((m) => m?.role === 'user');
  const blocks: any[] = Array.isArray(last?.content) ? last.content : [];
  const tr = blocks.find((b) => b?.type === 'tool_result');
  const tools: any[] = Array.isArray(body?.tools) ? body.tools : [];
  return {
    method, path, body, at: Date.now(),
    lastUserText: last ? textOf(last.content) : '',
    toolResult: tr ? { toolUseId: String(tr.tool_use_id), content: typeof tr.content === 'string' ? tr.content : textOf(tr.content), isError: !!tr.is_error } : null,
    main: tools.some((t) => t?.name === 'Bash'),
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

function sse(res: http.ServerResponse, msg: ReturnType<typeof replyMessage>) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${msg.id}` });
  const ev = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  ev('message_start', { message: { ...msg, content: [], stop_reason: null, usage: { ...msg.usage, output_tokens: 1 } } });
  msg.content.forEach((b, index) => {
    if (b.type === 'text') {
      ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
      ev('content_block_delta', { index, delta: { type: 'text_delta', text: b.text } });
    } else {
      ev('content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
      ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
    }
    ev('content_block_stop', { index });
  });
  ev('message_delta', { delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { output_tokens: msg.usage.output_tokens } });
  ev('message_stop', {});
  res.end();
}

export async function startFakeAnthropic(opts: { script?: FakeScript; port?: number } = {}): Promise<FakeAnthropic> {
  const script = opts.script ?? defaultScript;
  const requests: FakeRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      let body: any = null;
      try { body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null; } catch { body = null; }
      const r = describe(req.method ?? 'GET', path, body);
      requests.push(r);
      const json = (status: number, v: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(v)); };
      if (req.method === 'POST' && path === '/v1/messages/count_tokens') return json(200, { input_tokens: 100 });
      if (req.method === 'POST' && path === '/v1/messages') {
        let reply: FakeReply;
        try { reply = script(r); } catch (e) { return json(500, { type: 'error', error: { type: 'api_error', message: String(e) } }); }
        const msg = replyMessage(String(body?.model ?? 'claude-fake'), reply);
        return body?.stream ? sse(res, msg) : json(200, msg);
      }
      if (req.method === 'HEAD' || (req.method === 'GET' && path === '/')) return json(200, {});
      json(404, { type: 'error', error: { type: 'not_found_error', message: `fake API: no ${req.method} ${path}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`, port, requests,
    mainRequests: () => requests.filter((r) => r.path === '/v1/messages' && r.main),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
