// The agents' hook endpoint: HTTP on the host's owner-only hooks socket (curl --unix-socket, or node's http with
// socketPath). POST /hooks/<session id> with the session's secret in x-areyouj-hook-secret and the hook's JSON
// body; answered 204 at once. The host forwards each hook to the server, or keeps it (bounded) until a server
// connects and acknowledges it: hooks that fire while no server runs are not lost.
import fs from 'node:fs';
import http from 'node:http';
import { SESSION_ID } from './protocol.js';

export const HOOK_SECRET_HEADER = 'x-areyouj-hook-secret';
const MAX_BODY = 1 << 20;

export class HookServer {
  private server: http.Server;

  constructor(check: (sid: string, secret: string) => boolean, deliver: (sid: string, body: string) => void) {
    this.server = http.createServer((req, res) => {
      const m = /^\/hooks\/([^/?]+)$/.exec(req.url ?? '');
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
        done(204);
        deliver(m[1], Buffer.concat(chunks).toString('utf8'));
      });
      req.on('error', () => { /* the client went away */ });
    });
    this.server.headersTimeout = 5000;
    this.server.requestTimeout = 10_000;
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
