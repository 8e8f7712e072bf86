// When an instance or an agent goes away (deleted here, or elsewhere: the event stream says so), the store forgets it
// and, if it was on screen, the view moves to the nearest sensible place with a toast, never to a dead end:
// another open tab of the same agent, else that agent's instances on the overview; for an agent, the overview.
import { navigate, parseRoute } from './router.js';
import { getState, removeAgent, removeInstance, toast } from './store.js';

const shown = () => parseRoute(location.hash);

// Deleted from this page: the server's event may come before the answer to the DELETE, and must say "Deleted" too.
const ours = new Set<string>();
export function deleting(id: string) { ours.add(id); setTimeout(() => ours.delete(id), 60_000); }
const wording = (id: string, how: 'deleted' | 'elsewhere') => (ours.has(id) ? 'deleted' : how);

/** `how`: 'deleted' when this page deleted it, 'elsewhere' when the server said so. */
export function instanceGone(id: string, how: 'deleted' | 'elsewhere') {
  const s = getState();
  const inst = s.instances[id];
  const r = shown();
  const onScreen = r.page === 'instance' && r.id === id;
  how = wording(id, how);
  removeInstance(id);
  if (!onScreen) return;
  const label = inst ? `${inst.agentName} · ${inst.name}` : 'This instance';
  const sameAgent = getState().openTabs.filter((t) => getState().instances[t]?.agentId === inst?.agentId);
  const idx = s.openTabs.indexOf(id);
  const next = sameAgent.find((t) => s.openTabs.indexOf(t) > idx) ?? sameAgent[sameAgent.length - 1];
  navigate(next ? { page: 'instance', id: next } : { page: 'overview', agent: inst?.agentId }, true);
  toast(how === 'deleted' ? `Deleted ${label}` : `${label} was deleted`, 'info');
}

export function agentGone(id: string, how: 'deleted' | 'elsewhere') {
  const s = getState();
  const agent = s.agents[id];
  const r = shown();
  how = wording(id, how);
  const onScreen = (r.page === 'instance' && s.instances[r.id]?.agentId === id) || (r.page === 'overview' && r.agent === id);
  removeAgent(id);
  if (!onScreen) return;
  navigate({ page: 'overview' }, true);
  const name = agent ? `agent "${agent.name}"` : 'the agent';
  toast(how === 'deleted' ? `Deleted ${name} and its instances` : `${name.charAt(0).toUpperCase()}${name.slice(1)} was deleted`, 'info');
}

/** A link to an instance that is not there (an old bookmark, a reload after it was deleted): the overview, and why. */
export function unknownInstance() {
  navigate({ page: 'overview' }, true);
  toast('That instance no longer exists', 'info');
}
