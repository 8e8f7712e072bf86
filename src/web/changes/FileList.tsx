// The changed files, with a status letter and +/- counts, and the branch's commits ahead of its base.
import { useEffect, useRef, useState } from 'react';
import type { Changes, ChangedFile, FileStatus } from '../../common/changes.js';

const PAGE = 150; // rows rendered at first, and added each time the end of the list scrolls into view

const LETTER: Record<FileStatus, [string, string]> = {
  added: ['A', 'added'], modified: ['M', 'modified'], deleted: ['D', 'deleted'], renamed: ['R', 'renamed'],
  typechange: ['T', 'type changed'], untracked: ['U', 'untracked (new, not committed)'], unmerged: ['!', 'in conflict'],
};

export function FileList({ changes, selected, onSelect, commentsByPath }: {
  changes: Changes; selected: string | null; onSelect: (f: ChangedFile) => void; commentsByPath: Record<string, number>;
}) {
  const [shown, setShown] = useState(PAGE);
  const more = useRef<HTMLLIElement>(null);
  useEffect(() => {
    const el = more.current;
    if (!el) return;
    const io = new IntersectionObserver((es) => { if (es.some((e) => e.isIntersecting)) setShown((n) => n + PAGE); });
    io.observe(el);
    return () => io.disconnect();
  }, [shown, changes.files.length]);
  // The selected file is always rendered, even far down the list.
  const rows = changes.files.slice(0, shown);
  const sel = selected && !rows.some((f) => f.path === selected) ? changes.files.find((f) => f.path === selected) : undefined;
  if (sel) rows.push(sel);
  return (
    <div className="file-list" data-testid="file-list">
      {changes.files.length === 0 && <div className="muted file-list-empty">No changes yet.</div>}
      <ul role="listbox" aria-label="Changed files">
        {rows.map((f) => {
          const [letter, label] = LETTER[f.status];
          const name = f.path.split('/').pop()!;
          const dir = f.path.slice(0, f.path.length - name.length);
          return (
            <li key={f.path} role="option" aria-selected={selected === f.path} className={`file-row${selected === f.path ? ' selected' : ''}`}
              data-testid="file-row" data-path={f.path} data-status={f.status} onClick={() => onSelect(f)} tabIndex={0}
              onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(f); } }}
              title={`${f.oldPath ? `${f.oldPath} → ` : ''}${f.path} (${label}${f.uncommitted ? ', not committed' : ''})`}>
              <span className={`file-status fs-${f.status}`} aria-label={label}>{letter}</span>
              <span className="file-name"><span className="file-dir">{dir}</span>{name}</span>
              {commentsByPath[f.path] ? <span className="count" title="review comments">{commentsByPath[f.path]}</span> : null}
              <span className="file-counts">
                {f.binary ? <span className="muted">bin</span> : <>
                  {f.added !== null && <span className="plus" data-testid="file-added">+{f.added}</span>}
                  {f.deleted !== null && <span className="minus" data-testid="file-deleted">−{f.deleted}</span>}
                </>}
              </span>
            </li>
          );
        })}
        {shown < changes.files.length && <li ref={more} className="muted small file-list-more">{changes.files.length - shown} more…</li>}
      </ul>
      {changes.truncated && <div className="muted small file-list-more">…and {changes.totals.files - changes.files.length} more files</div>}
      {changes.commits.length > 0 && (
        <div className="commit-list" data-testid="commit-list">
          <h3>Commits on {changes.branch ?? 'the branch'} ({changes.ahead})</h3>
          <ol>
            {changes.commits.map((c) => (
              <li key={c.oid} title={`${c.oid}\n${c.author}, ${c.date}`}><code>{c.short}</code> {c.subject}</li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}
