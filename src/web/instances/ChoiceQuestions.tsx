import { useState } from 'react';
import type { ChoiceAnswer, ChoiceItem } from '../../common/schema.js';
import { truncate } from '../lib/format.js';

interface Draft {
  picked: string[];
  text: string;
}
const answered = (d: Draft | undefined) => !!d && (d.picked.length > 0 || d.text.trim() !== '');

/**
 * Several questions shown together, as the terminal's dialog asks them: single-select as radio buttons (or typed text
 * instead), multi-select as checkboxes (plus typed text). Submit sends exactly what is chosen; Skip cancels the dialog.
 * All text, never HTML.
 */
export function ChoiceQuestions({
  items,
  busy,
  compact,
  onSubmit,
  onSkip,
}: {
  items: ChoiceItem[];
  busy: boolean;
  compact?: boolean;
  onSubmit: (answers: ChoiceAnswer[]) => void;
  onSkip: () => void;
}) {
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const set = (q: string, f: (d: Draft) => Draft) => setDrafts((all) => ({ ...all, [q]: f(all[q] ?? { picked: [], text: '' }) }));
  const ready = items.every((q) => answered(drafts[q.question]));
  const submit = () =>
    onSubmit(
      items
        .filter((q) => answered(drafts[q.question]))
        .map((q) => {
          const d = drafts[q.question];
          return { question: q.question, options: d.picked, ...(d.text.trim() ? { text: d.text.trim() } : {}) };
        }),
    );

  // In the sidebar: one single-select question answers with one click; anything else is answered in the full banner.
  if (compact) {
    const q = items[0];
    return (
      <>
        <div className="awaiting-text" title={q.question}>
          {truncate(q.question, 90)}
          {items.length > 1 ? ` (+${items.length - 1})` : ''}
        </div>
        {items.length === 1 && !q.multiSelect && (
          <div className="awaiting-actions">
            {q.options.map((o) => (
              <button
                key={o.key}
                className="btn small"
                disabled={busy}
                title={o.description ?? o.label}
                data-testid={`choice-${o.key}`}
                onClick={() => onSubmit([{ question: q.question, options: [o.label] }])}
              >
                {truncate(o.label, 24)}
              </button>
            ))}
          </div>
        )}
      </>
    );
  }

  return (
    <form
      className="choices"
      data-testid="choice-questions"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready && !busy) submit();
      }}
    >
      {items.map((q, qi) => {
        const d = drafts[q.question] ?? { picked: [], text: '' };
        const name = `q${qi}`;
        return (
          <fieldset key={q.question} className="choice-q" data-testid="choice-question" data-multi={q.multiSelect ? 'true' : 'false'}>
            <legend>
              {q.header && <span className="choice-header">{q.header}</span>}
              <span className="choice-text">{q.question}</span>
              {q.multiSelect && <span className="muted choice-hint">choose any</span>}
            </legend>
            {q.options.map((o) => {
              const on = d.picked.includes(o.label);
              return (
                <label key={o.key} className={`choice-opt${on ? ' on' : ''}`} data-testid="choice-option">
                  <input
                    type={q.multiSelect ? 'checkbox' : 'radio'}
                    name={name}
                    checked={on}
                    disabled={busy}
                    onChange={() =>
                      set(q.question, (x) =>
                        q.multiSelect
                          ? { ...x, picked: on ? x.picked.filter((l) => l !== o.label) : [...x.picked, o.label] }
                          : { picked: [o.label], text: '' },
                      )
                    }
                  />
                  <span className="choice-label">{o.label}</span>
                  {o.description && <span className="choice-desc">{o.description}</span>}
                </label>
              );
            })}
            <input
              className="choice-free"
              type="text"
              value={d.text}
              disabled={busy}
              maxLength={10_000}
              data-testid="choice-text"
              placeholder={q.multiSelect ? 'Something else (optional)…' : 'Or type something…'}
              aria-label={`Your own answer to: ${q.question}`}
              onChange={(e) => {
                const text = e.target.value;
                set(q.question, (x) => (q.multiSelect || !text ? { ...x, text } : { picked: [], text }));
              }}
            />
          </fieldset>
        );
      })}
      <div className="awaiting-actions">
        <button type="submit" className="btn small primary" disabled={busy || !ready} data-testid="choice-submit">
          {items.length > 1 ? 'Submit answers' : 'Answer'}
        </button>
        <button
          type="button"
          className="btn small"
          disabled={busy}
          onClick={onSkip}
          data-testid="choice-skip"
          title="Cancel the question, as Esc does in the terminal: Claude stops and waits for you"
        >
          Skip
        </button>
        {!ready && <span className="muted">{items.length > 1 ? 'Answer every question to submit' : ''}</span>}
      </div>
    </form>
  );
}
