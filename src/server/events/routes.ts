// GET /api/events: Server-Sent Events with ids, Last-Event-ID replay, a reset when too far behind, and heartbeats.
// Bounded in total: at most SSE_MAX_CLIENTS streams (the next gets 503), each event serialized once for all of them
// (the bus's frame), a client more than SSE_MAX_BUFFERED_BYTES behind is dropped, and when all of them together hold
// more than SSE_TOTAL_BUFFERED_BYTES unsent, the ones furthest behind go first. A dropped client reconnects with
// Last-Event-ID and catches up (or refetches), so nothing is lost.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../http/errors.js';
import { SSE_MAX_BUFFERED_BYTES, SSE_MAX_CLIENTS, SSE_TOTAL_BUFFERED_BYTES } from '../limits.js';
import { sseFrame, type EventBus } from './bus.js';

export interface EventRoutesDeps { bus: EventBus; heartbeatMs: number }

interface Client { raw: ServerResponse; close(): void }

export function eventRoutes(app: FastifyInstance, deps: EventRoutesDeps) {
  const maxClients = SSE_MAX_CLIENTS;
  const clientBytes = SSE_MAX_BUFFERED_BYTES;
  const totalBytes = SSE_TOTAL_BUFFERED_BYTES;
  const clients = new Set<Client>();

  // One listener for every client: the frame is the same string for all of them (no copy per client while queued).
  deps.bus.subscribe((_e, frame) => {
    if (!clients.size) return;
    const behind = [...clients].sort((a, b) => b.raw.writableLength - a.raw.writableLength);
    let total = behind.reduce((n, c) => n + c.raw.writableLength, 0);
    for (const c of behind) {
      const unsent = c.raw.writableLength;
      if (unsent + frame.length > clientBytes || (unsent > 0 && total + frame.length > totalBytes)) {
        total -= unsent;
        c.close();
        continue;
      }
      c.raw.write(frame);
      total += frame.length;
    }
  });

  const reset = (reason: 'history_too_old' | 'history_too_large') => sseFrame(deps.bus.lastId, 'reset', { reason, lastId: deps.bus.lastId });

  // GET only: a HEAD would open a stream whose headers are never sent.
  app.get<{ Querystring: { lastEventId?: string } }>('/api/events', { exposeHeadRoute: false }, (req, reply) => {
    if (clients.size >= maxClients) {
      reply.header('retry-after', '10');
      throw new ApiError(503, 'too_many_clients', `${clients.size} event streams are open, the most this server serves at once; close another tab or client`);
    }
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: 2000\n: connected, last id ${deps.bus.lastId}\n\n`);
    const last = req.headers['last-event-id'] ?? req.query.lastEventId;
    if (last !== undefined && last !== '') {
      const id = Number(last);
      const missed = Number.isInteger(id) ? deps.bus.since(id) : null;
      const size = missed?.reduce((n, r) => n + (r.frame?.length ?? Infinity), 0) ?? 0;
      if (missed === null) raw.write(reset('history_too_old'));
      else if (size > clientBytes) raw.write(reset('history_too_large')); // an event kept by reference, or too much to replay
      else for (const r of missed) raw.write(r.frame!);
    }
    const client: Client = {
      raw,
      close: () => {
        if (!clients.delete(client)) return;
        clearInterval(beat);
        raw.destroy();
      },
    };
    clients.add(client);
    const beat = setInterval(() => { if (raw.writableLength < clientBytes) raw.write(`: heartbeat ${Date.now()}\n\n`); }, deps.heartbeatMs);
    raw.on('close', client.close);
    raw.on('error', client.close);
  });
}
