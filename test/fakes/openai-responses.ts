// A small stand-in for the OpenAI Responses API on loopback, enough for the real Codex CLI to run offline
// (a custom model provider with `wire_api = "responses"`, base_url http://127.0.0.1:PORT/v1; see docs/codex.md).
// POST /v1/responses streams SSE the way the real API does (response.created, output_item.added/done, output_text.delta,
// response.completed); GET /v1/models answers an empty list; anything else is a JSON 404.
// Replies are scripted per request. By default a prompt "run: <command>" gets an `exec_command` call that asks for
// approval (sandbox_permissions "require_escalated"), the function_call_output coming back gets a final text, a
// "slow: <ms>" prompt is answered after that delay, and any other prompt gets a plain text reply. Codex's side call
// for a thread title (no tools, a JSON schema as text.format) gets {"title": …}.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ResponsesReply =
  { text: string; delayMs?: number } | { exec: { cmd: string; justification?: string; escalated?: boolean }; text?: string; delayMs?: number };

export interface ResponsesRequest {
  path: string;
  body: any;
  /** Text of the last user message (input_text parts joined); '' when the last input item is not a user message. */
  lastUserText: string;
  /** The last input item is a function_call_output: the CLI reports a tool's outcome. */
  toolOutput: { callId: string; output: string } | null;
  /** A request with the agent's tools (exec_command among them), as opposed to a side call (the thread title). */
  main: boolean;
  at: number;
}

export type ResponsesScript = (req: ResponsesRequest) => ResponsesReply;

export interface FakeResponses {
  url: string;
  port: number;
  requests: ResponsesRequest[];
  mainRequests(): ResponsesRequest[];
  close(): Promise<void>;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export const defaultResponsesScript: ResponsesScript = (req) => {
  if (req.toolOutput) return { text: `Done. Output: ${oneLine(req.toolOutput.output).slice(0, 300) || '(none)'}` };
  const run = /run:\s*(.+)$/s.exec(req.lastUserText);
  if (run) return { exec: { cmd: run[1].trim(), justification: 'Run the requested command?', escalated: true }, text: 'I will run it.' };
  const slow = /slow:\s*(\d+)/.exec(req.lastUserText);
  if (slow) return { text: `Slow reply after ${slow[1]} ms`, delayMs: Number(slow[1]) };
  return { text: `Hello from the fake API. You said: ${oneLine(req.lastUserText).slice(0, 200)}` };
};

function inputText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((c: any) => c?.type === 'input_text' && typeof c.text === 'string')
    .map((c: any) => c.text)
    .join('\n');
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return output.map((c: any) => (typeof c?.text === 'string' ? c.text : '')).join('');
  if (output && typeof output === 'object' && typeof (output as any).content === 'string') return (output as any).content;
  return JSON.stringify(output ?? '');
}

export function describeResponsesRequest(path: string, body: any): ResponsesRequest {
  const input: any[] = Array.isArray(body?.input) ? body.input : [];
  const last = input[input.length - 1];
  const tools: any[] = Array.isArray(body?.tools) ? body.tools : [];
  return {
    path,
    body,
    at: Date.now(),
    lastUserText: last?.type === 'message' && last.role === 'user' ? inputText(last.content) : '',
    toolOutput: last?.type === 'function_call_output' ? { callId: String(last.call_id), output: outputText(last.output) } : null,
    main: tools.some((t) => t?.name === 'exec_command' || t?.name === 'shell'),
  };
}

let seq = 0;
const uid = () => `${Date.now().toString(36)}${(++seq).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

function outputItems(reply: ResponsesReply): any[] {
  const items: any[] = [];
  if (reply.text)
    items.push({
      type: 'message',
      id: `msg_${uid()}`,
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: reply.text, annotations: [] }],
    });
  if ('exec' in reply) {
    const args: Record<string, unknown> = { cmd: reply.exec.cmd };
    if (reply.exec.escalated !== false) {
      args.sandbox_permissions = 'require_escalated';
      args.justification = reply.exec.justification ?? 'Run this command?';
    }
    items.push({
      type: 'function_call',
      id: `fc_${uid()}`,
      call_id: `call_${uid()}`,
      name: 'exec_command',
      arguments: JSON.stringify(args),
      status: 'completed',
    });
  }
  return items;
}

async function stream(res: http.ServerResponse, model: string, items: any[], delayMs: number, closed: () => boolean) {
  const id = `resp_${uid()}`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': `req_${id}` });
  let n = 0;
  const ev = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: n++, ...data })}\n\n`);
  const base = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model, status: 'in_progress', output: [] as any[] };
  ev('response.created', { response: base });
  ev('response.in_progress', { response: base });
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  if (closed()) return;
  items.forEach((item, output_index) => {
    if (item.type === 'message') {
      ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      ev('response.content_part.added', {
        output_index,
        item_id: item.id,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      });
      ev('response.output_text.delta', { output_index, item_id: item.id, content_index: 0, delta: item.content[0].text });
      ev('response.output_text.done', { output_index, item_id: item.id, content_index: 0, text: item.content[0].text });
      ev('response.content_part.done', { output_index, item_id: item.id, content_index: 0, part: item.content[0] });
    } else {
      ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      ev('response.function_call_arguments.delta', { output_index, item_id: item.id, delta: item.arguments });
      ev('response.function_call_arguments.done', { output_index, item_id: item.id, arguments: item.arguments });
    }
    ev('response.output_item.done', { output_index, item });
  });
  const usage = {
    input_tokens: 100,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 10,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 110,
  };
  ev('response.completed', { response: { ...base, status: 'completed', output: items, usage } });
  res.end();
}

export async function startFakeResponses(opts: { script?: ResponsesScript; port?: number } = {}): Promise<FakeResponses> {
  const script = opts.script ?? defaultResponsesScript;
  const requests: ResponsesRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      if (req.method === 'GET' && path === '/v1/models') return json(200, { object: 'list', data: [], models: [] });
      if (req.method !== 'POST' || path !== '/v1/responses')
        return json(404, { error: { type: 'not_found', message: `fake API: no ${req.method} ${path}` } });
      let body: any = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return json(400, { error: { type: 'invalid_request_error', message: 'body is not JSON' } });
      }
      const r = describeResponsesRequest(path, body);
      requests.push(r);
      let reply: ResponsesReply;
      if (!r.main && body?.text?.format?.type === 'json_schema') reply = { text: JSON.stringify({ title: 'Fake task' }) };
      else if (!r.main) reply = { text: 'ok' };
      else {
        try {
          reply = script(r);
        } catch (e) {
          return json(500, { error: { type: 'server_error', message: String(e) } });
        }
      }
      let gone = false;
      res.on('close', () => {
        gone = true;
      });
      void stream(res, String(body?.model ?? 'gpt-fake'), outputItems(reply), reply.delayMs ?? 0, () => gone);
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    mainRequests: () => requests.filter((r) => r.main),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
