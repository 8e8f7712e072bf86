// The printed table.
import { fmt, type Row } from './stats.js';

export function renderTable(rows: Row[]): string {
  const head = ['benchmark', 'figure', 'median', 'spread', 'baseline', 'ratio', 'target', 'met'];
  const body = rows.map((r) => [
    r.bench,
    r.figure,
    fmt(r.value, r.unit),
    r.spread ? `${fmt(r.spread.lo)}–${fmt(r.spread.hi)} (${r.spread.kind === 'p25–p75' ? 'p25–p75' : 'min–max'}, n=${r.spread.n})` : '',
    r.baseline ? `${fmt(r.baseline.value, r.unit)} ${r.baseline.label}` : '',
    r.ratio !== undefined ? `${fmt(r.ratio)}×` : '',
    r.target ?? '',
    r.met === undefined || r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('-|-')];
  for (const b of body) out.push(line(b));
  const notes = rows.filter((r) => r.note).map((r) => `  * ${r.bench} / ${r.figure}: ${r.note}`);
  if (notes.length) out.push('', 'notes:', ...notes);
  return out.join('\n');
}
