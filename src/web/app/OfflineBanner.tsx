import { useStore } from '../lib/store.js';

/** Shown while the server is unreachable (the event stream reconnects by itself and catches up), or when this
 * browser's session has ended (expired, or `areyouj token --rotate`): then only a new login helps, and it says how. */
export function OfflineBanner() {
  const connection = useStore((s) => s.connection);
  const loaded = useStore((s) => s.loaded);
  if (connection === 'logged_out') {
    return (
      <div className="offline-banner" role="alert" data-testid="logged-out-banner">
        Your session has ended (it expired, or the token was rotated). Log in again: open the URL that AreYouJ printed
        at start; <code>areyouj token</code> (in a checkout: <code>npm start -- token</code>) shows it.
      </div>
    );
  }
  if (connection !== 'offline') return null;
  return (
    <div className="offline-banner" role="status" data-testid="offline-banner">
      <span className="spinner" aria-hidden="true" />
      {loaded ? 'Connection to the AreYouJ server lost — reconnecting… Nothing is lost; the view catches up when it is back.'
        : 'Cannot reach the AreYouJ server — retrying…'}
    </div>
  );
}
