// Instance names within an agent: `#1`, `#2`… by default, so that the overview, the tabs and the sidebar can tell two
// instances of one agent apart. A restart is a new instance (a new process, a new log), so it gets a new name too.

/** The default name of the next instance: one past the highest `#N` the agent has now (a count would repeat a name once an instance below the highest was deleted). */
export function nextNumberName(taken: readonly string[]): string {
  let max = 0;
  for (const n of taken) { const m = /^#(\d+)$/.exec(n); if (m) max = Math.max(max, Number(m[1])); }
  return `#${max + 1}`;
}

/** The name of a restart of `old`: the next `#N` for a numbered one, else `name (2)`, `name (3)`… whichever is free. */
export function restartName(old: string, taken: readonly string[]): string {
  if (/^#\d+$/.test(old)) return nextNumberName(taken);
  const base = old.replace(/ \(\d+\)$/, '');
  const used = new Set(taken);
  for (let k = 2; ; k++) if (!used.has(`${base} (${k})`)) return `${base} (${k})`;
}
