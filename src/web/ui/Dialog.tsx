import { useEffect, useRef, type ReactNode } from 'react';

/** A modal dialog: Esc or a click on the backdrop closes it; focus moves inside and returns afterwards. */
export function Dialog({ title, onClose, children, wide = false, testId, footer }: {
  title: ReactNode; onClose: () => void; children: ReactNode; wide?: boolean; testId?: string; footer?: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('[autofocus], input, textarea, select, button:not(.dialog-x)');
    (first ?? ref.current)?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); close.current(); }
    };
    window.addEventListener('keydown', onKey, true);
    return () => { window.removeEventListener('keydown', onKey, true); before?.focus?.(); };
  }, []);
  return (
    <div className="backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div className={`dialog${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={typeof title === 'string' ? title : undefined}
        ref={ref} tabIndex={-1} data-testid={testId ?? 'dialog'}>
        <header className="dialog-head">
          <h2>{title}</h2>
          <button className="icon-btn dialog-x" onClick={onClose} aria-label="Close" title="Close (Esc)">×</button>
        </header>
        <div className="dialog-body">{children}</div>
        {footer && <footer className="dialog-foot">{footer}</footer>}
      </div>
    </div>
  );
}
