import { useEffect, useState } from 'react';
import { api, type DirListing } from '../lib/api.js';
import { errorText } from '../lib/actions.js';
import { Icon } from './Icon.js';

/** Browse directories on the server's machine (the endpoint lists directories only). */
export function DirPicker({ start, onPick, onClose }: { start: string; onPick: (path: string) => void; onClose: () => void }) {
  const [listing, setListing] = useState<DirListing | null>(null);
  const [error, setError] = useState('');
  const [filter, setFilter] = useState('');

  const load = async (path?: string) => {
    setError('');
    setFilter('');
    try { setListing(await api.dirs(path)); } catch (e) {
      if (path && !listing) { try { setListing(await api.dirs()); return; } catch { /* fall through */ } }
      setError(errorText(e));
    }
  };
  useEffect(() => { void load(start.startsWith('/') ? start : undefined); }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const dirs = (listing?.dirs ?? []).filter((d) => !filter || d.name.toLowerCase().includes(filter.toLowerCase()));
  return (
    <div className="dirpicker" data-testid="dir-picker">
      <div className="dirpicker-bar">
        <button type="button" className="btn small" disabled={!listing?.parent} onClick={() => listing?.parent && void load(listing.parent)} data-testid="dir-up" title="Parent directory">↑ Up</button>
        <code className="dirpicker-path" title={listing?.path}><bdi>{listing?.path ?? '…'}</bdi></code>
      </div>
      <input className="dirpicker-filter" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="Filter…" aria-label="Filter directories" />
      {error && <p className="field-error">{error}</p>}
      <ul className="dirpicker-list">
        {listing && dirs.length === 0 && <li className="muted">No sub-directories</li>}
        {dirs.map((d) => (
          <li key={d.path}><button type="button" className="dir" onClick={() => void load(d.path)} data-testid="dir-entry" data-name={d.name}><Icon name="folder" /> {d.name}</button></li>
        ))}
      </ul>
      <div className="dirpicker-foot">
        <button type="button" className="btn small" onClick={onClose}>Cancel</button>
        <button type="button" className="btn small primary" disabled={!listing} onClick={() => listing && onPick(listing.path)} data-testid="dir-choose">Use this folder</button>
      </div>
    </div>
  );
}
