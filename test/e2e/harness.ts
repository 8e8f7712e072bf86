// End-to-end harness: a real AreYouJ server (child process, temp home) and Debian's Chromium through playwright-core.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS = path.join(ROOT, 'test-results');
export const FAKE_AGENT = path.join(ROOT, 'test', 'fixtures', 'agents', 'fake-agent.js');
export { FIXTURE_TASKS_DB as TASKS_FIXTURE } from '../helpers/server.js'; // the shared fixture, or its copy in test/fixtures
import { stopHost } from '../helpers/server.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Build dist/web when it is missing or older than src/web; a lock directory keeps parallel test files from building twice. */
export async function ensureWebBuild() {
  const index = path.join(ROOT, 'dist', 'web', 'index.html');
  const stale = () => !fs.existsSync(index) || fs.statSync(index).mtimeMs < Math.max(newestMtime(path.join(ROOT, 'src', 'web')),
    fs.statSync(path.join(ROOT, 'vite.config.ts')).mtimeMs, fs.statSync(path.join(ROOT, 'src', 'common', 'schema.ts')).mtimeMs);
  if (!stale()) return;
  const lock = path.join(ROOT, 'dist', '.web-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try { fs.mkdirSync(lock); break; } catch {
      // Someone else is building: wait for them (a lock older than 2 minutes is abandoned).
      try { if (Date.now() - fs.statSync(lock).mtimeMs > 120_000) fs.rmSync(lock, { recursive: true, force: true }); } catch { /* gone */ }
      await new Promise((r) => setTimeout(r, 200));
      if (!fs.existsSync(lock) && !stale()) return;
    }
  }
  try {
    if (!stale()) return;
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface Server {
  url: string; home: string; proc: ChildProcess;
  /** Stops the server and (unless keepAgents: a restart) its agents and pty host. */
  stop: (opts?: { keepAgents?: boolean }) => Promise<void>;
  api: <T = any>(method: string, p: string, body?: unknown) => Promise<T>;
}

export async function startServer(opts: { home?: string; args?: string[] } = {}): Promise<Server> {
  const home = opts.home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'areyouj-e2e-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'server', 'main.ts'), '--home', home, '--port', '0', ...(opts.args ?? [])],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AREYOUJ_TOKEN: '' } });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${out}`)); });
  });
  proc.stdout!.resume();
  proc.stderr!.resume();
  const api = async <T,>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(url + p, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const stop = async (o: { keepAgents?: boolean } = {}) => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    if (!o.keepAgents) await stopHost(home); // the agents outlive the server: end them with their host
  };
  return { url, home, proc, stop, api };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function newPage(browser: Browser, viewport = { width: 1440, height: 900 }, opts: { isMobile?: boolean; hasTouch?: boolean } = {}):
  Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, ...opts });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => { errors.push(`unexpected dialog: ${d.message()}`); void d.dismiss(); });
  return { context, page, errors };
}

export async function shot(page: Page, name: string) {
  fs.mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`), animations: 'disabled' });
}

/** The visible text of an instance's terminal (xterm's DOM renderer). */
export async function termText(page: Page, instanceId: string): Promise<string> {
  return page.locator(`[data-testid="terminal-${instanceId}"] .xterm-rows`).innerText();
}

export async function waitForTerm(page: Page, instanceId: string, re: RegExp, timeout = 15_000) {
  await page.waitForFunction(([id, src, flags]) => {
    const el = document.querySelector(`[data-testid="terminal-${id}"] .xterm-rows`) as HTMLElement | null;
    return !!el && new RegExp(src, flags).test(el.innerText.replace(/\u00a0/g, ' '));
  }, [instanceId, re.source, re.flags] as const, { timeout });
}

export function rmHome(home: string) {
  try { fs.rmSync(home, { recursive: true, force: true }); } catch { /* best effort */ }
}

/** After a suite: the browser, the server, its home and any other temp dirs, whichever were set up. */
export async function teardown(browser: Browser | undefined, srv: Server | undefined, ...dirs: (string | undefined)[]) {
  await browser?.close();
  await srv?.stop();
  for (const d of [srv?.home, ...dirs]) if (d) rmHome(d);
}
