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
 */
export function TerminalView({ instanceId, active }: { instanceId: string; active: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const api = useRef<{ fit: () => void; focus: () => void } | null>(null);
  const [conn, setConn] = useState<Conn>('connecting');
  const [exitInfo, setExitInfo] = useState<string | null>(null);

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
    let applying = false; // a resize that came from the server: do not echo it back
    let timer: ReturnType<typeof setTimeout> | undefined;

    const send = (msg: object) => { if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg)); };
    const fitNow = () => {
      if (!el.isConnected || el.clientWidth < 20 || el.clientHeight < 20) return;
      try { fit.fit(); } catch { /* not laid out */ }
      termSize.cols = term.cols; termSize.rows = term.rows;
    };

    const connect = () => {
      if (disposed) return;
      setConn('connecting');
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/instances/${encodeURIComponent(instanceId)}/terminal`;
      const sock = new WebSocket(url);
      ws = sock;
      sock.binaryType = 'arraybuffer';
      sock.onopen = () => { retry = 300; setConn('open'); send({ type: 'resize', cols: term.cols, rows: term.rows }); };
      sock.onmessage = (e) => {
        if (typeof e.data !== 'string') { term.write(new Uint8Array(e.data as ArrayBuffer)); return; }
        let m: { type?: string; data?: string; cols?: number; rows?: number; code?: number | null; exitCode?: number | null; signal?: unknown };
        try { m = JSON.parse(e.data); } catch { return; }
        if (m.type === 'snapshot') {
          gotSnapshot = true;
          term.reset();
          // The snapshot is laid out for the server's size; write it at that size, then fit to the pane (xterm reflows).
          if (m.cols && m.rows && (m.cols !== term.cols || m.rows !== term.rows)) { applying = true; term.resize(m.cols, m.rows); applying = false; }
          term.write(m.data ?? '', () => { fitNow(); send({ type: 'resize', cols: term.cols, rows: term.rows }); });
        } else if (m.type === 'resize' && m.cols && m.rows) {
          // Another viewer resized the program: show its layout faithfully until this pane is fitted again.
          if (m.cols !== term.cols || m.rows !== term.rows) { applying = true; term.resize(m.cols, m.rows); applying = false; }
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
    term.onResize(({ cols, rows }) => { if (!applying) send({ type: 'resize', cols, rows }); });
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
    const ro = new ResizeObserver(() => { cancelAnimationFrame(raf); raf = requestAnimationFrame(fitNow); });
    ro.observe(el);
    api.current = { fit: fitNow, focus: () => term.focus() };
    const unregister = registerTerminal(instanceId, () => term.focus());
    fitNow();
    connect();

    return () => {
      disposed = true;
      unregister();
      clearTimeout(timer);
      cancelAnimationFrame(raf);
      ro.disconnect();
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
    </div>
  );
}
