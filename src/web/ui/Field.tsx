import type { ReactNode } from 'react';

/** A labelled form field with its error (from the server's validation details) right beside it. */
export function Field({ label, error, hint, children, name, wide = false }: {
  label: string; error?: string; hint?: ReactNode; children: ReactNode; name: string; wide?: boolean;
}) {
  return (
    <div className={`field${error ? ' has-error' : ''}${wide ? ' wide' : ''}`} data-field={name}>
      <label>
        <span className="field-label">{label}</span>
        {children}
      </label>
      {error ? <span className="field-error" role="alert" data-testid={`error-${name}`}>{error}</span> : hint ? <span className="field-hint">{hint}</span> : null}
    </div>
  );
}
