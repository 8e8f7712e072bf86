// Who may talk to the server: the user, and nobody else. Every request but the agents' task tools
// (which carry a per-instance secret: mcp/access.ts) needs either `Authorization: Bearer <token>`
// (scripts, tests, the CLI) or a session cookie, which a browser gets once by opening the login URL `/?token=<token>`
// (printed at start, shown by `areyouj token`). The cookie holds a random session id (never the token), is named after the port (cookies ignore
// ports: another server on 127.0.0.1 never gets ours), HttpOnly, SameSite=Strict, with an expiry. `?token=` is taken
// on that login URL only. Connections that outlive their credentials (SSE, terminals, keep-alive) are closed when the
// token is rotated or the session revoked.
import type { Socket } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SessionStore } from '../auth/sessions.js';
import type { TokenSource } from '../auth/token.js';
import { SESSION_TTL_MS } from '../limits.js';
import { ApiError } from './errors.js';
import { queryOf } from './query.js';

export const cookieName = (port: number) => `areyouj_session_${port}`;
/** How often the server looks for a rotated token or revoked sessions, to close the connections they had opened. */
const SWEEP_MS = 1000;

const digest = (s: string) => createHash('sha256').update(s).digest();
/** Constant-time comparison of two strings of any length (their digests are compared). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

type Principal = { kind: 'session'; id: string } | { kind: 'bearer'; token: string };

const HOW = 'open the login URL that areyouj printed at start (`areyouj token` shows it again), or send Authorization: Bearer <token>';

export class Auth {
  /** Sockets of authenticated requests (keep-alive, SSE, WebSocket) and who opened them. */
  private sockets = new Map<Socket, Principal>();
  private seen = '';
  private timer: NodeJS.Timeout;

  constructor(private readonly token: TokenSource, readonly sessions: SessionStore, private readonly port: () => number) {
    this.seen = this.versions();
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  get cookie(): string { return cookieName(this.port()); }

  /** The current token (the file may have been rotated by `areyouj token --rotate`). */
  currentToken(): string { return this.token.get(); }

  /**
   * Authenticates a request (onRequest, after the guard); every route needs it (agents' hooks go to the pty host's
   * socket, not to this port). Throws 401;
   * the login URL and the unauthenticated app shell are answered here (the reply is then sent).
   */
  check(req: FastifyRequest, reply: FastifyReply): 'pass' | 'answered' {
    // The agents' task tools (/api/mcp/:instanceId) take that instance's own secret, checked by the route; the user's
    // token or cookie does not open them. (Hooks reach the pty host's owner-only socket, not this port.)
    const route = req.routeOptions.url;
    if (route?.startsWith('/api/mcp/')) return 'pass';
    const path = req.url.split('?', 1)[0];
    const query = queryOf(req);
    if (req.method === 'GET' && path === '/' && query.token !== undefined) return this.login(req, reply, query.token);

    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer +(\S+) *$/i.exec(auth);
      if (m && sameSecret(m[1], this.token.get())) return this.admit(req, { kind: 'bearer', token: m[1] });
      throw new ApiError(401, 'unauthorized', m ? 'the token is wrong' : 'Authorization must be "Bearer <token>"');
    }
    const sid = readCookie(req.headers.cookie, this.cookie);
    if (sid !== undefined && this.sessions.valid(sid)) return this.admit(req, { kind: 'session', id: sid });
    const isPage = req.method === 'GET' && !path.startsWith('/api/');
    if (isPage) return this.loginPage(reply, sid !== undefined ? 'Your session has expired or was revoked. Log in again.' : null);
    if (sid !== undefined) throw new ApiError(401, 'session_expired', `the session has expired or was revoked: ${HOW}`);
    throw new ApiError(401, 'unauthorized', query.token !== undefined
      ? `?token= is accepted on the login URL (/?token=…) only: ${HOW}` : `this server needs a login: ${HOW}`);
  }

  /** POST /api/auth/logout: ends this browser's session. */
  logout(req: FastifyRequest, reply: FastifyReply): void {
    const sid = readCookie(req.headers.cookie, this.cookie);
    if (sid) this.sessions.revoke(sid);
    reply.header('set-cookie', `${this.cookie}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
  }

  private admit(req: FastifyRequest, p: Principal): 'pass' {
    const sock = req.raw.socket as Socket | undefined;
    if (!sock) return 'pass';
    if (!this.sockets.has(sock)) sock.once('close', () => this.sockets.delete(sock));
    this.sockets.set(sock, p);
    return 'pass';
  }

  private login(_req: FastifyRequest, reply: FastifyReply, given: string): 'answered' {
    if (!sameSecret(given, this.token.get())) return this.loginPage(reply, 'That token is wrong (or was rotated). Use the current login URL.');
    const s = this.sessions.create();
    reply.header('set-cookie', `${this.cookie}=${s.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}`)
      .header('cache-control', 'no-store')
      .redirect('/', 303); // and out of the address bar
    return 'answered';
  }

  private loginPage(reply: FastifyReply, problem: string | null): 'answered' {
    reply.status(401).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(loginHtml(problem));
    return 'answered';
  }

  private versions(): string { return `${this.token.version()}|${this.sessions.version()}`; }

  /** Closes the connections whose session was revoked or whose bearer token is no longer the token. */
  sweep(): void {
    const v = this.versions();
    if (v === this.seen) return;
    this.seen = v;
    const token = this.token.get();
    for (const [sock, p] of this.sockets) {
      const ok = p.kind === 'bearer' ? sameSecret(p.token, token) : this.sessions.valid(p.id);
      if (!ok) { this.sockets.delete(sock); sock.destroy(); }
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.sockets.clear();
  }
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page a browser without a session gets instead of the app: how to log in, and nothing else. */
function loginHtml(problem: string | null): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>AreYouJ: log in</title>
<style>body{font:15px/1.5 system-ui,sans-serif;background:#111418;color:#e6e6e6;margin:0;display:grid;place-items:center;min-height:100vh}
main{max-width:34rem;padding:2rem}h1{font-size:1.4rem;margin:0 0 1rem}code{background:#22272e;padding:.1rem .3rem;border-radius:4px}
.problem{color:#ffb4a9}form{display:flex;gap:.5rem;margin-top:1rem}input{flex:1;padding:.4rem;background:#1b1f24;color:inherit;border:1px solid #444;border-radius:4px}
button{padding:.4rem .9rem;border-radius:4px;border:0;background:#3d7eff;color:#fff}</style></head>
<body><main data-testid="login">
<h1>AreYouJ</h1>
${problem ? `<p class="problem" data-testid="login-problem">${esc(problem)}</p>` : ''}
<p>This dashboard needs a login. Open the URL that <code>areyouj</code> (or <code>npm start</code>) printed when it started:
<code>http://…/?token=…</code>. To see it again, run <code>areyouj token</code> (in a checkout: <code>npm start -- token</code>)
with the same <code>--home</code>.</p>
<form method="get" action="/"><input name="token" type="password" autocomplete="off" placeholder="or paste the token" aria-label="token" required><button type="submit">Log in</button></form>
</main></body></html>
`;
}

/** POST /api/auth/logout: this browser's session ends (a Bearer client has none: nothing happens). */
export function authRoutes(app: FastifyInstance, auth: Auth): void {
  app.post('/api/auth/logout', async (req, reply) => {
    auth.logout(req, reply);
    return { ok: true };
  });
}
