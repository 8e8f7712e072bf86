// Secure by default, before any route (the SSE stream and WebSocket upgrades included): a well-formed request (each
// of Host, Origin, Authorization, Cookie at most once; a strict query string), a Host on the allow-list (against DNS
// rebinding) and the same origin only. Who the client is, is auth.ts's question, asked right after.
import os from 'node:os';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { QUERY_PROBLEM, queryOf } from './query.js';

export interface GuardConfig {
  host: string;
  port: number; // the actual port once listening
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

/** Headers that must come once: a second Host or Authorization is how request smuggling and confused checks start. */
const SINGLE = new Set(['host', 'origin', 'authorization', 'cookie', 'last-event-id', 'sec-websocket-key', 'upgrade', 'content-length', 'transfer-encoding']);

function checkWellFormed(req: FastifyRequest): void {
  const raw = req.raw.rawHeaders;
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (!SINGLE.has(name)) continue;
    if (seen.has(name)) throw new ApiError(400, 'bad_request', `the ${name} header is repeated`);
    seen.add(name);
  }
  const problem = queryOf(req)[QUERY_PROBLEM];
  if (problem) throw new ApiError(400, 'invalid_query', problem);
}

export function makeGuard(cfg: GuardConfig) {
  let names = allowedHostnames(cfg.host);
  return {
    refresh() { names = allowedHostnames(cfg.host); },
    check(req: FastifyRequest): void {
      checkWellFormed(req);
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
    },
  };
}
