import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Instance } from '../../common/schema.js';
import { isLive } from '../../common/constants.js';
import { api, type SendMode } from '../lib/api.js';
import { attempt, canResume } from '../lib/actions.js';
import { mergeMessages, NONE, useStore } from '../lib/store.js';


/**
 * Enter sends, Shift+Enter is a newline, Ctrl+Enter types it now whatever the state, Up/Down recall this instance's
 * earlier messages. With "Queue" on, the message waits for the instance's next idle moment.
 */
export function Composer({ instance }: { instance: Instance }) {
  const [text, setText] = useState('');
  const [queue, setQueue] = useState(false);
  const [busy, setBusy] = useState(false);
  const recall = useRef<{ index: number; draft: string } | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const all = useStore((s) => s.messages[instance.id] ?? NONE);
  const resumable = useStore((s) => canResume(instance, s.agents[instance.agentId]));
  const history = useMemo(() => all.filter((m) => m.senderType === 'user' && m.delivery !== 'cancelled').map((m) => m.content), [all]);
  const live = isLive(instance.status);

  const send = async (mode: SendMode) => {
    const content = text;
    if (!content.trim() || busy) return;
    setBusy(true);
    const r = await attempt(() => api.send(instance.id, content, mode));
    setBusy(false);
    if (!r) return;
    if (r.message) mergeMessages(instance.id, [r.message]);
    setText('');
    recall.current = null;
    area.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing) return;
    const el = e.currentTarget;
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void send(e.ctrlKey || e.metaKey ? 'now' : queue ? 'queue' : 'auto');
      return;
    }
    const beforeCaret = el.value.slice(0, el.selectionStart);
    const afterCaret = el.value.slice(el.selectionEnd);
    if (e.key === 'ArrowUp' && !beforeCaret.includes('\n') && history.length) {
      e.preventDefault();
      const cur = recall.current ?? { index: history.length, draft: text };
      const index = Math.max(0, cur.index - 1);
      recall.current = { index, draft: cur.draft };
      setText(history[index]);
    } else if (e.key === 'ArrowDown' && recall.current && !afterCaret.includes('\n')) {
      e.preventDefault();
      const index = recall.current.index + 1;
      if (index >= history.length) { setText(recall.current.draft); recall.current = null; }
      else { recall.current = { ...recall.current, index }; setText(history[index]); }
    }
  };

  return (
    <form className="composer" onSubmit={(e) => { e.preventDefault(); void send(queue ? 'queue' : 'auto'); }} data-testid="composer">
      <textarea ref={area} value={text} rows={Math.min(8, Math.max(2, text.split('\n').length))} data-testid="composer-input"
        placeholder={live ? `Message ${instance.agentName}… (Enter sends, Shift+Enter: newline, ↑: history)` : resumable ? 'This instance has ended — Resume continues its conversation' : 'This instance has ended — restart it to continue'}
        disabled={!live} onChange={(e) => { setText(e.target.value); }} onKeyDown={onKeyDown} aria-label="Message" />
      <div className="composer-bar">
        <label className="toggle" title="Queue the message until the instance is idle, even if it is idle now">
          <input type="checkbox" checked={queue} onChange={(e) => setQueue(e.target.checked)} data-testid="queue-toggle" />
          <span className="toggle-track" aria-hidden="true" /> Queue
        </label>
        <span className="composer-hint muted">{instance.status === 'idle' ? 'Ready — sends now' : instance.status === 'active' ? 'Working — will queue' : ''}</span>
        <button className="btn primary small" type="submit" disabled={!live || busy || !text.trim()} data-testid="composer-send">
          {queue ? 'Queue' : 'Send'}
        </button>
      </div>
    </form>
  );
}
