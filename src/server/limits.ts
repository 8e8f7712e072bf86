// The server's own limits and defaults, each defined here once with why that number. Shared ones (terminal sizes,
// scrollback) are in src/common/limits.ts.

/**
 * Largest JSON body (HTTP) and WebSocket frame accepted: 1 MB. The largest legitimate inputs are a message or a task's
 * details (≤ 200,000 characters, up to ~800 KB of UTF-8); anything bigger is a mistake or an attack.
 */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Events kept for Last-Event-ID replay: a client offline for a while (a laptop asleep) catches up without a refetch. */
export const EVENT_HISTORY = 10_000;

/** …and at most this many bytes of them: 10,000 ordinary events (1-2 KB) fit; 10,000 large ones would not. */
export const EVENT_HISTORY_BYTES = 32 * 1024 * 1024;

/**
 * An event larger than this (a 1 MB agent, a long message) goes to the clients connected now but is kept in the history
 * by reference only: a client that missed it gets `reset` and refetches, instead of the server keeping every payload.
 */
export const EVENT_INLINE_MAX_BYTES = 64 * 1024;

/** An SSE client this far behind (unsent bytes) is dropped; it reconnects with Last-Event-ID, so memory stays bounded. */
export const SSE_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Unsent SSE bytes across all clients: beyond it the clients furthest behind are dropped first (a client that keeps up
 * is never dropped for the others). With the per-client limit, memory for event streams is bounded in total.
 */
export const SSE_TOTAL_BUFFERED_BYTES = 64 * 1024 * 1024;

/** Event streams open at once: a user's tabs and devices many times over; the next one gets 503 `too_many_clients`. */
export const SSE_MAX_CLIENTS = 100;

/** SSE heartbeat comments: well under the 30-60 s idle timeouts of proxies and browsers. */
export const SSE_HEARTBEAT_MS = 15_000;

/** GET /api/instances/:id/output: 1 MB by default (a screenful of history many times over), 16 MB at most per request. */
export const OUTPUT_READ = { default: 1 << 20, max: 16 << 20 } as const;

/** GET /api/instances/:id/messages: a page of 100 by default, 1,000 at most (a long session's history in a few pages). */
export const MESSAGE_PAGE = { default: 100, max: 1000 } as const;

/** Live instances across all agents by default: each is a process and ~10-20 MB of server memory. */
export const DEFAULT_MAX_INSTANCES = 64;

/**
 * GET /api/tasks: projects whose serialized task list is kept (each up to a few MB at 10,000 tasks). A handful covers
 * the boards open in a few browser tabs; the rest are rebuilt on their next read.
 */
export const TASK_LIST_CACHE_PROJECTS = 8;

/**
 * GET /api/tasks leaves tasks' details (Markdown, up to 200,000 characters each) out of the list once they add up to
 * more than this, and says so (`detailsOmitted`): the board then fetches one task's details when it is opened. Below it,
 * a board's details come along and its search covers them at once.
 */
export const LIST_DETAILS_MAX_CHARS = 256 * 1024;

/** A browser session lasts 30 days from its login (Jupyter's cookie lasts as long); `areyouj token --rotate` ends them all. */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

/** Sessions kept at most (the oldest go first): a few browsers per user, never an unbounded table. */
export const MAX_SESSIONS = 1000;

/**
 * The longest transcript line (one JSON entry) mirrored: 16 MB, above a tool result holding a few base64 images (the
 * API takes 5 MB per image). A longer one is skipped with a note; it is never held whole, and never blocks the server.
 */
export const TRANSCRIPT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Projects whose tasks.db is open at once (a connection: 3 file descriptors with WAL, and a watcher each). The least
 * recently used is closed when another opens; a user works in a handful, a page could ask for thousands.
 */
export const MAX_OPEN_PROJECTS = 64;
