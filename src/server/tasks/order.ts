// Natural order of task ids: "2" before "10", "1.2" before "1.10".
export function compareTaskIds(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? -1;
    const y = pb[i] ?? -1;
    if (x !== y) return (Number.isNaN(x) || Number.isNaN(y)) ? a.localeCompare(b) : x - y;
  }
  return 0;
}

/** A number that sorts like compareTaskIds for ids "N" and "N.M" (M below a million); NaN for any other id. */
export function taskSortKey(id: string): number {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(id);
  return m ? Number(m[1]) * 1e6 + (m[2] ? Number(m[2]) : 0) : NaN;
}

/** Sorts tasks (or anything with an id) in natural id order, computing each key once. */
export function sortByTaskId<T extends { id: string }>(items: T[]): T[] {
  const keyed = items.map((t) => ({ t, k: taskSortKey(t.id) }));
  keyed.sort((a, b) => (Number.isNaN(a.k) || Number.isNaN(b.k) ? compareTaskIds(a.t.id, b.t.id) : a.k - b.k));
  return keyed.map((x) => x.t);
}

/** Finds a dependency cycle through `start` in the graph `deps` (task → the tasks it depends on), as a path. */
export function findCycle(deps: Map<string, string[]>, start: string): string[] | null {
  const path: string[] = [];
  const seen = new Set<string>();
  const walk = (id: string): boolean => {
    path.push(id);
    for (const d of deps.get(id) ?? []) {
      if (d === start) { path.push(d); return true; }
      if (!seen.has(d)) { seen.add(d); if (walk(d)) return true; }
    }
    path.pop();
    return false;
  };
  return walk(start) ? path : null;
}
