// Limits and defaults shared by the server, the web app and the tests: each defined here once, with why that number.
// Zod-free, so the web app can import it.

/**
 * The sizes a terminal may have (API, terminal channel, pty). 2×2 is the least a program can draw a prompt in;
 * 1000 columns × 500 rows is beyond any real screen (a 4K display at a 6 px font is ~640 columns) and bounds the
 * server's screen memory per instance (cols × rows cells, plus scrollback of cols-wide lines).
 */
export const TERMINAL_SIZE_LIMITS = { minCols: 2, maxCols: 1000, minRows: 2, maxRows: 500 } as const;

/**
 * A terminal's size until a viewer sizes it (the web app starts instances at the size of its last terminal): wide
 * enough that agents' tool output and diffs rarely wrap (80 columns is the least most CLIs assume), and about what a
 * terminal pane beside the dashboard's message list shows on a laptop screen.
 */
export const DEFAULT_TERMINAL_SIZE = { cols: 120, rows: 32 } as const;

/**
 * Lines of scrollback kept per instance by the server's screen (snapshots on attach) and by the browser's terminals.
 * 10,000 lines hold an agent's long session; each costs ~2 KB of server memory at 120 columns (~21 MB per instance),
 * so --scrollback lowers it (up to MAX_SCROLLBACK raises it); the full output is always in the log.
 */
export const DEFAULT_SCROLLBACK = 10_000;
/** SIGTERM → SIGKILL: time for an agent to save its state and exit cleanly; only a program that ignores SIGTERM waits this long. */
export const TERMINATE_GRACE_MS = 5000;

/** 1,000,000 lines ≈ 2 GB per instance at 120 columns: more is certainly a mistake. */
export const MAX_SCROLLBACK = 1_000_000;

/** True when cols × rows is a terminal size TERMINAL_SIZE_LIMITS allows. */
export function validTerminalSize(cols: unknown, rows: unknown): cols is number {
  const L = TERMINAL_SIZE_LIMITS;
  return Number.isInteger(cols) && Number.isInteger(rows) && (cols as number) >= L.minCols && (cols as number) <= L.maxCols
    && (rows as number) >= L.minRows && (rows as number) <= L.maxRows;
}
