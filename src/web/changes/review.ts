// The review being written for one instance: comments on line ranges, kept in localStorage until sent, so that a
// reload or a closed tab loses none of them.
import { useSyncExternalStore } from 'react';
import type { ReviewComment } from '../../common/changes.js';

export interface DraftComment extends ReviewComment { id: string; createdAt: string }

const KEY = (id: string) => `areyouj.review.${id}`;
const cache = new Map<string, DraftComment[]>();
const listeners = new Set<() => void>();
const EMPTY: DraftComment[] = [];

function load(id: string): DraftComment[] {
  let v = cache.get(id);
  if (!v) {
    try { v = JSON.parse(localStorage.getItem(KEY(id)) ?? '[]') as DraftComment[]; } catch { v = []; }
    if (!Array.isArray(v)) v = [];
    cache.set(id, v);
  }
  return v.length ? v : EMPTY;
}

function save(id: string, list: DraftComment[]) {
  cache.set(id, list);
  try {
    if (list.length) localStorage.setItem(KEY(id), JSON.stringify(list));
    else localStorage.removeItem(KEY(id));
  } catch { /* private mode: kept in memory */ }
  for (const l of listeners) l();
}

let seq = 0;
export function addComment(id: string, c: ReviewComment) {
  save(id, [...load(id), { ...c, id: `${Date.now()}-${++seq}`, createdAt: new Date().toISOString() }]);
}
export function removeComment(id: string, commentId: string) { save(id, load(id).filter((c) => c.id !== commentId)); }
export function clearReview(id: string) { save(id, []); }

export function useReview(id: string): DraftComment[] {
  return useSyncExternalStore((l) => { listeners.add(l); return () => { listeners.delete(l); }; }, () => load(id));
}
