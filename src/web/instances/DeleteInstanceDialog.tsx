import { useState } from 'react';
import { api } from '../lib/api.js';
import { errorText } from '../lib/actions.js';
import { deleting, instanceGone } from '../lib/gone.js';
import { useStore } from '../lib/store.js';
import { Dialog } from '../ui/Dialog.js';

/** Deleting an instance that has its own worktree: keep the worktree and branch, or discard them (asked, never assumed). */
export function DeleteInstanceDialog({ instanceId, onClose }: { instanceId: string; onClose: () => void }) {
  const inst = useStore((s) => s.instances[instanceId]);
  const [choice, setChoice] = useState<'keep' | 'discard'>('keep');
  const [force, setForce] = useState(false);
  const [needsForce, setNeedsForce] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  if (!inst?.worktree) return null;
  const w = inst.worktree;
  const go = async () => {
    setBusy(true);
    setError('');
    try {
      deleting(instanceId);
      await api.deleteInstance(instanceId, choice === 'keep' ? 'keep' : force ? 'discard-force' : 'discard');
      onClose();
      instanceGone(instanceId, 'deleted');
    } catch (e) {
      setError(errorText(e));
      if (/unmerged|not merged|uncommitted/.test(errorText(e))) setNeedsForce(true);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Delete ${inst.agentName} · ${inst.name}?`} onClose={onClose} testId="delete-instance-dialog" footer={<>
      <button className="btn" onClick={onClose}>Cancel</button>
      <button className="btn danger" onClick={() => void go()} disabled={busy || (needsForce && choice === 'discard' && !force)} data-testid="delete-instance-ok">
        {busy ? 'Working…' : 'Delete instance'}</button>
    </>}>
      <p className="confirm-body">The instance is stopped if it is running, and its messages and its output log are deleted. It works in its own worktree on <code>{w.branch}</code>{w.state === 'merged' ? ' (merged)' : ''}:</p>
      <label className="check"><input type="radio" name="wt" checked={choice === 'keep'} onChange={() => setChoice('keep')} data-testid="delete-keep-worktree" />
        {' '}Keep the worktree and the branch</label>
      <p className="muted small wt-path" title={w.path}>{w.path}</p>
      <label className="check"><input type="radio" name="wt" checked={choice === 'discard'} onChange={() => setChoice('discard')} data-testid="delete-discard-worktree" />
        {' '}Remove the worktree and delete the branch</label>
      {error && <p className="field-error" role="alert">{error}</p>}
      {needsForce && choice === 'discard' && (
        <label className="check" style={{ color: 'var(--err)' }}><input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} data-testid="delete-force" />
          {' '}Delete the unmerged work for good</label>
      )}
    </Dialog>
  );
}
