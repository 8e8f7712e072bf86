// Loads that must not overtake each other: one at a time per key (a project's task list), however often they are asked for.

/**
 * `run(key)` one at a time per key. A call while a run for the key is going is answered by one more run after it
 * (calls in the meantime share that one), so a response is always applied after the ones requested before it: an
 * older answer can never overwrite a newer one, and what is applied last was requested after the last call. Each
 * call's promise settles when a run that started after the call has finished. Keys do not wait for one another.
 * `run` reports its own errors; a failed run does not stop the next.
 */
export function onePerKey(run: (key: string) => Promise<void>): (key: string) => Promise<void> {
  /** Present while a run for the key is going: the callers waiting for the next run. */
  const slots = new Map<string, { waiting: (() => void)[] }>();
  const drive = async (key: string, callers: (() => void)[]) => {
    for (;;) {
      try { await run(key); } catch { /* run reports its own errors */ }
      for (const done of callers) done();
      const slot = slots.get(key)!;
      if (!slot.waiting.length) { slots.delete(key); return; }
      callers = slot.waiting;
      slot.waiting = [];
    }
  };
  return (key) => new Promise<void>((resolve) => {
    const slot = slots.get(key);
    if (slot) { slot.waiting.push(resolve); return; }
    slots.set(key, { waiting: [] });
    void drive(key, [resolve]);
  });
}
