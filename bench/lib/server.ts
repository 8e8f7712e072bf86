// The server under test as a child process (node --import tsx src/server/main.ts), so that its RSS and CPU can be read
// from /proc cleanly and the bench's clients do not share its event loop; plus small HTTP / WebSocket / SSE clients.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { hostPaths } from '../../src/ptyhost/paths.js';
import { HostClient } from '../../src/server/sessions/host-client.js';
import { sleep } from './stats.js';

// The pty hosts the bench's servers start end with the bench, whatever happens to it.
process.env.AREYOUJ_HOST_WATCH_PID ??= String(process.pid);

/** Ends every agent of the home and its pty host (what `areyouj stop --all` does once the server is gone). */
export async function stopHost(home: string): Promise<void> {
  let c: HostClient;
  try { c = await HostClient.connect(hostPaths(home)); } catch { return; }
  const pid = c.hello.hostPid;
  const closed = new Promise<void>((r) => c.once('closed', () => r()));
  await c.request('shutdown', { reason: 'bench_done' }).catch(() => {});
  await closed;
  for (let i = 0; i < 200; i++) { try { process.kill(pid, 0); } catch { return; } await sleep(25); }
}

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PROGRAMS = path.join(ROOT, 'bench', 'programs');

const tempDirs: string[] = [];
export function tempDir(prefix = 'areyouj-bench-'): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  tempDirs.push(d);
  return d;
}
export function cleanupTemp() {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export interface ApiResult<T = any> { status: number; body: T; headers: Headers }

/** A server and how to authenticate to it (Authorization: Bearer <token>, as scripts do). */
export interface Target { url: string; headers(): Record<string, string> }
export const bearer = (token: () => string) => () => ({ authorization: `Bearer ${token()}` });

export async function api<T = any>(t: Target, method: string, url: string, body?: unknown): Promise<ApiResult<T>> {
  const res = await fetch(t.url + url, {
    method,
    headers: { ...t.headers(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

export async function ok<T = any>(p: Promise<ApiResult<T>>, what: string): Promise<T> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

function serverEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.AREYOUJ_TOKEN;
  return env;
}

export interface ChildServer extends Target {
  url: string;
  token: string;
  pid: number;
  /** The pid of the server's pty host (the process that runs the programs, their logs and screens). */
  hostPid(): Promise<number>;
  home: string;
  proc: ChildProcess;
  /** The tail of the server's stderr. */
  stderr(): string;
  api<T = any>(method: string, url: string, body?: unknown): Promise<ApiResult<T>>;
  /** fetch() against the server (a path under its URL), authenticated. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Starts `node --import tsx src/server/main.ts --home <home> --port 0` and waits for its URL. `env` is merged over this
 * process's environment (minus AREYOUJ_TOKEN); `stderr()` is its tail, or all of it with `keepStderr`.
 */
export async function startChildServer(opts: { home?: string; maxInstances?: number; args?: string[]; env?: Record<string, string>; preload?: string[]; keepStderr?: boolean } = {}): Promise<ChildServer> {
  const home = opts.home ?? tempDir();
  const proc = spawn(process.execPath, ['--import', 'tsx', ...(opts.preload ?? []).flatMap((p) => ['--import', p]), path.join(ROOT, 'src/server/main.ts'),
    '--home', home, '--port', '0', '--max-instances', String(opts.maxInstances ?? 200), ...(opts.args ?? [])],
  { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...serverEnv(), ...opts.env } });
  let out = '', err = '';
  proc.stderr!.on('data', (d) => { err += d; if (!opts.keepStderr && err.length > 20_000) err = err.slice(-10_000); });
  const [url, login] = await new Promise<[string, string]>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start in 30 s: ${out} ${err}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      const l = /Open the dashboard: (http:\/\/\S+)/.exec(out);
      if (m && l) { clearTimeout(t); resolve([m[1], l[1]]); }
    });
    proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`server exited (${code}): ${err}`)); });
  });
  proc.stdout!.resume();
  const token = new URL(login).searchParams.get('token')!;
  const target: Target = { url, headers: bearer(() => token) };
  return {
    url, token, headers: target.headers, pid: proc.pid!, home, proc, stderr: () => err,
    hostPid: async () => (await api(target, 'GET', '/api/info')).body.ptyHost.pid,
    api: (method, u, body) => api(target, method, u, body),
    fetch: (p, init) => fetch(url + p, { ...init, headers: { ...target.headers(), ...(init?.headers as Record<string, string> | undefined) } }),
    async close() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }
      await stopHost(home); // the server's agents outlive it: end them with their host
    },
  };
}

const CLK_TCK = 100; // Linux USER_HZ
const PAGE = 4096;

/** RSS (bytes) and CPU time (seconds, user+system) of a process, from /proc. */
export function procStats(pid: number): { rss: number; cpu: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": state=0 ... utime=11 stime=12 ... rss=21 (pages)
    const cpu = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    const rss = Number(f[21]) * PAGE;
    return { rss, cpu };
  } catch { return null; }
}

/** VmRSS from /proc/<pid>/status (bytes). */
export function vmRss(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch { return null; }
}

export interface Agent { id: string; name: string }

export async function createAgent(s: { api: ChildServer['api'] }, body: Record<string, unknown>): Promise<Agent> {
  return ok(s.api('POST', '/api/agents', { kind: 'generic', ...body }), 'create agent');
}

/** An agent running `sh -c 'stty raw -echo; exec <cmd>'`: raw output (no \n → \r\n), no kernel echo. */
export function rawCommand(cmd: string): { command: string; args: string[] } {
  return { command: '/bin/sh', args: ['-c', `stty raw -echo; exec ${cmd}`] };
}

export async function startInstance(s: { api: ChildServer['api'] }, agentId: string, body: Record<string, unknown> = {}): Promise<any> {
  return ok(s.api('POST', `/api/agents/${agentId}/instances`, body), 'start instance');
}

/** A terminal-channel client that counts (and optionally keeps) the binary bytes after the snapshot. */
export class TermClient {
  ws: WebSocket;
  snapshot: { data: string; cols: number; rows: number } | null = null;
  snapshotAt = 0;
  bytes = 0;
  chunks: Buffer[] | null;
  closed: { code: number; reason: string } | null = null;
  exit: any = null;
  opened: Promise<void>;
  gotSnapshot: Promise<void>;
  onBinary: ((b: Buffer) => void) | null = null;
  private waiters: (() => void)[] = [];

  constructor(t: Target, id: string, opts: { keep?: boolean } = {}) {
    this.chunks = opts.keep ? [] : null;
    this.ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/instances/${id}/terminal`, { perMessageDeflate: false, headers: t.headers() });
    this.opened = new Promise((resolve, reject) => { this.ws.once('open', () => resolve()); this.ws.once('error', reject); });
    let snap!: () => void;
    this.gotSnapshot = new Promise((r) => { snap = r; });
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const b = data as Buffer;
        this.bytes += b.length;
        this.chunks?.push(b);
        this.onBinary?.(b);
      } else {
        const m = JSON.parse(String(data));
        if (m.type === 'snapshot') { this.snapshot = m; this.snapshotAt = performance.now(); snap(); } else if (m.type === 'exit') this.exit = m;
      }
      this.wake();
    });
    this.ws.on('close', (code, reason) => { this.closed = { code, reason: String(reason) }; this.wake(); });
    this.ws.on('error', () => { /* close follows */ });
  }

  private wake() { for (const w of this.waiters.splice(0)) w(); }

  async until(pred: () => boolean, what: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`terminal client: timed out waiting for ${what} (${this.bytes} bytes, closed ${JSON.stringify(this.closed)})`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 200); });
    }
  }

  data(): Buffer { return Buffer.concat(this.chunks ?? []); }
  sendBinary(s: string | Buffer) { this.ws.send(typeof s === 'string' ? Buffer.from(s) : s, { binary: true }); }
  close() { this.ws.terminate(); }
}

/** Waits until `pred` is true, polling. */
export async function waitUntil(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
