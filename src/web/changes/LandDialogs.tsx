// Confirmations for landing work: commit, merge (strategy, and whether the task is done), rebase, discard, pull request.
// Each says what will happen before it happens; a refusal from the server is shown in the dialog, nothing is lost.
import { useEffect, useState } from 'react';
import type { Changes, MergeStrategy } from '../../common/changes.js';
import type { Instance } from '../../common/schema.js';
import { Dialog } from '../ui/Dialog.js';
import { errorText } from '../lib/actions.js';
import { ApiError } from '../lib/api.js';
import { toast } from '../lib/store.js';
import { changesApi, type PrStatus } from './api.js';

export type LandAction = 'commit' | 'merge' | 'rebase' | 'discard' | 'pr';

interface Props { action: LandAction; instance: Instance; changes: Changes; onDone: () => void; onClose: () => void }

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

function Footer({ busy, label, danger, onGo, onClose, disabled }: { busy: boolean; label: string; danger?: boolean; onGo: () => void; onClose: () => void; disabled?: boolean }) {
  return <>
    <button className="btn" onClick={onClose}>Cancel</button>
    <button className={`btn ${danger ? 'danger' : 'primary'}`} onClick={onGo} disabled={busy || disabled} data-testid="land-confirm">{busy ? 'Working…' : label}</button>
  </>;
}

export function LandDialog(p: Props) {
  switch (p.action) {
    case 'commit': return <CommitDialog {...p} />;
    case 'merge': return <MergeDialog {...p} />;
    case 'rebase': return <RebaseDialog {...p} />;
    case 'discard': return <DiscardDialog {...p} />;
    case 'pr': return <PrDialog {...p} />;
  }
}

function useRun(p: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; files?: string[] } | null>(null);
  const run = async (fn: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    try {
      const done = await fn();
      if (done) toast(done, 'info');
      p.onDone();
      p.onClose();
    } catch (e) {
      const files = e instanceof ApiError && e.details && typeof e.details === 'object' ? (e.details as { files?: string[] }).files : undefined;
      setError({ text: errorText(e), files });
      setBusy(false);
    }
  };
  const errorBox = error && (
    <div className="field-error land-error" role="alert" data-testid="land-error">
      {error.text}
      {error.files?.length ? <ul>{error.files.slice(0, 20).map((f) => <li key={f}><code>{f}</code></li>)}</ul> : null}
    </div>
  );
  return { busy, run, errorBox, error };
}

function CommitDialog(p: Props) {
  const [message, setMessage] = useState(p.changes.suggestedMessage ?? '');
  const { busy, run, errorBox } = useRun(p);
  return (
    <Dialog title="Commit the changes" onClose={p.onClose} testId="land-dialog" footer={
      <Footer busy={busy} label={`Commit ${plural(p.changes.totals.uncommitted, 'file')}`} onClose={p.onClose} disabled={!message.trim()}
        onGo={() => run(async () => { const r = await changesApi.commit(p.instance.id, message.trim()); return `Committed ${plural(r.files, 'file')} (${r.oid.slice(0, 7)})`; })} />}>
      <p className="muted">Every changed and new file in {p.changes.mode === 'worktree' ? `the worktree of ${p.changes.branch}` : p.changes.dir} is committed (its .gitignore applies).</p>
      <label className="field"><span>Message</span>
        <textarea rows={4} value={message} onChange={(e) => setMessage(e.target.value)} data-testid="commit-message" autoFocus /></label>
      {errorBox}
    </Dialog>
  );
}

function MergeDialog(p: Props) {
  const c = p.changes;
  const [commitFirst] = useState(c.totals.uncommitted > 0);
  // After committing, a branch its base has not moved past can be fast-forwarded.
  const ffOk = c.behind === 0 && (c.ahead > 0 || commitFirst);
  const [strategy, setStrategy] = useState<MergeStrategy>('merge');
  const [message, setMessage] = useState(c.suggestedMessage ?? `Merge ${c.branch}`);
  const [taskDone, setTaskDone] = useState(false);
  const { busy, run, errorBox } = useRun(p);
  const strategies: [MergeStrategy, string, string][] = [
    ['merge', 'Merge commit', 'keeps every commit of the branch, joined by a merge commit'],
    ['squash', 'Squash', 'one new commit on the base with all the changes'],
    ['fast-forward', 'Fast-forward', ffOk ? `moves ${c.base} to the branch: no merge commit` : `not possible: ${c.base} has ${plural(c.behind, 'commit')} the branch lacks (rebase first)`],
  ];
  return (
    <Dialog title={`Merge ${c.branch} into ${c.base}`} onClose={p.onClose} testId="land-dialog" wide footer={
      <Footer busy={busy} label="Merge" onClose={p.onClose} onGo={() => run(async () => {
        if (commitFirst) await changesApi.commit(p.instance.id, message.trim());
        const r = await changesApi.merge(p.instance.id, { strategy, message: strategy === 'fast-forward' ? undefined : message.trim(), completeTask: p.instance.taskId ? taskDone : undefined });
        return `Merged into ${r.base} (${r.oid.slice(0, 7)})${r.taskDone ? `; task #${p.instance.taskId} is done` : ''}`;
      })} />}>
      {commitFirst && <p className="land-warn" data-testid="merge-commit-first">{plural(c.totals.uncommitted, 'file')} not committed yet: they are committed first, with the message below.</p>}
      <fieldset className="strategy" data-testid="merge-strategy">
        {strategies.map(([v, label, help]) => (
          <label key={v} className={`radio${v === 'fast-forward' && !ffOk ? ' disabled' : ''}`}>
            <input type="radio" name="strategy" value={v} checked={strategy === v} onChange={() => setStrategy(v)}
              disabled={v === 'fast-forward' && !ffOk} data-testid={`strategy-${v}`} />
            <span><strong>{label}</strong> <span className="muted">— {help}</span></span>
          </label>
        ))}
      </fieldset>
      {(strategy !== 'fast-forward' || commitFirst) && (
        <label className="field"><span>{commitFirst && strategy === 'fast-forward' ? 'Commit message' : 'Message'}</span>
          <textarea rows={3} value={message} onChange={(e) => setMessage(e.target.value)} data-testid="merge-message" /></label>
      )}
      {p.instance.taskId && (
        <label className="check"><input type="checkbox" checked={taskDone} onChange={(e) => setTaskDone(e.target.checked)} data-testid="merge-task-done" />
          {' '}Also mark task #{p.instance.taskId} as done</label>
      )}
      <p className="muted small">Conflicts are checked before anything changes; if there are any, both branches stay as they are.</p>
      {errorBox}
    </Dialog>
  );
}

function RebaseDialog(p: Props) {
  const c = p.changes;
  const { busy, run, errorBox } = useRun(p);
  return (
    <Dialog title={`Rebase ${c.branch} onto ${c.base}`} onClose={p.onClose} testId="land-dialog" footer={
      <Footer busy={busy} label="Rebase" onClose={p.onClose}
        onGo={() => run(async () => { const r = await changesApi.rebase(p.instance.id); return r.rebased ? `Rebased onto ${c.base}` : `Already up to date with ${c.base}`; })} />}>
      <p>Replays the branch's {plural(c.ahead, 'commit')} on top of {c.base}, which has {plural(c.behind, 'commit')} the branch does not have.
        The agent's files change under it: best done while it is idle.</p>
      {c.totals.uncommitted > 0 && <p className="land-warn">Commit the {plural(c.totals.uncommitted, 'uncommitted file')} first.</p>}
      <p className="muted small">On a conflict the rebase is undone and the files are listed.</p>
      {errorBox}
    </Dialog>
  );
}

function DiscardDialog(p: Props) {
  const c = p.changes;
  const [force, setForce] = useState(false);
  const { busy, run, errorBox, error } = useRun(p);
  const needsForce = !!error && /unmerged|not merged|uncommitted/.test(error.text);
  return (
    <Dialog title={`Discard ${c.branch ?? 'the worktree'}?`} onClose={p.onClose} testId="land-dialog" footer={
      <Footer busy={busy} danger label={force ? 'Discard anyway' : 'Discard'} onClose={p.onClose} disabled={needsForce && !force}
        onGo={() => run(async () => { await changesApi.discard(p.instance.id, force); return `Removed the worktree and deleted ${c.branch}`; })} />}>
      <p>Removes the worktree folder and deletes the branch <code>{c.branch}</code>. The instance is stopped if it is running (it works in
        that folder); it stays in the list with its messages and output.</p>
      {(c.totals.uncommitted > 0 || c.ahead > 0) && (
        <p className="land-warn">It holds {[c.ahead ? plural(c.ahead, 'commit') : '', c.totals.uncommitted ? plural(c.totals.uncommitted, 'uncommitted file') : ''].filter(Boolean).join(' and ')}
          {c.state === 'merged' ? ' (already merged)' : ''}.</p>
      )}
      {errorBox}
      {needsForce && (
        <label className="check danger-check"><input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} data-testid="discard-force" />
          {' '}I understand: delete this work for good</label>
      )}
    </Dialog>
  );
}

function PrDialog(p: Props) {
  const c = p.changes;
  const [status, setStatus] = useState<PrStatus | null>(null);
  const [title, setTitle] = useState(c.suggestedMessage?.split('\n')[0] ?? c.branch ?? '');
  const [body, setBody] = useState(c.commits.map((x) => `- ${x.subject}`).join('\n'));
  const { busy, run, errorBox } = useRun(p);
  useEffect(() => { changesApi.prStatus(p.instance.id).then(setStatus, (e) => setStatus({ available: false, reason: errorText(e) })); }, [p.instance.id]);
  return (
    <Dialog title="Open a pull request" onClose={p.onClose} testId="land-dialog" wide footer={
      <Footer busy={busy} label="Push and open" onClose={p.onClose} disabled={!status?.available || !title.trim()}
        onGo={() => run(async () => { const r = await changesApi.openPr(p.instance.id, { title: title.trim(), body }); window.open(r.url, '_blank', 'noopener,noreferrer'); return `Opened ${r.url}`; })} />}>
      {!status && <p className="muted">Checking the GitHub CLI…</p>}
      {status && !status.available && <p className="land-warn" data-testid="pr-unavailable">{status.reason}</p>}
      {status?.available && <>
        <p className="muted">Pushes <code>{c.branch}</code> and opens a pull request into <code>{c.base}</code> with <code>gh</code>.</p>
        <label className="field"><span>Title</span><input value={title} onChange={(e) => setTitle(e.target.value)} /></label>
        <label className="field"><span>Description</span><textarea rows={6} value={body} onChange={(e) => setBody(e.target.value)} /></label>
      </>}
      {errorBox}
    </Dialog>
  );
}
