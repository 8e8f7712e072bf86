import { useStore } from '../lib/store.js';

/** Shown while the server is unreachable; the event stream reconnects by itself and catches up. */
export function OfflineBanner() {
  const connection = useStore((s) => s.connection);
  const loaded = useStore((s) => s.loaded);
  if (connection !== 'offline') return null;
  return (
    <div className="offline-banner" role="status" data-testid="offline-banner">
      <span className="spinner" aria-hidden="true" />
      {loaded ? 'Connection to the AreYouJ server lost — reconnecting… Nothing is lost; the view catches up when it is back.'
        : 'Cannot reach the AreYouJ server — retrying…'}
    </div>
  );
}
