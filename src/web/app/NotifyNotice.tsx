import { setNotifications } from '../lib/notify.js';
import { setState, useStore } from '../lib/store.js';

/**
 * Notifications start off (the browser asks for permission only after a click). Said once, with the button that turns
 * them on: until the user turns them on or dismisses this, in this browser.
 */
export function NotifyNotice() {
  const show = useStore((s) => s.loaded && !s.notificationsOn && !s.notifyNoticeDone && Object.keys(s.agents).length > 0);
  if (!show) return null;
  const blocked = typeof Notification !== 'undefined' && Notification.permission === 'denied';
  return (
    <div className="notice" role="status" data-testid="notify-notice">
      <span>
        <b>Notifications are off</b>: you won’t hear when an agent needs you or fails
        {blocked ? ' (this browser blocks them for this page: allow them in its site settings for desktop alerts).' : '.'}
      </span>
      <button className="btn small primary" onClick={() => void setNotifications(true)} data-testid="notify-notice-on">Turn on notifications</button>
      <button className="btn small ghost" onClick={() => setState({ notifyNoticeDone: true })} data-testid="notify-notice-dismiss">Not now</button>
    </div>
  );
}
