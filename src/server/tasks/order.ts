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
