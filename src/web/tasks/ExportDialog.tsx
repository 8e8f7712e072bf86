import { useState } from 'react';
import type { TaskFilter } from '../../common/task-filter.js';
import { exportUrl } from '../lib/api.js';
import { Dialog } from '../ui/Dialog.js';

/** Export the board as CSV or an Excel workbook (the original AreYouJ's columns): all of it, or as filtered now. */
export function ExportDialog({ project, filter, onClose }: { project: string; filter?: TaskFilter; onClose: () => void }) {
  const [format, setFormat] = useState<'csv' | 'xlsx'>('xlsx');
  const [details, setDetails] = useState(false);
  const [scope, setScope] = useState<'all' | 'filter'>(filter ? 'filter' : 'all');
  const href = exportUrl(project, { format, details, filter: scope === 'filter' ? filter : undefined });
  const described = filter ? [filter.q?.trim() && `“${filter.q.trim()}”`, filter.status, filter.priority && `${filter.priority} priority`].filter(Boolean).join(', ') : '';
  return (
    <Dialog title="Export tasks" onClose={onClose} testId="export-dialog" footer={<>
      <button className="btn" onClick={onClose}>Cancel</button>
      {/* A plain download link: the browser fetches it with its session cookie and saves the file. */}
      <a className="btn primary" href={href} download onClick={() => setTimeout(onClose, 0)} data-testid="export-download">Download {format === 'csv' ? 'CSV' : 'Excel'}</a>
    </>}>
      <fieldset className="radio-group">
        <legend className="field-label">Format</legend>
        <label className="check"><input type="radio" name="format" checked={format === 'xlsx'} onChange={() => setFormat('xlsx')} data-testid="export-xlsx" /> Excel workbook (.xlsx)</label>
        <label className="check"><input type="radio" name="format" checked={format === 'csv'} onChange={() => setFormat('csv')} data-testid="export-csv" /> CSV (UTF-8, opens in Excel)</label>
      </fieldset>
      <fieldset className="radio-group">
        <legend className="field-label">Tasks</legend>
        <label className="check"><input type="radio" name="scope" checked={scope === 'all'} onChange={() => setScope('all')} /> All tasks</label>
        <label className="check"><input type="radio" name="scope" checked={scope === 'filter'} disabled={!filter} onChange={() => setScope('filter')} data-testid="export-filtered" />
          {' '}As filtered{filter ? `: ${described}` : ' (no filter set)'}</label>
      </fieldset>
      <label className="check"><input type="checkbox" checked={details} onChange={(e) => setDetails(e.target.checked)} data-testid="export-details" /> Include the Details column (long Markdown text)</label>
      <p className="muted small">Columns: ID, Type, Title, Status, Priority, Dependencies, Notes{details ? ', Details' : ''} — as the original AreYouJ exported them.</p>
    </Dialog>
  );
}
