import { useState } from 'react';
import type { Instance, Message, RespondBody } from '../../common/schema.js';
import { api } from '../lib/api.js';
import { attempt } from '../lib/actions.js';
import { answers, describeToolInput } from './awaiting.js';
import { focusTerminal } from './focus.js';
import { truncate } from '../lib/format.js';
import { useStore } from '../lib/store.js';
import { ChoiceQuestions } from './ChoiceQuestions.js';
import { PlanApproval } from './PlanApproval.js';

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

/** The question or permission request an instance is blocked on, with its options as buttons. All text, never HTML. */
export function AwaitingBanner({ instance, compact = false }: { instance: Instance; compact?: boolean }) {
  const msg = useAwaitingMessage(instance.id);
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState('');
  if (instance.status !== 'awaiting_input') return null;
  const q = msg?.question ?? null;
  const { list, permission, freeText } = answers(q);
  const tool = q?.type === 'permission' ? q.tool : null;
  const input = q?.type === 'permission' ? describeToolInput(tool, q.input) : { main: '' };
  const lines = (q?.type === 'screen' ? q.lines : []).map((l) => l.replace(/\s+$/, '')).filter((l) => l.trim() !== '').slice(-5);

  const run = async (fn: () => Promise<unknown>) => {
    // The answer goes to the program; so does the keyboard, as after answering in the terminal itself
    // (the banner, and with it the focused button, goes away once the program moves on).
    focusTerminal(instance.id);
    setBusy(true);
    await attempt(fn);
    setBusy(false);
  };
  const send = (body: RespondBody) => run(() => api.respond(instance.id, body));
  const respond = (choice: string) => send({ choice });
  const typeAnswer = (text: string) => run(() => api.input(instance.id, { text, keys: ['enter'] }));

  const buttons = freeText
    ? [{ choice: 'y', label: 'Yes', short: 'Yes', kind: 'primary', intent: 'yes', act: () => typeAnswer('y') },
      { choice: 'n', label: 'No', short: 'No', kind: '', intent: 'no', act: () => typeAnswer('n') }]
    : list.map((a) => ({ ...a, act: () => respond(a.choice) }));
  // Claude's message says "Claude wants to use Bash: …"; the tool and its input are shown on their own, so say the dialog's question.
  const text = q?.type === 'permission' ? (q.prompt ?? (tool ? '' : msg?.content ?? '')) : (msg?.content ?? 'Waiting for your input');
  const summary = input.main ? `${tool ? `${tool}: ` : ''}${input.main}` : (lines[lines.length - 1] ?? msg?.content ?? text);

  // Claude Code's own questions and plan approvals: a form, and the plan with the dialog's options.
  if (q?.type === 'choices' || q?.type === 'plan') {
    return (
      <div className={`awaiting${compact ? ' compact' : ''} ${q.type}`} data-testid={compact ? 'sidebar-awaiting' : 'awaiting-banner'} data-type={q.type} role="alert">
        <div className="awaiting-head">
          <span className="awaiting-icon" aria-hidden="true">?</span>
          <strong>{q.type === 'plan' ? 'Plan approval' : q.questions.length > 1 ? `${q.questions.length} questions` : 'Question'}</strong>
          {!compact && <span className="muted">{instance.agentName} · {instance.name} is waiting for you</span>}
        </div>
        {q.type === 'choices'
          ? <ChoiceQuestions items={q.questions} busy={busy} compact={compact} onSubmit={(a) => send({ answers: a })} onSkip={() => send({ cancel: true })} />
          : <PlanApproval plan={q.plan} options={q.options} busy={busy} compact={compact} onChoose={(key) => send({ choice: key })}
              onFeedback={(key, t) => send({ choice: key, text: t })} onCancel={() => send({ cancel: true })} />}
      </div>
    );
  }

  return (
    <div className={`awaiting${compact ? ' compact' : ''}${permission ? ' permission' : ''}`} data-testid={compact ? 'sidebar-awaiting' : 'awaiting-banner'} role="alert">
      <div className="awaiting-head">
        <span className="awaiting-icon" aria-hidden="true">!</span>
        <strong>{permission ? 'Permission' : 'Question'}</strong>
        {permission && tool && <code className="awaiting-tool" data-testid="awaiting-tool">{tool}</code>}
        {!compact && <span className="muted">{instance.agentName} · {instance.name} is waiting for you</span>}
      </div>
      {compact ? <div className="awaiting-text" title={summary}>{truncate(summary, 90)}</div> : <>
        {input.note && <div className="awaiting-note">{input.note}</div>}
        {input.main && <pre className="awaiting-input" data-testid="awaiting-input">{input.main}</pre>}
        {text && !(lines.length && !permission) && <div className="awaiting-text">{truncate(text, 600)}</div>}
        {lines.length > 0 && <pre className="awaiting-lines">{lines.join('\n')}</pre>}
      </>}
      <div className="awaiting-actions">
        {buttons.map((b) => (
          <button key={b.choice} className={`btn small ${b.kind}`} disabled={busy} onClick={b.act} title={b.label}
            data-testid={`answer-${b.choice}`} data-intent={b.intent}>{compact ? b.short : b.label}</button>
        ))}
        {!compact && freeText && (
          <form className="awaiting-answer" onSubmit={(e) => { e.preventDefault(); if (answer) { void typeAnswer(answer); setAnswer(''); } }}>
            <input value={answer} onChange={(e) => setAnswer(e.target.value)} placeholder="Or type an answer…" aria-label="Answer" />
          </form>
        )}
      </div>
    </div>
  );
}
