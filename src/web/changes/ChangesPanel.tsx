// The changes panel of one instance: what its agent changed (files, +/- counts, commits ahead), each file's diff, the
// review being written, and the buttons that land or discard the work. Loaded on first use (it brings the diff
// renderer and the grammars), updated live from `instance.changes` events while it is open.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ViewType } from 'react-diff-view';
import type { ChangedFile, Changes, FileDiff } from '../../common/changes.js';
import type { Instance } from '../../common/schema.js';
import { errorText } from '../lib/actions.js';
import { changesApi } from './api.js';
import { DiffView } from './DiffView.js';
import { FileList } from './FileList.js';
import { LandDialog, type LandAction } from './LandDialogs.js';
import { onChangesEvent, takePrefetched } from './live.js';
import { addComment, useReview } from './review.js';
import { ReviewBar } from './ReviewBar.js';
import './changes.css';

const LEASE_RENEW_MS = 30_000; // the server watches for a minute per request
const VIEW_KEY = 'areyouj.diffView';

export default function ChangesPanel({ instance, active }: { instance: Instance; active: boolean }) {
  const id = instance.id;
  const [changes, setChanges] = useState<Changes | null>(null);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<ChangedFile | null>(null);
  const [diff, setDiff] = useState<FileDiff | null>(null);
  const [diffError, setDiffError] = useState('');
  const [view, setView] = useState<ViewType>(() => (localStorage.getItem(VIEW_KEY) === 'split' ? 'split' : 'unified'));
  const [dialog, setDialog] = useState<LandAction | null>(null);
  const review = useReview(id);
  const selectedRef = useRef<ChangedFile | null>(null);
  selectedRef.current = selected;
  const seq = useRef(0);

  const loadDiff = useCallback(async (f: ChangedFile | null) => {
    if (!f) { setDiff(null); return; }
    const n = ++seq.current;
    try {
      const d = await changesApi.diff(id, f.path, f.oldPath);
      if (n === seq.current) { setDiff(d); setDiffError(''); }
    } catch (e) { if (n === seq.current) { setDiff(null); setDiffError(errorText(e)); } }
  }, [id]);

  const load = useCallback(async () => {
    try {
      const c = await (takePrefetched(id) ?? changesApi.get(id, true));
      setChanges(c);
      setError('');
      const cur = selectedRef.current;
      const still = cur && c.files.find((f) => f.path === cur.path);
      const next = still ?? c.files[0] ?? null;
      setSelected(next);
      void loadDiff(next);
    } catch (e) { setError(errorText(e)); }
  }, [id, loadDiff]);

  // Load when shown, and keep the server's watch alive while the panel is visible.
  useEffect(() => {
    if (!active) return;
    void load();
    const t = setInterval(() => void load(), LEASE_RENEW_MS);
    return () => clearInterval(t);
  }, [active, load]);

  // Live updates: the server says something changed; fetch the list and the open file again (coalesced).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = onChangesEvent((e) => {
      if (e.instanceId !== id || !active) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => { timer = null; void load(); }, 120);
    });
    return () => { off(); if (timer) clearTimeout(timer); };
  }, [id, active, load]);

  const commentsByPath = useMemo(() => {
    const out: Record<string, number> = {};
    for (const c of review) out[c.path] = (out[c.path] ?? 0) + 1;
    return out;
  }, [review]);

  const pick = (f: ChangedFile) => { setSelected(f); void loadDiff(f); };
  const setViewType = (v: ViewType) => { setView(v); try { localStorage.setItem(VIEW_KEY, v); } catch { /* */ } };

  if (error && !changes) return <div className="changes-panel"><div className="diff-note" role="alert">{error}</div></div>;
  if (!changes) return <div className="changes-panel"><div className="splash"><span className="spinner" aria-hidden="true" /> Reading the changes…</div></div>;

  const c = changes;
  const wt = c.mode === 'worktree';
  const canLand = wt && c.state !== 'removed';
  return (
    <div className="changes-panel" data-testid="changes-panel" data-mode={c.mode}>
      <div className="changes-bar">
        <div className="changes-where">
          {wt ? <><code data-testid="changes-branch">{c.branch}</code> <span className="muted">→</span> <code>{c.base}</code></>
            : c.mode === 'in_place' ? <span className="muted">In the project's own working tree{c.branch ? <> on <code>{c.branch}</code></> : null}</span> : null}
          <span className="changes-totals" data-testid="changes-totals">
            {c.totals.files} file{c.totals.files === 1 ? '' : 's'} <span className="plus">+{c.totals.added}</span> <span className="minus">−{c.totals.deleted}</span>
          </span>
          {wt && <span className="muted small">{c.ahead} ahead{c.behind ? `, ${c.behind} behind` : ''}{c.state === 'merged' ? ' · merged' : ''}</span>}
        </div>
        {c.mode !== 'none' && (
          <div className="changes-actions">
            <button className="btn small" onClick={() => setDialog('commit')} disabled={!c.totals.uncommitted || c.state === 'removed'} data-testid="action-commit">Commit</button>
            {wt && <>
              <button className="btn small primary" onClick={() => setDialog('merge')} disabled={!canLand || (c.ahead === 0 && !c.totals.uncommitted)} data-testid="action-merge">Merge</button>
              <button className="btn small" onClick={() => setDialog('rebase')} disabled={!canLand || !c.behind || !c.ahead} data-testid="action-rebase" title={c.behind ? `${c.base} has ${c.behind} new commits` : `up to date with ${c.base}`}>Rebase</button>
              <button className="btn small" onClick={() => setDialog('pr')} disabled={!canLand || c.state === 'merged'} data-testid="action-pr">Open PR</button>
              <button className="btn small ghost danger" onClick={() => setDialog('discard')} disabled={c.state === 'removed'} data-testid="action-discard">Discard</button>
            </>}
          </div>
        )}
      </div>
      {c.note && <div className="changes-note" data-testid="changes-note">{c.note}</div>}
      <ReviewBar instance={instance} comments={review} onOpen={(p) => { const f = c.files.find((x) => x.path === p); if (f) pick(f); }} />
      {c.mode !== 'none' && (
        <div className="changes-body">
          <FileList changes={c} selected={selected?.path ?? null} onSelect={pick} commentsByPath={commentsByPath} />
          <div className="diff-col">
            {selected && (
              <div className="diff-head">
                <span className="diff-path" title={selected.path}>{selected.oldPath ? <>{selected.oldPath} → </> : null}{selected.path}</span>
                <div className="seg" role="group" aria-label="Diff layout">
                  <button className={view === 'unified' ? 'on' : ''} onClick={() => setViewType('unified')} aria-pressed={view === 'unified'} data-testid="view-unified">Unified</button>
                  <button className={view === 'split' ? 'on' : ''} onClick={() => setViewType('split')} aria-pressed={view === 'split'} data-testid="view-split">Side by side</button>
                </div>
              </div>
            )}
            {diffError && <div className="diff-note" role="alert">{diffError}</div>}
            {diff && selected && diff.path === selected.path && (
              <DiffView key={diff.path} file={diff} viewType={view} comments={review.filter((r) => r.path === diff.path)} onComment={(r) => addComment(id, r)} />
            )}
            {!selected && <div className="diff-note muted">Nothing to show.</div>}
          </div>
        </div>
      )}
      {dialog && <LandDialog action={dialog} instance={instance} changes={c} onDone={() => void load()} onClose={() => setDialog(null)} />}
    </div>
  );
}
