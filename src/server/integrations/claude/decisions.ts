// The channel through which AreYouJ answers Claude Code's question and plan dialogs: a PermissionRequest hook for
// AskUserQuestion / ExitPlanMode that POSTs the payload to the pty host's hooks socket (/hooks/<id>/decision; relayed to the server) and waits for the reply
// (a long poll). The reply body is the hook's output: Claude applies it as if the user had answered the dialog.
// Answered in the terminal, the question is settled here with no output, and the hook exits without effect.
// One pending request per dialog key; bounded in number.

/** How many dialogs of one instance may wait at once (Claude shows one at a time; a few for races). */
export const MAX_PENDING_DECISIONS = 4;

interface Pending {
  resolve: (out: object | null) => void;
  since: number;
}

export class DecisionChannel {
  private pending = new Map<string, Pending>();
  private watchers = new Set<{ key: string; resolve: (ok: boolean) => void; timer: NodeJS.Timeout }>();

  /**
   * Resolves true once a hook waits for `key` (at once if one does), false after timeoutMs: the decision hook runs beside
   * the hook that reports the dialog, so its request may come a little after the dialog is known.
   */
  whenWaiting(key: string, timeoutMs: number): Promise<boolean> {
    if (this.pending.has(key)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = {
        key,
        resolve,
        timer: setTimeout(() => {
          this.watchers.delete(w);
          resolve(false);
        }, timeoutMs),
      };
      this.watchers.add(w);
    });
  }

  /** Waits for the answer to the dialog `key`; resolves null when it is settled without one (or replaced, or aborted). */
  wait(key: string, signal?: AbortSignal): Promise<object | null> {
    this.drop(key); // a repeated request for the same dialog replaces the older one
    while (this.pending.size >= MAX_PENDING_DECISIONS) this.drop(this.pending.keys().next().value!);
    return new Promise((resolve) => {
      const p: Pending = { resolve, since: Date.now() };
      this.pending.set(key, p);
      for (const w of [...this.watchers])
        if (w.key === key) {
          clearTimeout(w.timer);
          this.watchers.delete(w);
          w.resolve(true);
        }
      signal?.addEventListener(
        'abort',
        () => {
          if (this.pending.get(key) === p) this.drop(key);
        },
        { once: true },
      );
    });
  }

  /** Sends the hook's output for `key`; false when nobody waits for it (the dialog is gone, or never had a channel). */
  answer(key: string, output: object): boolean {
    const p = this.pending.get(key);
    if (!p) return false;
    this.pending.delete(key);
    p.resolve(output);
    return true;
  }

  /** Ends the wait for `key` without an answer (answered in the terminal, turn over). */
  settle(key: string): void {
    for (const w of [...this.watchers])
      if (w.key === key) {
        clearTimeout(w.timer);
        this.watchers.delete(w);
        w.resolve(false);
      }
    this.drop(key);
  }

  private drop(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    p.resolve(null);
  }

  settleAll(): void {
    for (const k of [...this.pending.keys()]) this.settle(k);
    for (const w of this.watchers) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.watchers.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}
