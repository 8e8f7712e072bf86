import { useState } from 'react';
import type { Instance, Message } from '../../common/schema.js';
import { api } from '../lib/api.js';
import { attempt } from '../lib/actions.js';
import { useStore } from '../lib/store.js';
import { truncate } from '../lib/format.js';

interface Meta { toolName?: string; toolInput?: unknown; options?: { key: string; label: string }[]; lines?: string[] }

export function useAwaitingMessage(instanceId: string): Message | undefined {
  return useStore((s) => {
    const list = s.messages[instanceId];
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i];
      if (m.senderType === 'agent' && m.requiresUserInput) return m;
    }
    return undefined;
  });
}

function describeInput(input: unknown): string {
  if (input === undefined || input === null) return '';
  if (typeof input === 'string') return input;
  if (typeof input === 'object') {
    const o = input as Record<string, unknown>;
    for (const k of ['command', 'file_path', 'path', 'url', 'pattern', 'query']) if (typeof o[k] === 'string') return o[k] as string;
    try { return JSON.stringify(input, null, 2); } catch { return String(input); }
  }
  return String(input);
}

/** The question or permission request an instance is blocked on, with its options as buttons. */
export function AwaitingBanner({ instance, compact = false }: { instance: Instance; compact?: boolean }) {
  const msg = useAwaitingMessage(instance.id);
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState('');
  if (instance.status !== 'awaiting_input') return null;
  const meta = (msg?.metadata ?? {}) as Meta;
  const isPermission = msg?.kind === 'permission' || !!meta.toolName;
  const input = describeInput(meta.toolInput);
  const lines = (meta.lines ?? []).map((l) => l.replace(/\s+$/, '')).filter((l) => l.trim() !== '').slice(-5);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    await attempt(fn);
    setBusy(false);
  };
  const respond = (choice: string) => run(() => api.respond(instance.id, choice));
  const typeAnswer = (text: string) => run(() => api.input(instance.id, { text, keys: ['enter'] }));

  let buttons: { label: string; act: () => void; kind?: string; testId: string }[];
  if (meta.options?.length) {
    // The API takes an option by its number (1-9); numbered options already use it as their key.
    buttons = meta.options.slice(0, 9).map((o, n) => ({
      label: /^[1-9]$/.test(o.key) ? `${o.key}. ${o.label}` : o.label,
      act: () => respond(/^[1-9]$/.test(o.key) ? o.key : String(n + 1)),
      kind: n === 0 ? 'primary' : undefined,
      testId: `answer-${o.key}`,
    }));
  } else if (isPermission) {
    buttons = [
      { label: 'Allow', act: () => respond('allow'), kind: 'primary', testId: 'answer-allow' },
      { label: 'Always allow', act: () => respond('allow_always'), testId: 'answer-allow-always' },
      { label: 'Deny', act: () => respond('deny'), kind: 'danger', testId: 'answer-deny' },
    ];
  } else {
    buttons = [
      { label: 'Yes', act: () => typeAnswer('y'), kind: 'primary', testId: 'answer-yes' },
      { label: 'No', act: () => typeAnswer('n'), testId: 'answer-no' },
    ];
  }
  const title = isPermission ? `Permission: ${meta.toolName ?? 'tool'}` : 'Question';
  const text = msg?.content ?? 'Waiting for your input';

  return (
    <div className={`awaiting${compact ? ' compact' : ''}`} data-testid={compact ? 'sidebar-awaiting' : 'awaiting-banner'} role="alert">
      <div className="awaiting-head">
        <span className="awaiting-icon" aria-hidden="true">!</span>
        <strong>{title}</strong>
        {!compact && <span className="muted">— {instance.agentName} · {instance.name} is waiting for you</span>}
      </div>
      {compact ? <div className="awaiting-text">{truncate(input || lines[lines.length - 1] || text, 90)}</div> : <>
        {text && !(lines.length && !isPermission) && <div className="awaiting-text">{truncate(text, 600)}</div>}
        {input && <pre className="awaiting-input">{input}</pre>}
        {lines.length > 0 && <pre className="awaiting-lines">{lines.join('\n')}</pre>}
      </>}
      <div className="awaiting-actions">
        {buttons.map((b) => (
          <button key={b.testId} className={`btn small ${b.kind ?? ''}`} disabled={busy} onClick={b.act} data-testid={b.testId}>{b.label}</button>
        ))}
        {!compact && !meta.options?.length && !isPermission && (
          <form className="awaiting-answer" onSubmit={(e) => { e.preventDefault(); if (answer) { void typeAnswer(answer); setAnswer(''); } }}>
            <input value={answer} onChange={(e) => setAnswer(e.target.value)} placeholder="Or type an answer…" aria-label="Answer" />
          </form>
        )}
      </div>
    </div>
  );
}
