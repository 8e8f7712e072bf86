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
 * Lines of scrollback kept per instance by the pty host's screen (snapshots on attach) and by the browser's terminals.
 * 3,000 lines hold the last hour or so of an agent's session on screen (VS Code keeps 1,000, tmux 2,000). Each line
 * costs the pty host's headless terminal ~1.7-2 KB at 120 columns (12 B per cell, whatever the line holds): measured
 * with 100 instances at ~10 KB/s for 60 s (bench 4), 5,000 lines cost 10.1 MB per instance in the pty host (+0.5 MB in
 * the server), over the 10 MB target; 3,000 keep it near 6 MB. Everything older stays in the log (docs/logs, GET
 * /api/instances/:id/output); --scrollback raises it (up to MAX_SCROLLBACK) or lowers it.
 */
export const DEFAULT_SCROLLBACK = 3000;
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
