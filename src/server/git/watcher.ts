// Live changes: while someone looks (a lease, renewed by the viewer), poll a cheap fingerprint of the working tree
// (`git status` plus the size and mtime of each changed path) and call back when it changes. Polling backs off from
// `minMs` to `maxMs` while nothing changes and snaps back on a change or a nudge (the agent printed something).
//
// Why polling git and not file events: Node 20 has no recursive fs.watch on Linux; per-directory inotify watches
// (chokidar) cost one watch per folder of every worktree, node_modules included, against a per-user kernel limit,
// and still need git to say what is ignored; a native watcher is a compiled dependency for the same result. git
// already knows what is tracked and ignored, runs as a child process (the event loop never waits), and costs one
// short process per interval per watched instance, only while a viewer has the panel open.

export interface PollerOptions {
  /** The fingerprint of one watched key (instance id); throws or returns a string. */
  probe(key: string): Promise<string>;
  /** Called after the fingerprint changed (not for the first probe). */
  onChange(key: string): void;
  minMs?: number;
  maxMs?: number;
  leaseMs?: number;
}

interface Watch { until: number; delay: number; timer: NodeJS.Timeout | null; last: string | null; busy: boolean }

export class ChangesPoller {
  private watches = new Map<string, Watch>();
  private closed = false;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly leaseMs: number;

  constructor(private opts: PollerOptions) {
    this.minMs = opts.minMs ?? 500;
    this.maxMs = opts.maxMs ?? 4000;
    this.leaseMs = opts.leaseMs ?? 60_000;
  }

  /** Starts watching `key`, or extends its lease. */
  lease(key: string, fingerprint?: string) {
    if (this.closed) return;
    let w = this.watches.get(key);
    if (!w) {
      w = { until: 0, delay: this.minMs, timer: null, last: fingerprint ?? null, busy: false };
      this.watches.set(key, w);
      this.schedule(key, w, fingerprint ? this.minMs : 0);
    }
    w.until = Date.now() + this.leaseMs;
  }

  /** Something probably changed (output from the agent, an operation of ours): look again soon. */
  nudge(key: string) {
    const w = this.watches.get(key);
    if (!w || w.busy || (w.timer && w.delay <= this.minMs)) return; // already looking soon: called on every output chunk
    w.delay = this.minMs;
    if (w.timer) clearTimeout(w.timer);
    this.schedule(key, w, Math.min(this.minMs, 150));
  }

  /** Records the fingerprint a caller just computed, so that its own read does not count as a change. */
  seen(key: string, fingerprint: string) {
    const w = this.watches.get(key);
    if (w) w.last = fingerprint;
  }

  watching(key: string) { return this.watches.has(key); }

  stop(key: string) {
    const w = this.watches.get(key);
    if (w?.timer) clearTimeout(w.timer);
    this.watches.delete(key);
  }

  close() {
    this.closed = true;
    for (const k of [...this.watches.keys()]) this.stop(k);
  }

  private schedule(key: string, w: Watch, ms: number) {
    w.timer = setTimeout(() => void this.tick(key, w), ms);
  }

  private async tick(key: string, w: Watch) {
    w.timer = null;
    if (this.watches.get(key) !== w) return;
    if (Date.now() > w.until) { this.watches.delete(key); return; }
    w.busy = true;
    let fp: string;
    try { fp = await this.opts.probe(key); } catch (e) { fp = `error:${(e as Error).message}`; }
    w.busy = false;
    if (this.watches.get(key) !== w) return;
    const changed = w.last !== null && fp !== w.last;
    w.last = fp;
    if (changed) {
      w.delay = this.minMs;
      try { this.opts.onChange(key); } catch { /* the listener's own failure */ }
    } else {
      w.delay = Math.min(this.maxMs, Math.round(w.delay * 1.5));
    }
    this.schedule(key, w, w.delay);
  }
}
