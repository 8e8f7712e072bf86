// User actions that touch the server and the UI together (open a tab, start/stop an instance, …).
import { DEFAULT_TERMINAL_SIZE } from '../../common/limits.js';
import { isLive } from '../../common/constants.js';
import type { Agent, Instance } from '../../common/schema.js';
import { api, ApiError } from './api.js';
import { navigate, parseRoute, type Route } from './router.js';
import { agentGone, deleting, instanceGone } from './gone.js';
import { getState, openDialog, setState, toast, upsertInstance } from './store.js';
import { loadHistory } from './sync.js';

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** Run an action; on failure, say so in a toast. */
export async function attempt<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try { return await fn(); } catch (e) { toast(errorText(e)); return undefined; }
}

export function openTab(id: string) {
  setState((s) => ({ openTabs: s.openTabs.includes(id) ? s.openTabs : [...s.openTabs, id], drawerOpen: false }));
  if (!getState().historyLoaded[id]) void loadHistory(id).catch(() => undefined);
  navigate({ page: 'instance', id });
}

export function closeTab(id: string) {
  const s = getState();
  const idx = s.openTabs.indexOf(id);
  const tabs = s.openTabs.filter((t) => t !== id);
  setState({ openTabs: tabs });
  if (location.hash === `#/i/${encodeURIComponent(id)}`) {
    const next = tabs[Math.min(idx, tabs.length - 1)];
    navigate(next ? { page: 'instance', id: next } : { page: 'overview' });
  }
}

let lastBoard: string | undefined;
/** The task board shown last (its project), for "Tasks" from a page that has no project of its own. */
export function rememberBoard(project: string | undefined) { lastBoard = project; }

/** Where "Tasks" goes: the project of the instance you are in (its task's, else its folder), else the board seen last. */
export function tasksRoute(): Route {
  const s = getState();
  const r = parseRoute(location.hash);
  let project = lastBoard;
  if (r.page === 'instance') {
    const i = s.instances[r.id];
    if (i) project = i.taskProject ?? i.projectPath;
  } else if (r.page === 'tasks') project = r.project;
  else if (r.page === 'overview' && r.agent) project = s.agents[r.agent]?.projectPath ?? project;
  return { page: 'tasks', project: project === s.info?.home ? undefined : project };
}

/** Last terminal size seen, so a new instance starts at the size it will be shown at. */
// (a copy: TerminalView updates it)
export const termSize: { cols: number; rows: number } = { ...DEFAULT_TERMINAL_SIZE };

export async function startInstance(agentId: string, extra: { prompt?: string; taskId?: string; taskProject?: string; base?: string; name?: string } = {}) {
  const inst = await attempt(() => api.startInstance(agentId, { cols: termSize.cols, rows: termSize.rows, ...extra }));
  if (inst) { upsertInstance(inst); openTab(inst.id); }
  return inst;
}

export async function terminate(i: Instance) {
  const r = await attempt(() => api.terminate(i.id));
  if (r && typeof r === 'object' && 'id' in r) upsertInstance(r);
}

export async function restart(i: Instance) {
  const r = await attempt(() => api.restart(i.id));
  if (r && typeof r === 'object' && 'id' in r) {
    upsertInstance(r);
    // The new instance takes the old one's tab, where it was.
    setState((s) => ({ openTabs: s.openTabs.map((t) => (t === i.id ? r.id : t)) }));
    openTab(r.id);
    toast(`Restarted ${i.agentName} · ${i.name} as ${r.name}`, 'info');
  }
}

/** Whether Resume can continue this ended instance's conversation (a Claude Code instance whose session id is known). */
export function canResume(i: Instance, agent: Agent | undefined): boolean {
  // The kinds with a resume command of their own: claude --resume, codex resume, gemini --resume.
  return !isLive(i.status) && !!i.agentSessionId && (agent?.kind === 'claude' || agent?.kind === 'codex' || agent?.kind === 'gemini');
}

export async function resume(i: Instance) {
  const r = await attempt(() => api.resume(i.id));
  if (r) upsertInstance(r);
}

/** Resume every instance its pty host lost (a reboot, a killed host) that can be resumed. */
export async function resumeAll() {
  const s = getState();
  const lost = Object.values(s.instances).filter((i) => i.statusReason === 'host_lost' && canResume(i, s.agents[i.agentId]));
  for (const i of lost) await resume(i);
}

/** Stop all: every running instance ends (after a confirmation). */
export function confirmStopAll() {
  const n = Object.values(getState().instances).filter((i) => isLive(i.status)).length;
  openDialog({
    type: 'confirm',
    title: `Stop all ${n} running instance${n === 1 ? '' : 's'}?`,
    body: 'Every running agent gets SIGTERM (SIGKILL after a grace period). Their messages and logs stay. '
      + '(Stopping the server with Ctrl-C does not stop them: they go on in the pty host.)',
    confirmLabel: 'Stop all',
    danger: true,
    onConfirm: async () => { await api.stopAll(); },
  });
}

/** Close the tabs of instances that have ended (the instances stay, in the sidebar and the overview). */
export function closeEndedTabs() {
  const s = getState();
  for (const id of s.openTabs) if (!s.instances[id] || !isLive(s.instances[id].status)) closeTab(id);
}

export function closeAllTabs() {
  for (const id of getState().openTabs) closeTab(id);
}

export function confirmDeleteInstance(i: Instance) {
  // An instance with a worktree: the dialog asks what becomes of it.
  if (i.worktree && i.worktree.state !== 'removed') { openDialog({ type: 'delete-instance', instanceId: i.id }); return; }
  openDialog({
    type: 'confirm',
    title: `Delete ${i.agentName} · ${i.name}?`,
    body: 'The instance is stopped if it is running, and its messages and its output log are deleted. To keep them, stop it instead.',
    confirmLabel: 'Delete instance',
    danger: true,
    onConfirm: async () => { deleting(i.id); await api.deleteInstance(i.id); instanceGone(i.id, 'deleted'); },
  });
}

export function confirmDeleteAgent(agentId: string) {
  const a = getState().agents[agentId];
  if (!a) return;
  const n = Object.values(getState().instances).filter((i) => i.agentId === agentId).length;
  openDialog({
    type: 'confirm',
    title: `Delete agent "${a.name}"?`,
    body: n ? `Its ${n} instance${n === 1 ? '' : 's'}, with their messages and output logs, are deleted too. Running ones are stopped.`
      : 'The agent definition is deleted.',
    confirmLabel: 'Delete agent',
    danger: true,
    onConfirm: async () => { deleting(agentId); await api.deleteAgent(agentId); agentGone(agentId, 'deleted'); },
  });
}
