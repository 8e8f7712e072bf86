// Small formatting helpers and a ticking clock for relative times.
import { useEffect, useState } from 'react';

export function parseTime(t: string | null | undefined): number | null {
  if (!t) return null;
  // SQLite's CURRENT_TIMESTAMP is "YYYY-MM-DD HH:MM:SS" in UTC without a zone.
  const iso = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(t) ? `${t.replace(' ', 'T')}Z` : t;
  const n = Date.parse(iso);
  return Number.isNaN(n) ? null : n;
}

export function ago(t: string | null | undefined, now = Date.now()): string {
  const n = parseTime(t);
  if (n === null) return '—';
  const s = Math.max(0, Math.round((now - n) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.round(h / 24)}d ago`;
}

export function clock(t: string | null | undefined): string {
  const n = parseTime(t);
  if (n === null) return '';
  const d = new Date(n);
  const today = new Date();
  const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === today.toDateString() ? hm : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${hm}`;
}

export function fullTime(t: string | null | undefined): string {
  const n = parseTime(t);
  return n === null ? '' : new Date(n).toLocaleString();
}

/** Re-render every `ms` so relative times stay true. */
export function useNow(ms = 15_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function shortPath(p: string, home?: string | null): string {
  if (home && (p === home || p.startsWith(`${home}/`))) return `~${p.slice(home.length)}` || '~';
  return p;
}

export function baseName(p: string): string {
  const parts = p.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? p;
}

export function truncate(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}
