// Statistics and the result rows every benchmark returns.

export interface Summary { n: number; median: number; p25: number; p75: number; p99: number; min: number; max: number; mean: number }

/** Linear-interpolated percentile (p in 0..100) of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = (s.length - 1) * (p / 100);
  const lo = Math.floor(i), hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}

export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length, median: percentile(s, 50), p25: percentile(s, 25), p75: percentile(s, 75), p99: percentile(s, 99),
    min: s[0] ?? NaN, max: s.at(-1) ?? NaN, mean: s.reduce((a, b) => a + b, 0) / (s.length || 1),
  };
}

/** One line of the table: a figure (median of repeated runs), its spread, its baseline and its target. */
export interface Row {
  bench: string;
  figure: string;
  unit: string;
  /** The reported value (a median over runs). */
  value: number;
  /** The spread over runs, e.g. p25–p75 or min–max. */
  spread?: { kind: 'p25–p75' | 'min–max'; lo: number; hi: number; n: number };
  baseline?: { label: string; value: number };
  /** value / baseline (or the ratio the figure is about). */
  ratio?: number;
  target?: string;
  met?: boolean | null;
  note?: string;
}

/** A row from repeated runs: median and p25–p75 (n ≥ 5) or min–max (fewer runs). */
export function fromRuns(base: Omit<Row, 'value' | 'spread'>, runs: number[]): Row {
  const s = summarize(runs);
  const spread = s.n >= 5 ? { kind: 'p25–p75' as const, lo: s.p25, hi: s.p75, n: s.n } : { kind: 'min–max' as const, lo: s.min, hi: s.max, n: s.n };
  return { ...base, value: s.median, spread };
}

export function fmt(v: number | undefined, unit = ''): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  const a = Math.abs(v);
  const n = a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
  return unit ? `${n} ${unit}` : n;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Wall-clock milliseconds with sub-ms precision, comparable across processes on this machine. */
export const epochMs = () => performance.timeOrigin + performance.now();
