import { useEffect, useLayoutEffect, useRef } from 'react';
import Markdown from 'react-markdown';
import type { Message } from '../../common/schema.js';
import { clock, fullTime } from '../lib/format.js';
import { NONE, useStore } from '../lib/store.js';


/** The instance's conversation, oldest first; sticks to the bottom while you are there. */
export function MessageList({ instanceId }: { instanceId: string }) {
  const all = useStore((s) => s.messages[instanceId] ?? NONE);
  const loaded = useStore((s) => !!s.historyLoaded[instanceId]);
  const list = all.filter((m) => m.delivery !== 'queued' && m.delivery !== 'cancelled');
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const lastContent = list[list.length - 1]?.content;

  // Keep the newest message in view when one arrives or the last one grows, unless the user scrolled up.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [list.length, lastContent]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => { stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40; };
    el.addEventListener('scroll', onScroll);
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  return (
    <div className="messages" ref={box} data-testid="message-list" aria-live="polite">
      {list.length === 0 && <div className="messages-empty">{loaded ? 'No messages yet. Type in the terminal, or send a message below.' : 'Loading history…'}</div>}
      {list.map((m) => <MessageItem key={m.id} m={m} />)}
    </div>
  );
}

function MessageItem({ m }: { m: Message }) {
  const who = m.senderType === 'user' ? 'You' : 'Agent';
  if (m.kind === 'tool' || m.kind === 'system') {
    return (
      <div className={`msg msg-${m.kind}`} data-testid="message" data-sender={m.senderType} data-kind={m.kind}>
        <span className="msg-line">{m.kind === 'tool' ? '⚙ ' : ''}{m.content}</span>
        <time title={fullTime(m.createdAt)}>{clock(m.createdAt)}</time>
      </div>
    );
  }
  return (
    <div className={`msg msg-${m.senderType}${m.requiresUserInput ? ' msg-needs' : ''}`} data-testid="message" data-sender={m.senderType} data-kind={m.kind}>
      <div className="msg-meta">
        <span className="msg-who">{who}</span>
        {m.kind !== 'text' && <span className={`tag tag-${m.kind}`}>{m.kind}</span>}
        <time title={fullTime(m.createdAt)}>{clock(m.createdAt)}</time>
      </div>
      <div className="msg-body">
        {m.senderType === 'agent' && m.kind === 'text' ? <div className="md"><Markdown>{m.content}</Markdown></div> : <div className="plain">{m.content}</div>}
      </div>
    </div>
  );
}
