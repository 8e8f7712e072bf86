// GET /api/events: Server-Sent Events with ids, Last-Event-ID replay, a reset when too far behind, and heartbeats.
import type { FastifyInstance } from 'fastify';
import type { StreamEventType } from '../../common/constants.js';
import type { StreamEventMap } from '../../common/events.js';
import { SSE_MAX_BUFFERED_BYTES } from '../limits.js';
import type { EventBus } from './bus.js';


/** One SSE frame: the event's data alone (no envelope) as `data:`, its type as `event:`. */
const frame = <K extends StreamEventType>(id: number, type: K, data: StreamEventMap[K]) => `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

export function eventRoutes(app: FastifyInstance, deps: { bus: EventBus; heartbeatMs: number }) {
  app.get<{ Querystring: { lastEventId?: string } }>('/api/events', (req, reply) => {
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
      if (missed === null) raw.write(frame(deps.bus.lastId, 'reset', { reason: 'history_too_old', lastId: deps.bus.lastId }));
      else for (const e of missed) raw.write(frame(e.id, e.type, e.data));
    }
    const close = () => { unsubscribe(); clearInterval(beat); if (!raw.destroyed) raw.end(); };
    const unsubscribe = deps.bus.subscribe((e) => {
      if (raw.writableLength > SSE_MAX_BUFFERED_BYTES) { raw.destroy(); return close(); }
      raw.write(frame(e.id, e.type, e.data));
    });
    const beat = setInterval(() => raw.write(`: heartbeat ${Date.now()}\n\n`), deps.heartbeatMs);
    raw.on('close', close);
    raw.on('error', close);
  });
}
