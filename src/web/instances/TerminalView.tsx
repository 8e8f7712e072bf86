import { useEffect, useRef, useState } from 'react';
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import '@xterm/xterm/css/xterm.css';
import { isLive } from '../../common/constants.js';
import { DEFAULT_SCROLLBACK } from '../../common/limits.js';
import { termSize } from '../lib/actions.js';
import { isPaletteKey, isTabKey } from '../lib/keyboard.js';
import { registerTerminal } from './focus.js';
import { getState } from '../lib/store.js';

const theme: ITheme = {
  background: '#0b0d11', foreground: '#d5d9e2', cursor: '#7aa2f7', cursorAccent: '#0b0d11',
  selectionBackground: '#33467c', selectionForeground: '#ffffff',
  black: '#1d202a', red: '#f7768e', green: '#9ece6a', yellow: '#e0af68', blue: '#7aa2f7', magenta: '#bb9af7', cyan: '#7dcfff', white: '#c0caf5',
  brightBlack: '#565f89', brightRed: '#ff8fa3', brightGreen: '#b9f27c', brightYellow: '#ffc777', brightBlue: '#8fb3ff', brightMagenta: '#c9a7ff', brightCyan: '#a4e4ff', brightWhite: '#e8ecf7',
};

type Conn = 'connecting' | 'open' | 'closed' | 'ended';

/**
 * A real terminal (xterm.js) on the instance's terminal channel. It stays mounted while its tab is open,
 * so switching tabs shows its full screen at once; on (re)connect the server's snapshot replaces the screen.
 * The terminal always has the program's size (from the server); this pane only reports its own size. The program
 * takes this pane's size when the user types here or clicks/taps the terminal (the server's policy: the viewer who
 * last typed or focused, docs/API.md); until then it is shown at the other viewer's size (letterboxed or clipped).
 */
export function TerminalView({ instanceId, active }: { instanceId: string; active: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const api = useRef<{ fit: () => void; focus: () => void; claim: () => void } | null>(null);
  const [conn, setConn] = useState<Conn>('connecting');
  const [exitInfo, setExitInfo] = useState<string | null>(null);
  /** The program has another viewer's size (this pane's size differs): offer to take it. */
  const [foreign, setForeign] = useState(false);

  useEffect(() => {
    const el = host.current!;
    const term = new Terminal({
      theme, fontSize: 13, lineHeight: 1.15, scrollback: DEFAULT_SCROLLBACK, cursorBlink: true, allowTransparency: false,
      fontFamily: '"JetBrains Mono", "Fira Code", "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace',
      macOptionIsMeta: true, rightClickSelectsWord: true,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.loadAddon(new WebLinksAddon((_e, uri) => window.open(uri, '_blank', 'noopener,noreferrer')));
    term.open(el);

    let ws: WebSocket | null = null;
    let disposed = false;
    let gotSnapshot = false;
    let retry = 300;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pane: { cols: number; rows: number } | null = null; // this pane's size, as last reported
    let connected = false; // the snapshot came: the terminal has the program's size

    const send = (msg: object) => { if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg)); };
    const showForeign = () => setForeign(connected && !!pane && (pane.cols !== term.cols || pane.rows !== term.rows));
    /** Measures the pane and reports its size (the terminal itself keeps the program's size). */
    const fitNow = (force = false) => {
      if (!el.isConnected || el.clientWidth < 20 || el.clientHeight < 20) return;
      let dims: { cols: number; rows: number } | undefined;
      try { dims = fit.proposeDimensions(); } catch { /* not laid out */ }
      if (!dims || !(dims.cols > 1) || !(dims.rows > 1)) return;
      termSize.cols = dims.cols; termSize.rows = dims.rows;
      if (!connected) { if (dims.cols !== term.cols || dims.rows !== term.rows) term.resize(dims.cols, dims.rows); }
      if (force || !pane || pane.cols !== dims.cols || pane.rows !== dims.rows) {
        pane = { cols: dims.cols, rows: dims.rows };
        send({ type: 'resize', cols: pane.cols, rows: pane.rows });
      }
      showForeign();
    };
    const claim = () => send({ type: 'focus' });

    const connect = () => {
      if (disposed) return;
      setConn('connecting');
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/instances/${encodeURIComponent(instanceId)}/terminal`;
      const sock = new WebSocket(url);
      ws = sock;
      sock.binaryType = 'arraybuffer';
      sock.onopen = () => { retry = 300; setConn('open'); };
      sock.onmessage = (e) => {
        if (typeof e.data !== 'string') { term.write(new Uint8Array(e.data as ArrayBuffer)); return; }
        let m: { type?: string; data?: string; cols?: number; rows?: number; code?: number | null; exitCode?: number | null; signal?: unknown };
        try { m = JSON.parse(e.data); } catch { return; }
        if (m.type === 'snapshot') {
          gotSnapshot = true;
          connected = true;
          term.reset();
          // The snapshot is laid out for the program's size: the terminal takes that size, then this pane reports its
          // own (the program takes it if no other viewer holds the size).
          if (m.cols && m.rows && (m.cols !== term.cols || m.rows !== term.rows)) term.resize(m.cols, m.rows);
          term.write(m.data ?? '', () => fitNow(true));
        } else if (m.type === 'resize' && m.cols && m.rows) {
          // The program was resized (for this viewer or another): show it at that size, whatever this pane's.
          if (m.cols !== term.cols || m.rows !== term.rows) term.resize(m.cols, m.rows);
          showForeign();
        } else if (m.type === 'exit') {
          const code = m.exitCode ?? m.code;
          setExitInfo(code === undefined || code === null ? 'Process exited' : `Process exited with code ${code}`);
        }
      };
      sock.onclose = (e) => {
        if (ws === sock) ws = null;
        if (disposed) return;
        const inst = getState().instances[instanceId];
        // 1000: the program exited and the screen we have is final.
        if (e.code === 1000 || !inst || (!isLive(inst.status) && gotSnapshot)) { setConn('ended'); return; }
        setConn('closed');
        // 4408: we were too slow and got dropped; come back at once for a fresh snapshot.
        timer = setTimeout(connect, e.code === 4408 ? 0 : retry);
        retry = Math.min(retry * 2, 5000);
      };
    };

    term.onData((d) => send({ type: 'input', data: d }));
    term.onBinary((d) => { if (ws?.readyState === WebSocket.OPEN) ws.send(Uint8Array.from(d, (c) => c.charCodeAt(0) & 0xff)); });
    // The program's size, for tests and tools (the terminal always has it).
    term.onResize(({ cols, rows }) => { el.dataset.cols = String(cols); el.dataset.rows = String(rows); });
    // A click or tap in the terminal takes the program's size for this viewer (typing does too, on the server).
    el.addEventListener('pointerdown', claim);
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown') return true;
      // Every key goes to the program but the app's own shortcuts from a terminal (lib/keyboard.ts handles them).
      if (isTabKey(e, true) || isPaletteKey(e, true)) return false;
      const copy = (e.ctrlKey && e.shiftKey && e.code === 'KeyC') || ((e.ctrlKey || e.metaKey) && e.code === 'KeyC' && term.hasSelection());
      if (copy) {
        const text = term.getSelection();
        if (text) void navigator.clipboard?.writeText(text).catch(() => undefined);
        e.preventDefault();
        return false;
      }
      if (e.ctrlKey && e.shiftKey && e.code === 'KeyV') return false; // let the browser paste
      return true;
    });

    let raf = 0;
    const ro = new ResizeObserver(() => { cancelAnimationFrame(raf); raf = requestAnimationFrame(() => fitNow()); });
    ro.observe(el);
    api.current = { fit: () => fitNow(), focus: () => term.focus(), claim };
    const unregister = registerTerminal(instanceId, () => term.focus());
    fitNow();
    connect();

    return () => {
      disposed = true;
      unregister();
      clearTimeout(timer);
      cancelAnimationFrame(raf);
      ro.disconnect();
      el.removeEventListener('pointerdown', claim);
      const sock = ws;
      if (sock) {
        sock.onmessage = null; // the terminal is gone
        // Closing a socket that is still connecting makes the browser warn (and happens at every quick tab switch, and
        // in React's development double mount): close it once open instead.
        if (sock.readyState === WebSocket.CONNECTING) sock.onopen = () => sock.close();
        else sock.close();
      }
      term.dispose();
      api.current = null;
    };
  }, [instanceId]);

  useEffect(() => {
    if (!active) return;
    const r = requestAnimationFrame(() => {
      api.current?.fit();
      // Typing goes to the program, unless a dialog has opened meanwhile.
      if (!getState().dialog) api.current?.focus();
    });
    return () => cancelAnimationFrame(r);
  }, [active]);

  return (
    <div className="term-wrap">
      <div className="term-host" ref={host} data-testid={`terminal-${instanceId}`} data-conn={conn} />
      {conn !== 'open' && conn !== 'ended' && <div className="term-state" data-testid="terminal-state">{conn === 'connecting' ? 'Connecting…' : 'Disconnected — reconnecting…'}</div>}
      {exitInfo && <div className="term-state ended">{exitInfo}</div>}
      {foreign && conn === 'open' && (
        <button type="button" className="term-fit" data-testid="terminal-fit" title="Another viewer set the size: resize the program to this window" onClick={() => { api.current?.claim(); api.current?.focus(); }}>
          Fit to this window
        </button>
      )}
    </div>
  );
}
