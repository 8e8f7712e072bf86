// One file's diff, unified or side by side (react-diff-view over git's own patch), syntax highlighted, with line
// selection (click a line number, Shift+click to extend) and review comments shown under the lines they are about.
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  Diff, Hunk, getChangeKey, isDelete, isInsert, markEdits, parseDiff, tokenize,
  type ChangeData, type ChangeEventArgs, type HunkData, type HunkTokens, type ViewType,
} from 'react-diff-view';
import 'react-diff-view/style/index.css';
import type { FileDiff, ReviewComment } from '../../common/changes.js';
import { languageOf } from './language.js';
import type { DraftComment } from './review.js';

type Side = 'old' | 'new';
interface Selection { side: Side; from: number; to: number }

const HIGHLIGHT_MAX_LINES = 5000; // beyond this, plain text: tokenizing would hold up the page

// The grammars load on their own, beside the first diff: it shows plain at once, highlighted a moment later.
type Highlight = typeof import('./highlight.js');
let grammars: Highlight | null = null;
const loadGrammars = () => import('./highlight.js').then((m) => (grammars = m));

function lineOf(c: ChangeData, side: Side): number | null {
  if (c.type === 'normal') return side === 'new' ? c.newLineNumber : c.oldLineNumber;
  if (isInsert(c)) return side === 'new' ? c.lineNumber : null;
  return side === 'old' ? c.lineNumber : null;
}

function findChange(hunks: HunkData[], side: Side, line: number): ChangeData | undefined {
  for (const h of hunks) for (const c of h.changes) if (lineOf(c, side) === line) return c;
  return undefined;
}

export function DiffView({ file, viewType, comments, onComment }: {
  file: FileDiff; viewType: ViewType; comments: DraftComment[]; onComment: (c: ReviewComment) => void;
}) {
  const parsed = useMemo(() => {
    if (!file.patch) return null;
    try { return parseDiff(file.patch, { nearbySequences: 'zip' })[0] ?? null; } catch { return null; }
  }, [file.patch]);
  const hunks = useMemo(() => parsed?.hunks ?? [], [parsed]);
  const flat = useMemo(() => hunks.flatMap((h) => h.changes), [hunks]);
  const language = languageOf(file.path);
  const [hl, setHl] = useState<Highlight | null>(grammars);
  useEffect(() => { if (!hl && language) void loadGrammars().then(setHl, () => undefined); }, [hl, language]);
  const tokens = useMemo<HunkTokens | null>(() => {
    if (!hunks.length || flat.length > HIGHLIGHT_MAX_LINES) return null;
    try {
      return tokenize(hunks, language && hl
        ? { highlight: true, refractor: hl.highlighter, language, enhancers: [markEdits(hunks, { type: 'block' })] }
        : { highlight: false, enhancers: [markEdits(hunks, { type: 'block' })] });
    } catch { return null; }
  }, [hunks, flat.length, language, hl]);

  const [sel, setSel] = useState<Selection | null>(null);
  const [draft, setDraft] = useState('');

  const sideOf = (c: ChangeData, side?: Side): Side => side ?? (isDelete(c) ? 'old' : 'new');
  const select = ({ change, side }: ChangeEventArgs, e: React.MouseEvent<HTMLElement>) => {
    if (!change) return;
    const s = sideOf(change, side);
    const idx = flat.indexOf(change);
    if (e.shiftKey && sel && sel.side === s) setSel({ ...sel, to: idx });
    else if (sel && sel.from === idx && sel.to === idx) setSel(null);
    else setSel({ side: s, from: idx, to: idx });
  };

  const chosen = useMemo(() => {
    if (!sel) return [];
    const [a, b] = sel.from <= sel.to ? [sel.from, sel.to] : [sel.to, sel.from];
    return flat.slice(a, b + 1).filter((c) => viewType === 'unified' || lineOf(c, sel.side) !== null);
  }, [sel, flat, viewType]);

  const commentRange = (): ReviewComment | null => {
    if (!chosen.length || !sel) return null;
    // Lines on one side: the new file's, unless only deleted lines were picked.
    const side: Side = chosen.some((c) => lineOf(c, 'new') !== null) ? 'new' : 'old';
    const nums = chosen.map((c) => lineOf(c, side)).filter((n): n is number => n !== null);
    const mixed = new Set(chosen.map((c) => c.type)).size > 1;
    const code = chosen.map((c) => (mixed ? `${c.type === 'insert' ? '+' : c.type === 'delete' ? '-' : ' '}${c.content}` : c.content)).join('\n');
    return { path: file.path, side, startLine: Math.min(...nums), endLine: Math.max(...nums), code, comment: draft.trim() };
  };

  const widgets = useMemo(() => {
    const out: Record<string, ReactNode[]> = {};
    const put = (c: ChangeData | undefined, node: ReactNode) => {
      if (!c) return;
      const k = getChangeKey(c);
      (out[k] ??= []).push(node);
    };
    for (const c of comments) {
      put(findChange(hunks, c.side, c.endLine) ?? (c.side === 'new' ? undefined : findChange(hunks, 'new', c.endLine)), (
        <div className="review-comment" key={c.id} data-testid="inline-comment">
          <div className="review-comment-head">
            <strong>You</strong> <span className="muted">{c.startLine === c.endLine ? `line ${c.startLine}` : `lines ${c.startLine}–${c.endLine}`}</span>
            <span className="muted">(not sent yet)</span>
          </div>
          <div className="review-comment-text">{c.comment}</div>
        </div>
      ));
    }
    if (chosen.length) {
      put(chosen[chosen.length - 1], (
        <form className="comment-form" key="form" data-testid="comment-form"
          onSubmit={(e) => { e.preventDefault(); const r = commentRange(); if (r && r.comment) { onComment(r); setDraft(''); setSel(null); } }}>
          <div className="muted small">
            Comment on {(() => { const r = commentRange(); return r ? (r.startLine === r.endLine ? `line ${r.startLine}` : `lines ${r.startLine}–${r.endLine}`) : ''; })()}
            {' '}— it is sent with the review
          </div>
          <textarea autoFocus rows={3} value={draft} onChange={(e) => setDraft(e.target.value)} data-testid="comment-input"
            placeholder="What should the agent change here?" aria-label="Review comment"
            onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); setSel(null); } if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit(); }} />
          <div className="comment-form-bar">
            <button type="button" className="btn small ghost" onClick={() => { setSel(null); setDraft(''); }}>Cancel</button>
            <button type="submit" className="btn small primary" disabled={!draft.trim()} data-testid="comment-add">Add comment</button>
          </div>
        </form>
      ));
    }
    return Object.fromEntries(Object.entries(out).map(([k, nodes]) => [k, <div className="diff-widget-box">{nodes}</div>]));
  // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [comments, hunks, chosen, draft]);

  if (file.binary) return <div className="diff-note" data-testid="diff-binary">Binary file: no text diff to show.</div>;
  if (file.tooLarge) {
    return <div className="diff-note" data-testid="diff-too-large">This diff is too large to show here (+{file.added ?? '?'} −{file.deleted ?? '?'} lines). Open the file in an editor.</div>;
  }
  if (!parsed || !hunks.length) return <div className="diff-note" data-testid="diff-empty">{file.status === 'renamed' ? 'Renamed without changes.' : 'No line changes (mode or empty file).'}</div>;

  const selectedKeys = chosen.map(getChangeKey);
  return (
    <div className="diff-scroll" data-testid="diff-view" data-view={viewType}>
      <Diff viewType={viewType} diffType={parsed.type} hunks={hunks} tokens={tokens} selectedChanges={selectedKeys} widgets={widgets}
        optimizeSelection={viewType === 'split'} gutterEvents={{ onClick: select }}
        renderGutter={({ change, side, renderDefault }) => {
          const n = lineOf(change, side);
          return <span data-testid="line-number" data-side={side} data-line={n ?? ''} title="Click to comment, Shift+click to extend">{renderDefault()}</span>;
        }}>
        {(hs) => hs.map((h) => <Hunk key={h.content} hunk={h} />)}
      </Diff>
    </div>
  );
}
