// An instance's raw output log (docs/logs/<id>.log): byte ranges for the API, and a screen rebuilt
// from it for instances that are no longer running (their pty and headless terminal are gone).
import fs from 'node:fs';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';

export function readRange(file: string, offset: number, limit: number): { data: Buffer; total: number } {
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch { return { data: Buffer.alloc(0), total: 0 }; }
  try {
    const total = fs.fstatSync(fd).size;
    const len = Math.max(0, Math.min(limit, total - offset));
    const data = Buffer.alloc(len);
    let read = 0;
    while (read < len) {
      const n = fs.readSync(fd, data, read, len - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    return { data: data.subarray(0, read), total };
  } finally { fs.closeSync(fd); }
}

/** The screen and scrollback an ended instance left, replayed from the tail of its log. */
/** At most the log's last 8 MB are replayed: more than 10,000 lines of scrollback of most output, in ~100 ms of parsing. */
const REPLAY_MAX_BYTES = 8 << 20;

export async function replaySnapshot(file: string, cols: number, rows: number, scrollback: number, maxBytes = REPLAY_MAX_BYTES): Promise<string> {
  const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
  const { data } = readRange(file, Math.max(0, size - maxBytes), maxBytes);
  const term = new xtermHeadless.Terminal({ cols, rows, scrollback, allowProposedApi: true });
  const ser = new serializeAddon.SerializeAddon();
  term.loadAddon(ser as unknown as Parameters<typeof term.loadAddon>[0]);
  await new Promise<void>((r) => term.write(data, r));
  const out = ser.serialize({ scrollback });
  term.dispose();
  return out;
}
