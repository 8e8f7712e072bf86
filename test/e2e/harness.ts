// End-to-end harness: a real AreYouJ server (child process, temp home) and Debian's Chromium through playwright-core.
// The server serves a development build of the web app (dist/web-test), so React's warnings reach the console; every
// page error, console error or warning fails the test during which it happened (see newPage).
import assert from 'node:assert/strict';
import { afterEach } from 'node:test';
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

/** The development build of the web app the tests serve (React's warnings on; never served by `npm start`). */
const WEB_TEST = path.join(ROOT, 'dist', 'web-test');
/** The production build (`npm run build`, what `npm start` serves), for the tests of what users get (compression, caching). */
const WEB_PROD = path.join(ROOT, 'dist', 'web');

/**
 * Build dist/web-test (or, with 'prod', dist/web) when it is missing or older than src/web; a lock directory keeps
 * parallel test files from building twice.
 */
export async function ensureWebBuild(which: 'test' | 'prod' = 'test') {
  const out = which === 'prod' ? WEB_PROD : WEB_TEST;
  const index = path.join(out, 'index.html');
  const stale = () => !fs.existsSync(index) || fs.statSync(index).mtimeMs < Math.max(newestMtime(path.join(ROOT, 'src', 'web')),
    fs.statSync(path.join(ROOT, 'vite.config.ts')).mtimeMs, fs.statSync(path.join(ROOT, 'src', 'common', 'schema.ts')).mtimeMs);
  if (!stale()) return;
  const lock = path.join(ROOT, 'dist', `.web-build-${which}.lock`);
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
    const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    const r = which === 'prod'
      ? spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } })
      : spawnSync(process.execPath, [vite, 'build', '--mode', 'development', '--outDir', WEB_TEST, '--logLevel', 'warn'],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'development' } });
    if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface Server {
  url: string; home: string; proc: ChildProcess;
  /** The URL it printed to open the dashboard (`/?token=…`): a browser logs in with it once. */
  loginUrl: string;
  token: string;
  /** Stops the server and (unless keepAgents: a restart) its agents and pty host. */
  stop: (opts?: { keepAgents?: boolean }) => Promise<void>;
  api: <T = any>(method: string, p: string, body?: unknown) => Promise<T>;
}

/** A real server (a child process) serving the development build of the web app, or the production one (`web: 'prod'`). */
export async function startServer(opts: { home?: string; args?: string[]; web?: 'test' | 'prod' } = {}): Promise<Server> {
  const home = opts.home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'areyouj-e2e-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'server', 'main.ts'), '--home', home, '--port', '0', ...(opts.args ?? [])],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AREYOUJ_TOKEN: '', AREYOUJ_WEB_ROOT: opts.web === 'prod' ? WEB_PROD : WEB_TEST } });
  let out = '';
  const [url, loginUrl] = await new Promise<[string, string]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      const login = /Open the dashboard: (http:\/\/\S+)/.exec(out);
      if (m && login) { clearTimeout(timer); resolve([m[1], login[1]]); }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${out}`)); });
  });
  proc.stdout!.resume();
  proc.stderr!.resume();
  const token = new URL(loginUrl).searchParams.get('token')!;
  const api = async <T,>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(url + p, {
      method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    });
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
  return { url, home, proc, loginUrl, token, stop, api };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Every page's problems so far; checked (and emptied) after each test. */
const pages: string[][] = [];

/**
 * A page in a fresh browser context, logged in to `srv` the way a user does it: by opening the URL it printed, once
 * (`srv` null: not logged in). Its problems are collected: uncaught errors, console errors and warnings (React's
 * included, from the development build), unexpected dialogs. Any of them fails the test during which it happened;
 * nothing is allowed.
 */
export async function newPage(browser: Browser, srv: Pick<Server, 'loginUrl' | 'url'> | null, viewport = { width: 1440, height: 900 },
  opts: { isMobile?: boolean; hasTouch?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, ...opts });
  const page = await context.newPage();
  const errors: string[] = [];
  pages.push(errors);
  page.on('pageerror', (e) => errors.push(`page error: ${String(e)}`));
  page.on('console', (m) => {
    // xterm.js's idle task queue notes a task that ran past the browser's idle deadline: timing on a loaded machine,
    // not a problem of the page (it made tests fail at random under load).
    if (m.type() === 'warning' && /^task queue exceeded allotted deadline by \d+ms$/.test(m.text())) return;
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()} (${m.location().url}:${m.location().lineNumber})`);
  });
  page.on('dialog', (d) => { errors.push(`unexpected dialog: ${d.message()}`); void d.dismiss(); });
  if (srv) {
    const res = await page.goto(srv.loginUrl);
    if (res?.status() !== 200 || page.url() !== `${srv.url}/`) throw new Error(`login failed: ${res?.status()} at ${page.url()}`);
  }
  return { context, page, errors };
}

/**
 * Problems a test causes on purpose (a 400 that a form shows beside its field, the server stopped): said where they
 * happen, removed from the page's list, and each pattern must match at least one, so an expectation cannot outlive
 * its cause unnoticed.
 */
export function expectProblems(errors: string[], ...patterns: RegExp[]) {
  for (const re of patterns) {
    const rest = errors.filter((e) => !re.test(e));
    assert.ok(rest.length < errors.length, `expected the browser to report ${re}; it reported: ${errors.join('\n') || 'nothing'}`);
    errors.splice(0, errors.length, ...rest);
  }
}

// After each test of a file that uses the harness: no page may have had a problem during it.
afterEach(() => {
  const problems = pages.flatMap((p) => p.splice(0));
  if (problems.length) throw new Error(`the browser reported ${problems.length} problem(s) during this test:\n${problems.join('\n')}`);
});

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
