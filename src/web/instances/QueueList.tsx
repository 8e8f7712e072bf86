import { useState } from 'react';
import type { Message } from '../../common/schema.js';
import { api } from '../lib/api.js';
import { attempt } from '../lib/actions.js';
import { mergeMessages, NONE, removeMessage, useStore } from '../lib/store.js';


/** Messages waiting to be typed when the instance is next idle; each can be edited or cancelled until then. */
export function QueueList({ instanceId }: { instanceId: string }) {
  const all = useStore((s) => s.messages[instanceId] ?? NONE);
  const queued = all.filter((m) => m.delivery === 'queued');
  if (queued.length === 0) return null;
  return (
    <div className="queue" data-testid="queue">
      <div className="queue-head">Queued <span className="count">{queued.length}</span><span className="muted"> — sent in order when the instance is idle</span></div>
      <ol>{queued.map((m, i) => <QueueItem key={m.id} m={m} n={i + 1} />)}</ol>
    </div>
  );
}

function QueueItem({ m, n }: { m: Message; n: number }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(m.content);
  const save = async () => {
    const r = await attempt(() => api.editQueued(m.instanceId, m.id, text));
    if (r) { mergeMessages(m.instanceId, [r]); setEditing(false); }
  };
  const cancel = async () => {
    const ok = await attempt(() => api.cancelQueued(m.instanceId, m.id).then(() => true));
    if (ok) removeMessage(m.instanceId, m.id);
  };
  return (
    <li className="queue-item" data-testid="queued-message">
      <span className="queue-n">{n}</span>
      {editing ? (
        <textarea className="queue-edit" value={text} autoFocus rows={Math.min(6, text.split('\n').length + 1)} data-testid="queue-edit-input"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); void save(); }
            if (e.key === 'Escape') { e.stopPropagation(); setEditing(false); setText(m.content); }
          }} />
      ) : <span className="queue-text">{m.content}</span>}
      <span className="queue-actions">
        {editing ? <button className="btn small primary" onClick={() => void save()} data-testid="queue-save">Save</button>
          : <button className="icon-btn" title="Edit" aria-label="Edit queued message" onClick={() => { setText(m.content); setEditing(true); }} data-testid="queue-edit">✎</button>}
        <button className="icon-btn danger" title="Cancel" aria-label="Cancel queued message" onClick={() => void cancel()} data-testid="queue-cancel">×</button>
      </span>
    </li>
  );
}
