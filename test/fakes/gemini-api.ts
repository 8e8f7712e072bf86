// A small stand-in for the Gemini API (generativelanguage v1beta) on loopback, enough for the real Gemini CLI to run
// offline with GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:PORT (see docs/gemini.md).
// POST /v1beta/models/<model>:streamGenerateContent?alt=sse (SSE of GenerateContentResponse chunks), :generateContent
// (JSON), :countTokens; anything else is a JSON 404 in the API's error shape.
// Replies are scripted per request. By default a prompt "run: <command>" gets a run_shell_command call (which the CLI
// asks the user to approve), the functionResponse coming back gets a final text, "slow: <ms>" is answered after that
// delay, and any other prompt gets a plain text reply. The CLI's side calls that want JSON (the model router's
// complexity score, the next-speaker check) get an object built from their response schema.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type GeminiReply = { text: string; delayMs?: number } | { shell: { command: string; description?: string }; text?: string; delayMs?: number };

export interface GeminiRequest {
  path: string;
  model: string;
  method: string;
  body: any;
  /** Text of the last user content's last text part (the prompt just typed); '' when it carries a functionResponse. */
  lastUserText: string;
  /** The last content carries a functionResponse: the CLI reports a tool's outcome. */
  toolResult: { name: string; id: string | null; response: any; output: string } | null;
  /** A request with the agent's tools (run_shell_command among them), as opposed to a side call. */
  main: boolean;
  at: number;
}

export type GeminiScript = (req: GeminiRequest) => GeminiReply;

export interface FakeGemini {
  url: string;
  port: number;
  requests: GeminiRequest[];
  mainRequests(): GeminiRequest[];
  close(): Promise<void>;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export const defaultGeminiScript: GeminiScript = (req) => {
  if (req.toolResult) return { text: `Done. Output: ${oneLine(req.toolResult.output).slice(0, 300) || '(none)'}` };
  const run = /run:\s*(.+)$/s.exec(req.lastUserText);
  if (run) return { shell: { command: run[1].trim(), description: 'Run the requested command' }, text: 'I will run it.' };
  const slow = /slow:\s*(\d+)/.exec(req.lastUserText);
  if (slow) return { text: `Slow reply after ${slow[1]} ms`, delayMs: Number(slow[1]) };
  return { text: `Hello from the fake API. You said: ${oneLine(req.lastUserText).slice(0, 200)}` };
};

function toolOutput(response: any): string {
  if (response == null) return '';
  if (typeof response === 'string') return response;
  if (typeof response.output === 'string') return response.output;
  if (typeof response.error === 'string') return response.error;
  return JSON.stringify(response);
}

export function describeGeminiRequest(method: string, path: string, body: any): GeminiRequest {
  const model = /\/models\/([^:/]+)/.exec(path)?.[1] ?? '';
  const contents: any[] = Array.isArray(body?.contents) ? body.contents : [];
  const last = contents[contents.length - 1];
  const parts: any[] = Array.isArray(last?.parts) ? last.parts : [];
  const fr = parts.find((p) => p?.functionResponse)?.functionResponse;
  const decls = (Array.isArray(body?.tools) ? body.tools : []).flatMap((t: any) =>
    Array.isArray(t?.functionDeclarations) ? t.functionDeclarations : [],
  );
  return {
    method,
    path,
    model,
    body,
    at: Date.now(),
    // The prompt just typed is the last text part: the first turn's content carries the CLI's <session_context> part
    // before it, and after cancelled turns Gemini CLI may send their prompts as earlier parts of the same content.
    lastUserText:
      last?.role === 'user' && !fr
        ? (parts
            .filter((p) => typeof p?.text === 'string' && !/^\s*<session_context>/.test(p.text))
            .map((p) => p.text)
            .at(-1) ?? '')
        : '',
    toolResult: fr ? { name: String(fr.name), id: fr.id ?? null, response: fr.response, output: toolOutput(fr.response) } : null,
    main: decls.some((d: any) => d?.name === 'run_shell_command'),
  };
}

/** A value for a JSON schema (OpenAPI-style types as the SDK sends them, upper or lower case). */
function fromSchema(schema: any, name = ''): unknown {
  const type = String(schema?.type ?? 'object').toLowerCase();
  if (Array.isArray(schema?.enum) && schema.enum.length) return name === 'next_speaker' && schema.enum.includes('user') ? 'user' : schema.enum[0];
  if (type === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema?.properties ?? {})) out[k] = fromSchema(v, k);
    return out;
  }
  if (type === 'array') return [];
  if (type === 'integer' || type === 'number') return name.includes('score') ? 10 : 0;
  if (type === 'boolean') return false;
  if (name === 'next_speaker') return 'user';
  return 'fake';
}

let seq = 0;

function responseParts(reply: GeminiReply): any[] {
  const parts: any[] = [];
  if (reply.text) parts.push({ text: reply.text });
  if ('shell' in reply) {
    parts.push({
      functionCall: {
        id: `call_fake_${++seq}`,
        name: 'run_shell_command',
        args: { command: reply.shell.command, description: reply.shell.description ?? 'Run a command' },
      },
    });
  }
  return parts;
}

const usage = { promptTokenCount: 100, candidatesTokenCount: 10, totalTokenCount: 110 };
const candidate = (model: string, parts: any[]) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
  usageMetadata: usage,
  modelVersion: model,
  responseId: `resp_fake_${++seq}`,
});

export async function startFakeGemini(opts: { script?: GeminiScript; port?: number } = {}): Promise<FakeGemini> {
  const script = opts.script ?? defaultGeminiScript;
  const requests: GeminiRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      void answer();
    });
    const answer = async () => {
      const path = (req.url ?? '/').split('?')[0];
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      const notFound = () => json(404, { error: { code: 404, message: `fake API: no ${req.method} ${path}`, status: 'NOT_FOUND' } });
      const action = /:(streamGenerateContent|generateContent|countTokens)$/.exec(path)?.[1];
      if (req.method !== 'POST' || !action) return notFound();
      let body: any = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return json(400, { error: { code: 400, message: 'body is not JSON', status: 'INVALID_ARGUMENT' } });
      }
      if (action === 'countTokens') return json(200, { totalTokens: 100 });
      const r = describeGeminiRequest(req.method, path, body);
      requests.push(r);
      const schema = body?.generationConfig?.responseJsonSchema ?? body?.generationConfig?.responseSchema;
      let reply: GeminiReply;
      if (!r.main && (schema || body?.generationConfig?.responseMimeType === 'application/json'))
        reply = { text: JSON.stringify(fromSchema(schema)) };
      else if (!r.main) reply = { text: 'ok' };
      else {
        try {
          reply = script(r);
        } catch (e) {
          return json(500, { error: { code: 500, message: String(e), status: 'INTERNAL' } });
        }
      }
      let gone = false;
      res.on('close', () => {
        gone = true;
      });
      if (reply.delayMs) {
        if (action === 'streamGenerateContent') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.flushHeaders();
        }
        await new Promise((r2) => setTimeout(r2, reply.delayMs));
        if (gone) return;
      }
      const msg = candidate(r.model, responseParts(reply));
      if (action === 'generateContent') return json(200, msg);
      if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(msg)}\r\n\r\n`);
      res.end();
    };
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
