import { useState } from 'react';
import { errorText } from '../lib/actions.js';
import { Dialog } from './Dialog.js';

export function ConfirmDialog({ title, body, confirmLabel, danger, onConfirm, onClose }: {
  title: string; body: string; confirmLabel: string; danger?: boolean; onConfirm: () => Promise<void> | void; onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const go = async () => {
    setBusy(true);
    try { await onConfirm(); onClose(); } catch (e) { setError(errorText(e)); setBusy(false); }
  };
  return (
    <Dialog title={title} onClose={onClose} testId="confirm-dialog" footer={<>
      <button className="btn" onClick={onClose}>Cancel</button>
      <button className={`btn ${danger ? 'danger' : 'primary'}`} onClick={go} disabled={busy} data-testid="confirm-ok" autoFocus>
        {busy ? 'Working…' : confirmLabel}
      </button>
    </>}>
      <p className="confirm-body">{body}</p>
      {error && <p className="field-error" role="alert">{error}</p>}
    </Dialog>
  );
}
