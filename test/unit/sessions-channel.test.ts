// The terminal channel over real WebSockets, on sessions in a real pty host (the chain the server runs): framing,
// input, resize, several viewers, slow consumers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { DEFAULT_SCROLLBACK, DEFAULT_TERMINAL_SIZE } from '../../src/common/limits.js';
import { PtyHostLink } from '../../src/server/sessions/pty-host-link.js';
import { attachSocket, CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON } from '../../src/server/sessions/terminal-channel.js';

process.env.AREYOUJ_HOST_WATCH_PID ??= String(process.pid);
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ayj-chan-')));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, LANG: 'C.UTF-8' };
const link = new PtyHostLink(tmp);
await link.connect();
after(() => link.shutdownHost('test_done'));
let logN = 0;
const bash = async (script: string) => {
  const sid = `chan-${++logN}`;
  const s = await link.spawn({ sid, command: 'bash', args: ['--norc', '--noprofile', '-c', script], cwd: tmp, env, cols: DEFAULT_TERMINAL_SIZE.cols, rows: DEFAULT_TERMINAL_SIZE.rows });
  return { s, logFile: path.join(tmp, 'docs', 'logs', `${sid}.log`) };
};

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await once(wss, 'listening');
const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
after(() => wss.close());

/** Opens n client sockets; returns them with their server-side ends. */
async function connect(n: number): Promise<{ client: Client; server: WebSocket }[]> {
  const out: { client: Client; server: WebSocket }[] = [];
  for (let i = 0; i < n; i++) {
    const serverSide = once(wss, 'connection');
    const client = new Client(new WebSocket(url));
    await once(client.ws, 'open');
    out.push({ client, server: (await serverSide)[0] as WebSocket });
  }
  return out;
}

/** A viewer: records the frames and replays them into a terminal, as the web app does. */
class Client extends EventEmitter {
  texts: any[] = [];
  chunks: Buffer[] = [];
  order: string[] = [];
  term: InstanceType<typeof xtermHeadless.Terminal> | null = null;
  ser = new serializeAddon.SerializeAddon();
  closed: Promise<[number, Buffer]>;
  /** Whether the bytes are replayed into a terminal (parsing 40 MB in this process would make it a slow consumer). */
  parse = true;
  constructor(readonly ws: WebSocket) {
    super();
    this.closed = once(ws, 'close') as Promise<[number, Buffer]>;
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.order.push('binary');
        this.chunks.push(data);
        if (this.parse) this.term?.write(data);
      } else {
        const msg = JSON.parse(data.toString());
        this.order.push(msg.type);
        this.texts.push(msg);
        if (msg.type === 'snapshot') {
          this.term = new xtermHeadless.Terminal({ cols: msg.cols, rows: msg.rows, scrollback: DEFAULT_SCROLLBACK, allowProposedApi: true });
          this.term.loadAddon(this.ser as never);
          this.term.write(msg.data);
        }
        if (msg.type === 'resize') this.term!.write('', () => this.term!.resize(msg.cols, msg.rows));
      }
      this.emit('frame');
    });
  }
  /** Resolves when a frame satisfying pred has arrived. */
  async until(pred: () => boolean): Promise<void> {
    while (!pred()) await once(this, 'frame');
  }
  received(): Buffer { return Buffer.concat(this.chunks); }
  async state(): Promise<string> {
    await new Promise<void>((r) => this.term!.write("", r));
    return this.ser.serialize({ scrollback: DEFAULT_SCROLLBACK });
  }
}

test('framing: snapshot first, then binary output, input both ways, resize, errors, exit then close 1000', async () => {
  const [{ client, server }] = await connect(1);
  const { s } = await bash('stty -echo; printf "ready\\n"; read line; echo "got:$line"; read x; stty size; exit 4');
  attachSocket(s, server);
  // "ready" may come before the attach (then it is in the snapshot) or after it.
  await client.until(() => client.received().includes('ready') || client.texts.some((t) => t.type === 'snapshot' && t.data.includes('ready')));
  assert.equal(client.order[0], 'snapshot');
  assert.deepEqual([client.texts[0].cols, client.texts[0].rows], [DEFAULT_TERMINAL_SIZE.cols, DEFAULT_TERMINAL_SIZE.rows]);

  client.ws.send('{"type":"bogus"}');
  client.ws.send('not json');
  client.ws.send(JSON.stringify({ type: 'resize', cols: 'x', rows: 5 }));
  client.ws.send(JSON.stringify({ type: 'input', data: 42 }));
  await client.until(() => client.texts.filter((t) => t.type === 'error').length === 4);
  assert.equal(client.ws.readyState, WebSocket.OPEN, 'garbage does not close the socket');

  client.ws.send(Buffer.from('hel'), { binary: true });
  client.ws.send(JSON.stringify({ type: 'input', data: 'lo\r' }));
  await client.until(() => client.received().includes('got:hello'));
  client.ws.send(JSON.stringify({ type: 'resize', cols: 100, rows: 30 }));
  await client.until(() => client.texts.some((t) => t.type === 'resize'));
  client.ws.send(Buffer.from('\r'), { binary: true });

  const [code, reason] = await client.closed;
  assert.equal(code, 1000);
  assert.equal(reason.toString(), 'program exited');
  assert.deepEqual(client.texts.at(-1), { type: 'exit', exitCode: 4, signal: null });
  assert.match(client.received().toString(), /30 100/);
  assert.equal(await client.state(), (await s.snapshot()).data);
});

test('two viewers see the same output and either can type', async () => {
  const conns = await connect(2);
  // The program waits for a's Enter: output starts after both viewers have their (empty) snapshot, so each one's bytes
  // are the whole log (a CPU-hog CI run once attached them after the first lines, which went into the snapshots).
  const { s, logFile } = await bash('stty -echo; read go; for i in $(seq 1 5000); do echo "line $i"; done; read a; echo "typed:$a"; exit 0');
  for (const c of conns) attachSocket(s, c.server);
  const [a, b] = conns.map((c) => c.client);
  for (const c of [a, b]) await c.until(() => c.order.includes('snapshot'));
  a.ws.send(JSON.stringify({ type: 'input', data: '\r' }));
  await b.until(() => b.received().includes('line 5000'));
  b.ws.send(JSON.stringify({ type: 'input', data: 'from-b\r' }));
  await Promise.all([a.closed, b.closed]);
  const log = fs.readFileSync(logFile);
  for (const c of [a, b]) {
    assert.ok(c.received().equals(log), 'every byte exactly once, in order');
    assert.equal(await c.state(), (await s.snapshot()).data);
    assert.match(c.received().toString(), /typed:from-b/);
  }
});

test('a slow consumer is dropped with 4408 while another gets everything', async () => {
  const [fast, slow] = await connect(2);
  fast.client.parse = false;
  const { s, logFile } = await bash('read go; head -c 40000000 /dev/zero | tr "\\0" "x"; echo; echo end');
  attachSocket(s, fast.server);
  attachSocket(s, slow.server);
  await fast.client.until(() => fast.client.order.includes('snapshot'));
  await slow.client.until(() => slow.client.order.includes('snapshot'));
  s.write('\r');
  // The slow client stops reading; watch for the server deciding to drop it.
  (slow.client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
  const dropped = new Promise<number>((resolve) => {
    const close = slow.server.close.bind(slow.server);
    slow.server.close = (code?: number, reason?: string | Buffer) => { resolve(code!); close(code, reason); };
  });
  assert.equal(await dropped, CLOSE_SLOW_CONSUMER);
  (slow.client.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  const [code, reason] = await slow.client.closed;
  assert.equal(code, CLOSE_SLOW_CONSUMER);
  assert.equal(reason.toString(), SLOW_CONSUMER_REASON);

  assert.equal((await fast.client.closed)[0], 1000, 'the fast viewer got everything, to the exit');
  const got = fast.client.received();
  const log = fs.readFileSync(logFile);
  assert.ok(got.equals(log.subarray(log.length - got.length)), `every byte after its snapshot, once, in order (${got.length} of ${log.length})`);
  assert.ok(got.length > 40_000_000);
  assert.match(got.subarray(-10).toString(), /end/);

  // The dropped client re-attaches and gets the final screen.
  const [again] = await connect(1);
  attachSocket(s, again.server);
  await again.client.closed;
  assert.deepEqual(again.client.order, ['snapshot', 'exit']);
  assert.equal(await again.client.state(), (await s.snapshot()).data);
});
