// Starts a real AreYouJ server on loopback with a temp home, for integration tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostPaths } from '../../src/ptyhost/paths.js';
import { makeConfig, type Config } from '../../src/server/config.js';
import { HostClient } from '../../src/server/sessions/host-client.js';
import { startServer, type Server } from '../../src/server/server.js';

// A real tasks.db written by the original AreYouJ. The team's copy is ../shared/fixtures/areyouj-tasks.db beside the
// repo; test/fixtures holds the same bytes so that a clone without shared/ beside it runs the tests too.
const SHARED_FIXTURE = path.resolve(import.meta.dirname, '../../../shared/fixtures/areyouj-tasks.db');
export const FIXTURE_TASKS_DB = fs.existsSync(SHARED_FIXTURE) ? SHARED_FIXTURE : path.resolve(import.meta.dirname, '../fixtures/areyouj-tasks.db');
// A sample of the original AreYouJ's data folder (server/data: settings.json, queues/), same arrangement as the tasks.db.
const SHARED_LEGACY = path.resolve(import.meta.dirname, '../../../shared/fixtures/areyouj-legacy');
export const LEGACY_FIXTURE = fs.existsSync(SHARED_LEGACY) ? SHARED_LEGACY : path.resolve(import.meta.dirname, '../fixtures/areyouj-legacy');
/** A writable copy of the legacy sample in a temp folder (a fake checkout of the original). */
export function legacyCheckout(): string {
  const dir = tempDir('areyouj-legacy-');
  fs.cpSync(LEGACY_FIXTURE, dir, { recursive: true });
  for (const f of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) fs.chmodSync(path.join(f.parentPath, f.name), f.isDirectory() ? 0o755 : 0o644);
  return dir;
}
export const FAKE_AGENTS = path.resolve(import.meta.dirname, '../fixtures/agents');

export function tempDir(prefix = 'areyouj-test-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** A project directory holding a copy of the original AreYouJ fixture as docs/tasks.db. */
export function fixtureProject(): string {
  const dir = tempDir('areyouj-project-');
  fs.mkdirSync(path.join(dir, 'docs'));
  fs.copyFileSync(FIXTURE_TASKS_DB, path.join(dir, 'docs', 'tasks.db'));
  fs.chmodSync(path.join(dir, 'docs', 'tasks.db'), 0o644); // the fixture is read-only; the copy is a working file
  return dir;
}

export interface TestServer extends Server {
  home: string;
  /** The headers that authenticate a client (Authorization: Bearer <token>), as a script would send them. */
  headers(): Record<string, string>;
  /** A request as the user's own client (authenticated unless `headers` sets `authorization`; '' sends none). */
  api<T = any>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
}

/** Removes the headers given as '' (e.g. { authorization: '' }: send no Authorization at all). */
export function dropEmpty(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== ''));
}

/**
 * Pty hosts started by this test process (by in-process servers, or by servers it runs as child processes) end with it,
 * whatever happens to it (--watch-pid): no test leaves a host running.
 */
process.env.AREYOUJ_HOST_WATCH_PID ??= String(process.pid);

/**
 * A server on a temp home. close() stops every agent and the pty host too (tests clean up after themselves); pass
 * { stopAll: false } to stop the server alone, as Ctrl-C does (the agents go on in the pty host).
 */
export async function startTestServer(over: Partial<Config> = {}): Promise<TestServer> {
  const home = over.home ?? tempDir();
  const server = await startServer(makeConfig({ port: 0, graceMs: 1500, ...over, home }));
  const auth = () => ({ authorization: `Bearer ${server.token()}` });
  const close = server.close.bind(server);
  server.close = (opts = {}) => close({ stopAll: true, ...opts });
  const api = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(server.url + url, {
      method,
      headers: dropEmpty({ ...auth(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }),
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return Object.assign(server, { home, api, headers: auth });
}

/** Ends every agent of a home and its pty host (what `areyouj stop --all` does once the server is gone); waits for its exit. */
export async function stopHost(home: string): Promise<void> {
  let c: HostClient;
  try { c = await HostClient.connect(hostPaths(home)); } catch { return; }
  const pid = c.hello.hostPid;
  const closed = new Promise<void>((r) => c.once('closed', () => r()));
  await c.request('shutdown', { reason: 'test_done' }).catch(() => {});
  await closed;
  for (let i = 0; i < 400; i++) { try { process.kill(pid, 0); } catch { return; } await new Promise((r) => setTimeout(r, 25)); }
}
