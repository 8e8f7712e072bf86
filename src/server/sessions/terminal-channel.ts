// The terminal channel: one WebSocket watching and driving one session of the pty host (RemoteSession).
//
// ---------------------------------------------------------------------------------------------------
// Terminal channel framing (one WebSocket per instance: /api/instances/:id/terminal)
//
// Server -> client
//   1. First, one TEXT frame:  {"type":"snapshot","data":"<string>","cols":80,"rows":24}
//      `data` is the screen and scrollback serialized as escape sequences (xterm.js serialize addon).
//      Reset the client terminal, resize it to cols x rows, and write `data` into it.
//   2. Then BINARY frames: the program's raw output bytes, in order, each byte exactly once after the
//      snapshot. Write them to the terminal as they come (Uint8Array; a frame may start or end in the
//      middle of an escape sequence or UTF-8 character: the terminal's parser handles that). Right after the
//      snapshot, the output the pty host's parser had not reached yet is replayed (paced by the socket) before
//      live output; to the client it is all the same byte stream.
//   3. TEXT {"type":"resize","cols":n,"rows":n} when the pty is resized (by any viewer), in stream order.
//   4. TEXT {"type":"exit","exitCode":n,"signal":n|null} when the program has exited; the server then
//      closes the socket with code 1000 ("program exited"). Attaching to an ended session gives the
//      final snapshot, the exit frame and the close.
//   5. TEXT {"type":"error","message":"..."} for a client message that was not understood (the socket
//      stays open).
// Client -> server
//   - BINARY frame: raw input bytes, written to the pty as they are (keystrokes, xterm.js onData/onBinary).
//   - TEXT {"type":"input","data":"<string>"}: the same, as a string.
//   - TEXT {"type":"resize","cols":n,"rows":n}: the size of this viewer's pane (cols 2..1000, rows 2..500). It
//     resizes the pty when this viewer holds the size, or when no viewer does (the first one to report, or after
//     the holder left). Every viewer gets the resize frame.
//   - TEXT {"type":"focus"}: the user focused this viewer (clicked or tapped its terminal): it takes the size. Input
//     (binary or "input") takes it too, unless it is only a terminal's automatic report (a reply to a query, focus
//     in/out: keys.ts isTerminalReport). So the pty has the size of the viewer who last typed or focused, as tmux's
//     `window-size latest`; the others show it at that size (viewer-sizes.ts).
// Close codes
//   1000  the program exited: do not reconnect (the final screen is what you have).
//   1012  not available now (the pty host is away, or the program is starting): reconnect with backoff.
//   4408  slow consumer: the client fell more than MAX_VIEWER_LAG (8 MB) behind. Reconnect at
//         once: the new attach starts from a fresh snapshot, so nothing is lost on screen.
//   other (1001/1006…) the connection broke: reconnect with backoff.
// Terminal queries (e.g. ESC[c, ESC[6n) the program sends are answered by the viewers' terminals for
// output they received; output nobody watched is answered by the pty host's screen (PtySession queryReplies).
// ---------------------------------------------------------------------------------------------------
import type { WebSocket, RawData } from 'ws';
import { TERMINAL_SIZE_LIMITS as L, validTerminalSize } from '../../common/limits.js';
import type { ExitInfo, RemoteSession } from './remote-session.js';
import { isTerminalReport } from './keys.js';
import { joinViewer } from './viewer-sizes.js';

export const CLOSE_EXITED = 1000;
export const CLOSE_HOST_GONE = 1012;
export const CLOSE_SLOW_CONSUMER = 4408;
export const SLOW_CONSUMER_REASON = 'slow consumer: reattach for a fresh snapshot';
const MAX_TEXT_INPUT = 1 << 20;
/** A socket that does not finish its close handshake in this time is destroyed. */
const CLOSE_TIMEOUT_MS = 5000;

/** What the channel needs from a session. */
export type ChannelSession = Pick<RemoteSession, 'write' | 'resize' | 'attach' | 'exited'>;

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Attaches a WebSocket to a session; returns a function that detaches it (without closing it). Flow control is the
 * pty host's: it sends a viewer at most STREAM_WINDOW bytes the socket has not written yet (acknowledged from the
 * send callbacks), so a slow browser costs the server a bounded buffer; one that falls MAX_VIEWER_LAG behind is
 * dropped by the host and closed here with 4408 (it reattaches to a fresh snapshot).
 */
export function attachSocket(session: ChannelSession, ws: WebSocket): () => void {
  if (ws.readyState !== ws.OPEN) return () => {};
  let done = false;
  let detach: () => void = () => {};
  const viewer = joinViewer(session);

  const finish = () => {
    if (done) return false;
    done = true;
    detach();
    viewer.leave();
    ws.off('message', onMessage);
    ws.off('close', finish);
    return true;
  };
  const close = (code: number, reason: string) => {
    if (!finish()) return;
    if (ws.readyState !== ws.OPEN) return;
    ws.close(code, reason);
    setTimeout(() => { if (ws.readyState !== ws.CLOSED) ws.terminate(); }, CLOSE_TIMEOUT_MS).unref();
  };
  const sendText = (obj: unknown) => { if (!done && ws.readyState === ws.OPEN) ws.send(JSON.stringify(obj)); };

  const onMessage = (data: RawData, isBinary: boolean) => {
    if (done) return;
    if (isBinary) {
      const bytes = rawToBuffer(data);
      if (!isTerminalReport(bytes)) viewer.claim(); // a reply to the program's query is no user typing
      session.write(bytes);
      return;
    }
    const text = rawToBuffer(data).toString('utf8');
    let msg: { type?: unknown; data?: unknown; cols?: unknown; rows?: unknown };
    try { msg = JSON.parse(text); } catch { return sendText({ type: 'error', message: 'not JSON' }); }
    if (!msg || typeof msg !== 'object') return sendText({ type: 'error', message: 'expected an object' });
    if (msg.type === 'input') {
      if (typeof msg.data !== 'string' || msg.data.length > MAX_TEXT_INPUT) return sendText({ type: 'error', message: 'input.data must be a string (at most 1 MiB)' });
      if (!isTerminalReport(msg.data)) viewer.claim();
      session.write(msg.data);
    } else if (msg.type === 'focus') {
      viewer.claim();
    } else if (msg.type === 'resize') {
      const { cols, rows } = msg;
      if (!validTerminalSize(cols, rows)) {
        return sendText({ type: 'error', message: `resize needs integer cols ${L.minCols}..${L.maxCols} and rows ${L.minRows}..${L.maxRows}` });
      }
      viewer.report(cols as number, rows as number); // resizes the pty (in the pty host) if this viewer holds the size
    } else {
      sendText({ type: 'error', message: `unknown message type: ${String(msg.type)}` });
    }
  };

  ws.on('message', onMessage);
  ws.on('close', finish);
  ws.on('error', () => { /* the close event follows */ });

  detach = session.attach({
    onSnapshot: (s) => sendText({ type: 'snapshot', data: s.data, cols: s.cols, rows: s.rows }),
    onData: (chunk, sent) => {
      if (done || ws.readyState !== ws.OPEN) return;
      ws.send(chunk, { binary: true }, () => sent());
    },
    onResize: (cols, rows) => sendText({ type: 'resize', cols, rows }),
    onExit: (e: ExitInfo) => {
      sendText({ type: 'exit', exitCode: e.exitCode, signal: e.signal });
      close(CLOSE_EXITED, 'program exited');
    },
    onDrop: (reason) => {
      if (reason === 'slow') close(CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON);
      else close(CLOSE_HOST_GONE, 'the pty host is unavailable: reconnect');
    },
  });
  if (done) detach(); // closed during attach
  return () => { finish(); };
}
