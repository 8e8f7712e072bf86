// Browser notifications and a short beep when an instance needs the user, finishes a turn (if its agent asks) or fails.
// One notification per server `notification` event (de-duplicated by its SSE id, so a replay after a reconnect does not
// repeat it); a reloaded page opens a new stream without Last-Event-ID, so old events are never shown again.
import type { EventMap } from '../../common/events.js';
import { getState, setState, toast } from './store.js';

const seen = new Set<string>();
const recent = new Map<string, number>();
let audio: AudioContext | null = null;

type Kind = 'awaiting' | 'turn' | 'error';

/** Create/resume the audio context inside a user gesture so the beep can play later. */
export function primeAudio() {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume();
  } catch { /* no audio */ }
}

export function beep(kind: Kind = 'awaiting') {
  try {
    audio ??= new AudioContext();
    const ctx = audio;
    const t = ctx.currentTime;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    const [a, b] = kind === 'error' ? [440, 330] : kind === 'turn' ? [660, 880] : [880, 660];
    osc.frequency.setValueAtTime(a, t);
    osc.frequency.setValueAtTime(b, t + 0.09);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.12, t + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.2);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.22);
  } catch { /* no audio */ }
}

export async function setNotifications(on: boolean) {
  primeAudio();
  if (on && typeof Notification !== 'undefined' && Notification.permission === 'default') {
    try { await Notification.requestPermission(); } catch { /* ignored */ }
  }
  setState({ notificationsOn: on, notifyNoticeDone: true });
  if (on && typeof Notification !== 'undefined' && Notification.permission === 'denied') {
    toast('The browser blocks notifications for this page: you get a beep and a message here, and desktop alerts once you allow them in its site settings.', 'info');
  }
}

function once(eventId: string | undefined, key: string): boolean {
  if (eventId) {
    if (seen.has(eventId)) return false;
    seen.add(eventId);
    if (seen.size > 500) seen.delete(seen.values().next().value!);
    return true;
  }
  // No id (not from the stream): the same instance and kind within a second is the same event.
  const last = recent.get(key) ?? 0;
  recent.set(key, Date.now());
  return Date.now() - last > 1000;
}

function show(instanceId: string, kind: Kind, title: string, body: string, eventId?: string) {
  const s = getState();
  if (!s.notificationsOn) return;
  const inst = s.instances[instanceId];
  const agent = inst ? s.agents[inst.agentId] : undefined;
  if (agent && agent.settings.notificationEnabled === false) return;
  const key = `${instanceId}:${kind}`;
  if (!once(eventId, key)) return;
  beep(kind);
  const watching = document.visibilityState === 'visible' && document.hasFocus();
  if (!watching && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
    try {
      // One per instance on screen (the tag replaces the previous one), and each new event alerts again (renotify).
      const n = new Notification(title, { body, tag: key, renotify: true } as NotificationOptions);
      n.onclick = () => { window.focus(); location.hash = `#/i/${encodeURIComponent(instanceId)}`; n.close(); };
    } catch { /* some browsers only allow notifications from a service worker */ }
  } else if (watching) {
    toast(`${title}${body ? ` — ${body}` : ''}`, 'info');
  }
}

const KINDS: Record<EventMap['notification']['kind'], Kind> = { awaiting_input: 'awaiting', idle_prompt: 'awaiting', error: 'error', turn_end: 'turn' };

/** The server's own `notification` events: the server decides when to notify; one event, one notification. */
export function onServerNotification(d: EventMap['notification'], eventId: string) {
  show(d.instanceId, KINDS[d.kind], d.title, d.body, eventId);
}
