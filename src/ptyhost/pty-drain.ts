// node-pty's last-output race (node-pty 1.1.0, lib/unixTerminal.js): when the child exits, node-pty waits for its
// socket to close, and after DESTROY_SOCKET_TIMEOUT_MS (200 ms) destroys it, whether or not everything the child wrote
// has been read. While the socket is paused (flow control) or the event loop is starved (a loaded machine), the last
// bytes are still in the stream's buffer or in the kernel's pty buffer then, and destroy() throws them away: a test
// lost the last 5 bytes of an `echo` at load 24. drainBeforeDestroy() wraps that socket's destroy(): before it, what the
// stream holds is emitted, then the master fd (non-blocking: node-pty sets O_NONBLOCK) is read until EAGAIN (nothing
// more now) or EIO (the terminal's other side is closed), and that is emitted as data too, in order.
import fs from 'node:fs';
import type { IPty } from 'node-pty';

/** Reads at most this much from the master at destroy (the kernel holds ~68 KB at most; a writer still running cannot hold us). */
const MAX_DRAIN_BYTES = 4 << 20;

interface PtyInternals { _socket?: NodeJS.ReadableStream & { destroy(err?: Error): unknown; destroyed: boolean; read(): unknown }; _fd?: number }

/** Makes `proc`'s socket deliver everything left before it is destroyed. False when this node-pty has no such socket. */
export function drainBeforeDestroy(proc: IPty): boolean {
  const t = proc as unknown as PtyInternals;
  const socket = t._socket, fd = t._fd;
  if (!socket || typeof socket.destroy !== 'function' || typeof fd !== 'number') return false;
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (err?: Error) => {
    if (!socket.destroyed) {
      try {
        while (socket.read() !== null) { /* read() emits 'data' for each chunk the stream buffered */ }
        const buf = Buffer.allocUnsafe(64 << 10);
        for (let total = 0; total < MAX_DRAIN_BYTES;) {
          let n: number;
          try { n = fs.readSync(fd, buf, 0, buf.length, null); } catch { break; } // EAGAIN or EIO: nothing more
          if (n <= 0) break;
          total += n;
          socket.emit('data', Buffer.from(buf.subarray(0, n)));
        }
      } catch { /* a closed fd: nothing left to read */ }
    }
    return destroy(err);
  };
  return true;
}
