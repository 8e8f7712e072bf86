// The agents' hook endpoint: HTTP on the host's owner-only hooks socket (curl --unix-socket, or node's http with
// socketPath). POST /hooks/<session id> with the session's secret in x-areyouj-hook-secret and the hook's JSON
// body; answered 204 at once. The host forwards each hook to the server, or keeps it (bounded) until a server
// connects and acknowledges it: hooks that fire while no server runs are not lost.
// POST /hooks/<session id>/decision is a long poll (Claude Code's question and plan dialogs): held until the server
// answers (200 with the hook's output) or has no answer (204: the agent keeps its own dialog). An unknown session and
// a wrong secret get the same 401.
import fs from 'node:fs';
import http from 'node:http';
import { SESSION_ID } from './protocol.js';

export const HOOK_SECRET_HEADER = 'x-areyouj-hook-secret';
const MAX_BODY = 1 << 20;

export class HookServer {
  private server: http.Server;

  constructor(
    check: (sid: string, secret: string) => boolean,
    deliver: (sid: string, body: string) => void,
    /** A decision request: call answer once (null: no answer, 204); `gone` tells when the agent stopped waiting. */
    decide: (sid: string, body: string, answer: (out: string | null) => void, gone: (f: () => void) => void) => void,
  ) {
    this.server = http.createServer((req, res) => {
      const m = /^\/hooks\/([^/?]+)(\/decision)?$/.exec(req.url ?? '');
      const done = (code: number) => { res.writeHead(code, { 'content-length': '0', connection: 'close' }); res.end(); };
      if (req.method !== 'POST') return done(405);
      if (!m || !SESSION_ID.test(m[1])) return done(404);
      const secret = req.headers[HOOK_SECRET_HEADER];
      if (typeof secret !== 'string' || !check(m[1], secret)) return done(401);
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) { done(413); req.destroy(); return; }
        chunks.push(c);
      });
      req.on('end', () => {
        if (size > MAX_BODY) return;
        const body = Buffer.concat(chunks).toString('utf8');
        if (!m[2]) { done(204); deliver(m[1], body); return; }
        let answered = false;
        decide(m[1], body, (out) => {
          if (answered || res.writableEnded || res.destroyed) return;
          answered = true;
          if (out === null) return done(204);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out), connection: 'close' });
          res.end(out);
        }, (f) => res.on('close', () => { if (!answered) { answered = true; f(); } }));
      });
      req.on('error', () => { /* the client went away */ });
    });
    this.server.headersTimeout = 5000;
    this.server.requestTimeout = 10_000; // receiving the request; a held decision's reply may take as long as the user
    this.server.timeout = 0;
  }

  listen(file: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(file, () => {
        this.server.off('error', reject);
        fs.chmodSync(file, 0o600);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((r) => { this.server.close(() => r()); this.server.closeAllConnections(); });
  }
}
