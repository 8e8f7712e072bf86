import { useState } from 'react';
import type { Option } from '../../common/schema.js';
import { truncate } from '../lib/format.js';
import { LazyMarkdown } from './LazyMarkdown.js';

/**
 * Claude Code's plan approval (ExitPlanMode): the plan as Markdown (rendered safely, never as HTML) and the dialog's own
 * options; the feedback option opens a text field whose text goes back to Claude.
 */
export function PlanApproval({
  plan,
  options,
  busy,
  compact,
  onChoose,
  onFeedback,
  onCancel,
}: {
  plan: string;
  options: Option[];
  busy: boolean;
  compact?: boolean;
  onChoose: (key: string) => void;
  onFeedback: (key: string, text: string) => void;
  onCancel: () => void;
}) {
  const [feedbackKey, setFeedbackKey] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [open, setOpen] = useState(!compact);
  const first =
    plan
      .split('\n')
      .map((l) => l.replace(/^#+\s*/, '').trim())
      .find(Boolean) ?? 'Plan';
  return (
    <div className="plan-approval" data-testid="plan-approval">
      {compact ? (
        <div className="awaiting-text" title={first}>
          {first}
        </div>
      ) : (
        <details className="plan-box" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
          <summary>Claude’s plan</summary>
          <LazyMarkdown text={plan} testId="plan-markdown" />
        </details>
      )}
      <div className="awaiting-actions">
        {options.length === 0 && <span className="muted">Waiting for the dialog…</span>}
        {options.map((o, i) => (
          <button
            key={o.key}
            className={`btn small${i === 0 ? ' primary' : ''}${o.intent === 'feedback' && feedbackKey === o.key ? ' on' : ''}`}
            disabled={busy}
            data-testid={`plan-option-${o.key}`}
            data-intent={o.intent ?? ''}
            title={o.label}
            onClick={() => (o.intent === 'feedback' ? setFeedbackKey(feedbackKey === o.key ? null : o.key) : onChoose(o.key))}
          >
            {compact ? truncate(o.label, 28) : o.label}
          </button>
        ))}
        {!compact && (
          <button
            className="btn small danger"
            disabled={busy}
            onClick={onCancel}
            data-testid="plan-cancel"
            title="Reject the plan and stop, as Esc does in the terminal"
          >
            Cancel
          </button>
        )}
      </div>
      {feedbackKey && (
        <form
          className="plan-feedback"
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) onFeedback(feedbackKey, text.trim());
          }}
        >
          <textarea
            value={text}
            onChange={(e) => setText(e.target.value)}
            rows={compact ? 2 : 3}
            maxLength={10_000}
            disabled={busy}
            placeholder="What should Claude change?"
            aria-label="Feedback on the plan"
            data-testid="plan-feedback-text"
            autoFocus
          />
          <button type="submit" className="btn small primary" disabled={busy || !text.trim()} data-testid="plan-feedback-send">
            Send feedback
          </button>
        </form>
      )}
    </div>
  );
}
