import { useState } from 'react';
import type { LegacyImportReport } from '../../common/schema.js';
import { api, fieldErrors } from '../lib/api.js';
import { errorText } from '../lib/actions.js';
import { Dialog } from '../ui/Dialog.js';
import { Field } from '../ui/Field.js';

/** Import from the original AreYouJ: its checkout's path, then what came in (and what could not). */
export function ImportDialog({ onClose }: { onClose: () => void }) {
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [report, setReport] = useState<LegacyImportReport | null>(null);
  const submit = async () => {
    setBusy(true);
    setError('');
    try { setReport(await api.importLegacy(path)); } catch (e) {
      setError(fieldErrors(e).path ?? errorText(e));
    }
    setBusy(false);
  };
  return (
    <Dialog title="Import from AreYouJ" onClose={onClose} wide testId="import-dialog" footer={<>
      <button className="btn" onClick={onClose}>{report ? 'Close' : 'Cancel'}</button>
      <button className="btn primary" disabled={busy || !path.trim()} onClick={() => void submit()} data-testid="import-go">{busy ? 'Importing…' : report ? 'Import again' : 'Import'}</button>
    </>}>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Field label="The original AreYouJ’s folder (its checkout)" name="path" error={error} wide
          hint="Its project paths become projects here; each project’s message queue becomes a Claude Code agent with that history and queue. Its docs/tasks.db files are read as they are. Importing again adds nothing.">
          <input value={path} onChange={(e) => setPath(e.target.value)} autoFocus placeholder="/home/you/AreYouJ" className="mono" data-testid="import-path" />
        </Field>
      </form>
      {report && (
        <div className="import-report" data-testid="import-report" role="status">
          <p><strong>{report.changed ? 'Imported' : 'Nothing new'}</strong> from <code>{report.source}</code>{report.changed ? '' : ' — it was imported before.'}</p>
          {report.agents.length > 0 && <>
            <h3>Agents</h3>
            <ul>{report.agents.map((a) => (
              <li key={a.agentId} data-testid="import-agent"><b>{a.agentName}</b>{a.created ? ' (new)' : ''}: {a.history} earlier messages, {a.queued} queued <span className="muted">— {a.project}</span></li>
            ))}</ul>
          </>}
          {report.projects.length > 0 && <>
            <h3>Projects</h3>
            <ul>{report.projects.map((p) => <li key={p.path}><code>{p.path}</code>{p.added ? ' (added)' : ''}{p.exists ? '' : <span className="muted"> — not on this machine</span>}</li>)}</ul>
          </>}
          {report.skipped.length > 0 && <>
            <h3>Skipped</h3>
            <ul className="skipped">{report.skipped.map((s, i) => <li key={i} data-testid="import-skipped"><code>{s.path}</code>: {s.reason}</li>)}</ul>
          </>}
        </div>
      )}
    </Dialog>
  );
}
