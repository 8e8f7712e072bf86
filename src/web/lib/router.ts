// Hash routes: #/ (overview; #/?agent=<id> shows one agent's instances), #/tasks?project=…&task=…, #/i/<instanceId>. Hash routing keeps the server's job to one file.
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'overview'; agent?: string }
  | { page: 'tasks'; project?: string; task?: string }
  | { page: 'instance'; id: string };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '') || '/';
  const [path, query = ''] = h.split('?');
  const params = new URLSearchParams(query);
  const inst = /^\/i\/([^/]+)$/.exec(path);
  if (inst) return { page: 'instance', id: decodeURIComponent(inst[1]) };
  if (path === '/tasks') return { page: 'tasks', project: params.get('project') ?? undefined, task: params.get('task') ?? undefined };
  return { page: 'overview', agent: params.get('agent') ?? undefined };
}

export function routeHash(r: Route): string {
  if (r.page === 'instance') return `#/i/${encodeURIComponent(r.id)}`;
  if (r.page === 'tasks') {
    const p = new URLSearchParams();
    if (r.project) p.set('project', r.project);
    if (r.task) p.set('task', r.task);
    const qs = p.toString();
    return `#/tasks${qs ? `?${qs}` : ''}`;
  }
  return r.agent ? `#/?agent=${encodeURIComponent(r.agent)}` : '#/';
}

export function navigate(r: Route, replace = false) {
  const h = routeHash(r);
  if (location.hash === h) return;
  if (replace) history.replaceState(null, '', h);
  else location.hash = h;
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}

let cached = { hash: '', route: parseRoute('') };
function current(): Route {
  if (cached.hash !== location.hash) cached = { hash: location.hash, route: parseRoute(location.hash) };
  return cached.route;
}
function subscribe(l: () => void) {
  window.addEventListener('hashchange', l);
  return () => window.removeEventListener('hashchange', l);
}
export function useRoute(): Route { return useSyncExternalStore(subscribe, current); }
