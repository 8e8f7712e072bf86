// Secure by default: Host allow-list (against DNS rebinding), same-origin only, and a token when one is set
// (always on a non-loopback bind). Runs before every route, the SSE stream and WebSocket upgrades included.
import os from 'node:os';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

export const TOKEN_COOKIE = 'areyouj_token';

export interface GuardConfig {
  host: string;
  port: number; // the actual port once listening
  token: string | null;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

function allowedHostnames(bound: string): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  names.add(bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound);
  if (WILDCARDS.has(bound)) {
    for (const list of Object.values(os.networkInterfaces())) {
      for (const a of list ?? []) names.add(a.family === 'IPv6' ? `[${a.address}]` : a.address);
    }
    names.add(os.hostname().toLowerCase());
  }
  return names;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export function makeGuard(cfg: GuardConfig) {
  let names = allowedHostnames(cfg.host);
  return {
    refresh() { names = allowedHostnames(cfg.host); },
    check(req: FastifyRequest, reply: FastifyReply): void {
      const host = (req.headers.host ?? '').toLowerCase();
      const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
      if (!m || !names.has(m[1]) || Number(m[2] ?? 80) !== cfg.port) {
        throw new ApiError(403, 'forbidden_host', `Host ${JSON.stringify(req.headers.host ?? '')} is not this server`);
      }
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${host}`) {
        throw new ApiError(403, 'forbidden_origin', `cross-origin requests are not allowed (Origin ${JSON.stringify(origin)})`);
      }
      if (req.headers['sec-fetch-site'] === 'cross-site' && req.url.startsWith('/api/')) {
        throw new ApiError(403, 'forbidden_origin', 'cross-site requests are not allowed');
      }
      if (!cfg.token) return;
      const url = new URL(req.url, 'http://x');
      const auth = req.headers.authorization;
      const given = (auth?.startsWith('Bearer ') ? auth.slice(7) : undefined)
        ?? readCookie(req.headers.cookie, TOKEN_COOKIE) ?? url.searchParams.get('token') ?? undefined;
      if (given !== undefined && safeEqual(given, cfg.token)) {
        // A browser logs in once with /?token=…: remember it in an HttpOnly cookie and drop it from the address bar.
        if (url.searchParams.has('token') && req.method === 'GET' && !url.pathname.startsWith('/api/')) {
          url.searchParams.delete('token');
          reply.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(cfg.token)}; HttpOnly; SameSite=Strict; Path=/`);
          reply.redirect(url.pathname + url.search, 303);
        }
        return;
      }
      throw new ApiError(401, 'unauthorized', given === undefined
        ? 'this server requires a token: open /?token=… once, or send Authorization: Bearer <token>'
        : 'the token is wrong');
    },
  };
}
