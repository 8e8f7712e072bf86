// The headless terminals, in a worker thread: the pty host's main thread (pty reads, log writes, socket writes)
// never waits on parsing. One worker holds the screens of every session; see headless-screen.ts for the main side.
//
// main -> worker: open | feed (bytes, transferred) | resize | snapshot | screen | close
// worker -> main: parsed {sid, pos, rseq, bracketed, appCursor} after each block and resize, in stream order;
//                 reply {sid, data, pos} (the terminal's answer to a query in the output at pos);
//                 result {req, ...} for snapshot/screen requests, taken at a block boundary (pos is exact).
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { VtBoundary } from './vt-boundary.js';

type HeadlessTerminal = InstanceType<typeof xtermHeadless.Terminal>;
type Serializer = InstanceType<typeof serializeAddon.SerializeAddon>;

export type ToWorker =
  | { t: 'open'; sid: number; cols: number; rows: number; scrollback: number }
  | { t: 'feed'; sid: number; buf: Uint8Array }
  | { t: 'resize'; sid: number; seq: number; cols: number; rows: number }
  | { t: 'snapshot'; sid: number; req: number }
  | { t: 'screen'; sid: number; req: number }
  | { t: 'close'; sid: number };

export type FromWorker =
  | { t: 'parsed'; sid: number; pos: number; rseq: number; bracketed: boolean; appCursor: boolean }
  | { t: 'reply'; sid: number; data: string; pos: number }
  | { t: 'result'; req: number; value: unknown };

export interface SnapshotResult { data: string; pos: number; rseq: number; tail: Uint8Array; cols: number; rows: number; serializations: number }

interface Screen {
  term: HeadlessTerminal;
  serializer: Serializer;
  boundary: VtBoundary;
  scrollback: number;
  pos: number;
  rseq: number;
  snap: { pos: number; rseq: number; data: string } | null;
  serializations: number;
}

const port = parentPort!;
const screens = new Map<number, Screen>();
// The relay matters more than the screen: this thread yields the CPU to the pty host's main thread (and to the
// server) under load. On Linux, setpriority(0) applies to the calling thread only.
try { os.setPriority(10); } catch { /* not allowed: run at normal priority */ }

const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []);

function progress(sid: number, s: Screen) {
  post({ t: 'parsed', sid, pos: s.pos, rseq: s.rseq, bracketed: s.term.modes.bracketedPasteMode, appCursor: s.term.modes.applicationCursorKeysMode });
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'open') {
    const term = new xtermHeadless.Terminal({ cols: m.cols, rows: m.rows, scrollback: m.scrollback, allowProposedApi: true });
    const serializer = new serializeAddon.SerializeAddon();
    // The addon's typings name @xterm/xterm's Terminal; the headless one has the same API.
    term.loadAddon(serializer as unknown as Parameters<HeadlessTerminal['loadAddon']>[0]);
    const s: Screen = { term, serializer, boundary: new VtBoundary(), scrollback: m.scrollback, pos: 0, rseq: 0, snap: null, serializations: 0 };
    term.onData((data) => post({ t: 'reply', sid: m.sid, data, pos: s.pos }));
    screens.set(m.sid, s);
    return;
  }
  const s = screens.get(m.sid);
  switch (m.t) {
    case 'feed': {
      if (!s) return;
      const buf = m.buf;
      s.term.write(buf, () => {
        s.boundary.feed(buf);
        s.pos += buf.length;
        progress(m.sid, s);
      });
      return;
    }
    case 'resize':
      if (!s) return;
      s.term.write('', () => {
        s.term.resize(m.cols, m.rows);
        s.rseq = m.seq;
        progress(m.sid, s);
      });
      return;
    case 'snapshot': {
      if (!s) return post({ t: 'result', req: m.req, value: null });
      let data: string;
      if (s.snap && s.snap.pos === s.pos && s.snap.rseq === s.rseq) data = s.snap.data;
      else {
        s.serializations++;
        data = s.serializer.serialize({ scrollback: s.scrollback });
        s.snap = { pos: s.pos, rseq: s.rseq, data };
      }
      const tail = new Uint8Array(s.boundary.incompleteTail());
      const value: SnapshotResult = { data, pos: s.pos, rseq: s.rseq, tail, cols: s.term.cols, rows: s.term.rows, serializations: s.serializations };
      return post({ t: 'result', req: m.req, value });
    }
    case 'screen': {
      if (!s) return post({ t: 'result', req: m.req, value: null });
      const t = s.term, buf = t.buffer.active, lines: string[] = [];
      for (let y = 0; y < t.rows; y++) lines.push(buf.getLine(buf.baseY + y)?.translateToString(true).trimEnd() ?? '');
      // The cursor's line untrimmed up to the cursor (a prompt's trailing space), trimmed after it.
      const raw = buf.getLine(buf.baseY + buf.cursorY)?.translateToString(false) ?? '';
      const trimmed = lines[buf.cursorY] ?? '';
      const cursorLine = raw.slice(0, Math.max(trimmed.length, Math.min(buf.cursorX, raw.length)));
      return post({ t: 'result', req: m.req, value: {
        lines, cursor: { x: buf.cursorX, y: buf.cursorY }, cursorLine, top: buf.baseY, cols: t.cols, rows: t.rows, pos: s.pos,
        bracketed: t.modes.bracketedPasteMode, appCursor: t.modes.applicationCursorKeysMode,
      } });
    }
    case 'close':
      if (!s) return;
      screens.delete(m.sid);
      s.snap = null;
      s.term.dispose();
      return;
  }
});
