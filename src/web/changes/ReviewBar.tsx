// The review in progress: its comments (file, lines, what was said) and "Send review", which delivers them all to the
// agent as one message, through the same queue as any message (sent now when it is idle, queued while it works).
import { useState } from 'react';
import { isLive } from '../../common/constants.js';
import type { Instance } from '../../common/schema.js';
import { errorText } from '../lib/actions.js';
import { mergeMessages, toast } from '../lib/store.js';
import { changesApi } from './api.js';
import { clearReview, removeComment, type DraftComment } from './review.js';

export function ReviewBar({ instance, comments, onOpen }: { instance: Instance; comments: DraftComment[]; onOpen: (path: string) => void }) {
  const [open, setOpen] = useState(false);
  const [summary, setSummary] = useState('');
  const [busy, setBusy] = useState(false);
  const live = isLive(instance.status);
  if (!comments.length) return null;
  const send = async () => {
    setBusy(true);
    try {
      const strip = comments.map(({ id: _i, createdAt: _c, ...c }) => c);
      const r = await changesApi.review(instance.id, strip, summary.trim() || undefined, 'auto');
      mergeMessages(instance.id, [r.message]);
      clearReview(instance.id);
      setSummary('');
      setOpen(false);
      toast(r.delivery === 'sent' ? 'Review sent to the agent' : 'Review queued: it is delivered when the agent is idle', 'info');
    } catch (e) { toast(errorText(e)); } finally { setBusy(false); }
  };
  return (
    <div className={`review-bar${open ? ' open' : ''}`} data-testid="review-bar">
      <div className="review-bar-head">
        <button className="link-btn" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="review-toggle">
          Review: {comments.length} comment{comments.length === 1 ? '' : 's'} {open ? '▾' : '▸'}
        </button>
        <span className="muted small">{live ? (instance.status === 'idle' ? 'sent now' : 'queued until the agent is idle') : 'the instance is not running'}</span>
        <button className="btn small primary" onClick={() => void send()} disabled={busy || !live} data-testid="review-send"
          title={live ? 'Send every comment to the agent as one message' : 'Start or restart the instance to send the review'}>
          {busy ? 'Sending…' : 'Send review'}
        </button>
      </div>
      {open && (
        <div className="review-bar-body">
          <ol className="review-list">
            {comments.map((c) => (
              <li key={c.id} data-testid="review-item">
                <button className="link-btn" onClick={() => onOpen(c.path)}>{c.path}:{c.startLine}{c.endLine !== c.startLine ? `–${c.endLine}` : ''}</button>
                <span className="review-item-text">{c.comment}</span>
                <button className="icon-btn" onClick={() => removeComment(instance.id, c.id)} aria-label="Delete comment" title="Delete comment">×</button>
              </li>
            ))}
          </ol>
          <textarea rows={2} value={summary} onChange={(e) => setSummary(e.target.value)} placeholder="Overall remarks (optional)" aria-label="Review summary" />
        </div>
      )}
    </div>
  );
}
