// The pty host's socket protocol (server <-> pty host over an owner-only Unix socket). Shared by both sides.
//
// Every frame: u32 big-endian N (the length of what follows, at most MAX_FRAME), u8 type, N-1 bytes of payload.
//   JSON   (1)  a control message, UTF-8 JSON, validated with the schemas below (requests, replies, events, pings).
//   DATA   (2)  host -> server: u32 stream id, then raw output bytes of that stream (no JSON on the hot path).
//   INPUT  (3)  server -> host: u8 id length, the session id (ASCII), then raw input bytes for the pty.
//   ACK    (4)  server -> host: u32 stream id, u32 bytes the server has passed on (flow control).
//   OUTPUT (5)  host -> server: u8 id length, the session id, f64 total output bytes so far (activity; coalesced).
// A frame is applied only once it has fully arrived: a connection that breaks mid-frame loses that frame, never
// corrupts a session. An oversized frame, an unknown type or an invalid control message ends the connection
// (a protocol error); the sessions are not affected.
//
// Control messages: {t:'req', id, op, ...} -> {t:'res', id, ok:true, ...} | {t:'res', id, ok:false, error:{code,message}};
// {t:'ev', ev, ...} host -> server; {t:'ping'} both ways every HEARTBEAT_MS (any frame counts as a sign of life).
import { z } from 'zod';
import { MAX_SCROLLBACK, TERMINAL_SIZE_LIMITS } from '../common/limits.js';

export const PROTOCOL_VERSION = 1;
export const MAX_FRAME = 64 << 20;
export const FRAME_JSON = 1, FRAME_DATA = 2, FRAME_INPUT = 3, FRAME_ACK = 4, FRAME_OUTPUT = 5;

/** Each side sends a ping this often; a peer silent for DEAD_AFTER_MS is taken for hung or gone. */
export const HEARTBEAT_MS = 1000;
export const DEAD_AFTER_MS = 5000;
/** A request without an answer in this time fails with `host_timeout` (never a hung API call). */
export const REQUEST_TIMEOUT_MS = 5000;
/**
 * Flow control per stream: the host sends at most this many bytes the server has not acknowledged; past it the
 * stream lags (its bytes wait in the session's bounded memory window, then in the log) instead of piling up in
 * a socket buffer. VS Code pauses the pty at 100,000 unacknowledged characters; we never pause the program for
 * a slow viewer: the log holds every byte.
 */
export const STREAM_WINDOW = 1 << 20;
/** A live viewer that falls this far behind is ended with `slow` (the browser reattaches to a fresh snapshot). */
export const MAX_VIEWER_LAG = 8 << 20;

export const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SessionId = z.string().regex(SESSION_ID);
const L = TERMINAL_SIZE_LIMITS;
const Size = { cols: z.number().int().min(L.minCols).max(L.maxCols), rows: z.number().int().min(L.minRows).max(L.maxRows) };

export const ExitInfoSchema = z.object({
  exitCode: z.number().int(), signal: z.number().int().nullable(), error: z.string().optional(),
  /** Set when it ended because it was terminated (a terminate request or the host's shutdown): the reason given. */
  terminated: z.string().optional(),
});
export type WireExit = z.infer<typeof ExitInfoSchema>;

export const SessionInfoSchema = z.object({
  id: z.string(), pid: z.number().int(), command: z.string(), cwd: z.string(), startedAt: z.string(),
  cols: z.number().int(), rows: z.number().int(), outputBytes: z.number(),
  bracketed: z.boolean(), appCursor: z.boolean(),
  exit: ExitInfoSchema.nullable(),
  meta: z.record(z.string(), z.unknown()),
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

export const Request = z.discriminatedUnion('op', [
  z.object({ op: z.literal('hello'), key: z.string().max(200), version: z.number().int(), pid: z.number().int() }),
  z.object({
    op: z.literal('spawn'), sid: SessionId, command: z.string().min(1).max(4096), args: z.array(z.string().max(1 << 16)).max(1000),
    cwd: z.string().min(1).max(4096), env: z.record(z.string(), z.string()), ...Size,
    scrollback: z.number().int().min(0).max(MAX_SCROLLBACK).optional(),
    /** Secret the agent's hooks present to the host's hook endpoint (POST /hooks/<sid>). */
    hookSecret: z.string().min(16).max(200).optional(),
    /** Opaque to the host: kept with the session and its record, returned by `list` (e.g. the agent CLI's session id). */
    meta: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({ op: z.literal('list') }),
  z.object({ op: z.literal('attach'), sid: SessionId, stream: z.number().int().min(1).max(0xffffffff), from: z.number().int().min(0).optional() }),
  z.object({ op: z.literal('detach'), stream: z.number().int().min(1) }),
  z.object({ op: z.literal('resize'), sid: SessionId, ...Size }),
  z.object({ op: z.literal('screen'), sid: SessionId, settle: z.boolean().optional() }),
  z.object({ op: z.literal('snapshot'), sid: SessionId }),
  z.object({ op: z.literal('terminate'), sid: SessionId, graceMs: z.number().int().min(0).max(600_000).optional(), reason: z.string().max(100).optional() }),
  z.object({ op: z.literal('release'), sid: SessionId }),
  z.object({ op: z.literal('meta'), sid: SessionId, meta: z.record(z.string(), z.unknown()) }),
  /** The server has applied the session's hooks up to seq (they are not replayed to the next server). */
  z.object({ op: z.literal('ackHooks'), sid: SessionId, seq: z.number().int().min(0) }),
  /** The answer to a decision hook the host relayed (event `decision`): the hook's output, or null for none. */
  z.object({ op: z.literal('decided'), did: z.number().int().min(1), out: z.record(z.string(), z.unknown()).nullable() }),
  z.object({ op: z.literal('shutdown'), graceMs: z.number().int().min(0).max(600_000).optional(), reason: z.string().max(100).optional() }),
]);
export type Request = z.infer<typeof Request>;
export type RequestOp = Request['op'];

export const Control = z.discriminatedUnion('t', [
  z.object({ t: z.literal('req'), id: z.number().int().min(1) }).passthrough(),
  z.object({ t: z.literal('res'), id: z.number().int().min(1), ok: z.boolean() }).passthrough(),
  z.object({ t: z.literal('ev'), ev: z.string() }).passthrough(),
  z.object({ t: z.literal('ping') }),
]);

export interface ScreenState {
  lines: string[];
  cursor: { x: number; y: number };
  /**
   * The cursor's line as the program printed it: not trimmed up to the cursor (a prompt's trailing space is kept),
   * trimmed after it.
   */
  cursorLine?: string;
  /** The buffer row (counting scrollback) of the viewport's first line. */
  top: number;
  cols: number; rows: number;
  /** The stream offset the screen reflects. */
  pos: number;
  bracketed: boolean; appCursor: boolean;
}

export class ProtocolError extends Error {}

// ---------- encoding ----------
function header(type: number, payloadBytes: number, extra = 0): Buffer {
  const h = Buffer.allocUnsafe(5 + extra);
  h.writeUInt32BE(1 + extra + payloadBytes, 0);
  h[4] = type;
  return h;
}

export function encodeJson(msg: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  if (body.length + 1 > MAX_FRAME) throw new ProtocolError(`control message of ${body.length} bytes is too large`);
  return Buffer.concat([header(FRAME_JSON, body.length), body]);
}

/** DATA frame header (the payload is written after it, without a copy). */
export function dataHeader(stream: number, bytes: number): Buffer {
  const h = header(FRAME_DATA, bytes, 4);
  h.writeUInt32BE(stream, 5);
  return h;
}

function idHeader(type: number, id: string, payloadBytes: number): Buffer {
  const n = Buffer.byteLength(id, 'latin1');
  const h = header(type, payloadBytes, 1 + n);
  h[5] = n;
  h.write(id, 6, 'latin1');
  return h;
}

export function inputFrame(sid: string, data: Buffer): Buffer[] {
  return [idHeader(FRAME_INPUT, sid, data.length), data];
}

export function ackFrame(stream: number, bytes: number): Buffer {
  const h = header(FRAME_ACK, 0, 8);
  h.writeUInt32BE(stream, 5);
  h.writeUInt32BE(bytes, 9);
  return h;
}

export function outputFrame(sid: string, total: number): Buffer {
  const h = idHeader(FRAME_OUTPUT, sid, 8);
  const b = Buffer.allocUnsafe(8);
  b.writeDoubleBE(total, 0);
  return Buffer.concat([h, b]);
}

// ---------- decoding ----------
export type Frame =
  | { type: typeof FRAME_JSON; msg: z.infer<typeof Control> }
  | { type: typeof FRAME_DATA; stream: number; data: Buffer }
  | { type: typeof FRAME_INPUT; sid: string; data: Buffer }
  | { type: typeof FRAME_ACK; stream: number; bytes: number }
  | { type: typeof FRAME_OUTPUT; sid: string; total: number };

/**
 * Reassembles frames from a byte stream. push() returns the complete frames; an incomplete one waits for the
 * rest (bounded by MAX_FRAME). Throws ProtocolError on a malformed frame: the caller drops the connection.
 */
export class FrameDecoder {
  private parts: Buffer[] = [];
  private have = 0;
  private need = -1; // the length of the frame being assembled (after its 4-byte prefix), or -1

  /** Bytes held for an incomplete frame. */
  get pending(): number { return this.have; }

  push(chunk: Buffer): Frame[] {
    const out: Frame[] = [];
    this.parts.push(chunk);
    this.have += chunk.length;
    for (;;) {
      if (this.need < 0) {
        if (this.have < 4) break;
        this.need = this.take(4).readUInt32BE(0);
        if (this.need < 1 || this.need > MAX_FRAME) throw new ProtocolError(`frame length ${this.need} out of range`);
      }
      if (this.have < this.need) break;
      const body = this.take(this.need);
      this.need = -1;
      out.push(decodeBody(body));
    }
    return out;
  }

  /** The first n bytes held (n <= have), without copying when they lie in one chunk. */
  private take(n: number): Buffer {
    const first = this.parts[0];
    let buf: Buffer;
    if (first.length >= n) {
      buf = first.subarray(0, n);
      if (first.length === n) this.parts.shift(); else this.parts[0] = first.subarray(n);
    } else {
      buf = Buffer.allocUnsafe(n);
      let off = 0;
      while (off < n) {
        const p = this.parts[0];
        const k = Math.min(p.length, n - off);
        p.copy(buf, off, 0, k);
        off += k;
        if (k === p.length) this.parts.shift(); else this.parts[0] = p.subarray(k);
      }
    }
    this.have -= n;
    return buf;
  }
}

function readId(body: Buffer): { sid: string; rest: Buffer } {
  const n = body[1];
  if (body.length < 2 + n) throw new ProtocolError('truncated session id');
  const sid = body.toString('latin1', 2, 2 + n);
  if (!SESSION_ID.test(sid)) throw new ProtocolError('invalid session id');
  return { sid, rest: body.subarray(2 + n) };
}

function decodeBody(body: Buffer): Frame {
  const type = body[0];
  switch (type) {
    case FRAME_JSON: {
      let raw: unknown;
      try { raw = JSON.parse(body.toString('utf8', 1)); } catch { throw new ProtocolError('control frame is not JSON'); }
      const r = Control.safeParse(raw);
      if (!r.success) throw new ProtocolError(`invalid control message: ${r.error.issues[0]?.message ?? 'bad shape'}`);
      return { type, msg: r.data };
    }
    case FRAME_DATA:
      if (body.length < 5) throw new ProtocolError('truncated data frame');
      return { type, stream: body.readUInt32BE(1), data: body.subarray(5) };
    case FRAME_ACK:
      if (body.length !== 9) throw new ProtocolError('bad ack frame');
      return { type, stream: body.readUInt32BE(1), bytes: body.readUInt32BE(5) };
    case FRAME_INPUT: {
      const { sid, rest } = readId(body);
      return { type, sid, data: rest };
    }
    case FRAME_OUTPUT: {
      const { sid, rest } = readId(body);
      if (rest.length !== 8) throw new ProtocolError('bad output frame');
      return { type, sid, total: rest.readDoubleBE(0) };
    }
    default:
      throw new ProtocolError(`unknown frame type ${type}`);
  }
}

/** Output this soon after a resize is the program redrawing for its viewers (viewOnlyOutput), not work. */
export const VIEW_REDRAW_MS = 1000;

/** Whether output at `outputAt` was a redraw for the viewers after the resize at `resizeAt`. */
export function viewOnly(outputAt: number | null, resizeAt: number): boolean {
  return outputAt !== null && outputAt >= resizeAt && outputAt - resizeAt < VIEW_REDRAW_MS;
}
