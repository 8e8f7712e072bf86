// Why an instance is where it is, in words a person reads. The server's codes (statusReason, the exit code) are for
// programs; the UI shows these words and keeps the code in a tooltip. The one place that maps them.
import type { Instance } from '../../common/schema.js';

const ENDED: Record<string, string> = {
  terminated_by_user: 'Stopped by you',
  restarted: 'Stopped to restart',
  deleted: 'Stopped to be deleted',
  agent_deleted: 'Stopped: its agent was deleted',
  server_stopped: 'Stopped when the server shut down',
  server_restarted: 'Cut off: the server stopped while it ran',
  host_lost: 'Cut off: its pty host was lost', // a reboot, or the host was killed: Resume continues a Claude Code conversation
  stopped_all: 'Stopped by Stop all',
  host_shutdown: 'Stopped with the pty host',
  orphaned: 'Stopped: no instance owned it any more',
  start_failed: 'Failed to start',
  exited: 'Finished',
};

/** The end of an ended instance as words, and the codes behind them (for the tooltip); null while it runs. */
export function endReason(i: Pick<Instance, 'status' | 'statusReason' | 'exitCode'>): { text: string; code: string } | null {
  if (i.status !== 'completed' && i.status !== 'error' && i.status !== 'terminated') return null;
  const r = i.statusReason ?? '';
  const code = [r, i.exitCode !== null && i.exitCode !== undefined ? `exit code ${i.exitCode}` : ''].filter(Boolean).join(' · ');
  let text: string;
  if (ENDED[r]) text = ENDED[r];
  else if (/^exit code (-?\d+)$/.test(r)) text = `Exited with code ${r.slice(10)}`;
  else if (/^killed by signal (\w+)$/.test(r)) text = `Killed by ${r.slice(17)}`;
  else if (r) text = r.charAt(0).toUpperCase() + r.slice(1); // already a sentence (why it could not start)
  else text = i.status === 'completed' ? 'Finished' : i.status === 'terminated' ? 'Stopped' : 'Failed';
  if (i.status === 'completed' && text === 'Finished' && i.exitCode === 0) text = 'Finished normally';
  return { text, code: code || i.status };
}
