// The server's own limits and defaults, each defined here once with why that number. Shared ones (terminal sizes,
// scrollback) are in src/common/limits.ts.

/**
 * Largest JSON body (HTTP) and WebSocket frame accepted: 1 MB. The largest legitimate inputs are a message or a task's
 * details (≤ 200,000 characters, up to ~800 KB of UTF-8); anything bigger is a mistake or an attack.
 */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Events kept for Last-Event-ID replay: a client offline for a while (a laptop asleep) catches up without a refetch. */
export const EVENT_HISTORY = 10_000;

/** An SSE client this far behind (unsent bytes) is dropped; it reconnects with Last-Event-ID, so memory stays bounded. */
export const SSE_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** SSE heartbeat comments: well under the 30-60 s idle timeouts of proxies and browsers. */
export const SSE_HEARTBEAT_MS = 15_000;

/** GET /api/instances/:id/output: 1 MB by default (a screenful of history many times over), 16 MB at most per request. */
export const OUTPUT_READ = { default: 1 << 20, max: 16 << 20 } as const;

/** GET /api/instances/:id/messages: a page of 100 by default, 1,000 at most (a long session's history in a few pages). */
export const MESSAGE_PAGE = { default: 100, max: 1000 } as const;

/** Live instances across all agents by default: each is a process and ~10-20 MB of server memory. */
export const DEFAULT_MAX_INSTANCES = 64;
