import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCROLLBACK, TERMINATE_GRACE_MS } from '../common/limits.js';
import { BODY_LIMIT_BYTES, DEFAULT_MAX_INSTANCES, SSE_HEARTBEAT_MS } from './limits.js';

export interface Config {
  home: string;
  host: string;
  port: number;
  token: string | null;
  maxInstances: number;
  /** Lines of scrollback the server keeps per instance (snapshots on attach); the full output is in the log. */
  scrollback: number;
  bodyLimit: number;
  heartbeatMs: number;
  graceMs: number;
  version: string;
  /** The built web app (dist/web), or null to serve the API only. */
  webRoot: string | null;
  /** <home>/docs/logs: every instance's raw output. */
  logsDir: string;
  /** <home>/docs/run: AreYouJ's own per-instance files (e.g. Claude Code settings). */
  runDir: string;
  /** <home>/docs/worktrees: the agents' own git worktrees, owner-only. */
  worktreesDir: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
// src/server or dist/server: the package root is two levels up either way.
export const PACKAGE_ROOT = path.resolve(here, '..', '..');

export function readVersion(): string {
  try { return JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).version; } catch { return '0.0.0'; }
}

export function makeConfig(over: Partial<Config> & { home: string }): Config {
  const home = path.resolve(over.home);
  // The built web app: dist/web, or $AREYOUJ_WEB_ROOT (the browser tests serve a development build, which logs React's warnings).
  const web = process.env.AREYOUJ_WEB_ROOT ? path.resolve(process.env.AREYOUJ_WEB_ROOT) : path.join(PACKAGE_ROOT, 'dist', 'web');
  return {
    host: '127.0.0.1', port: 3001, token: null, maxInstances: DEFAULT_MAX_INSTANCES, scrollback: DEFAULT_SCROLLBACK, bodyLimit: BODY_LIMIT_BYTES,
    heartbeatMs: SSE_HEARTBEAT_MS, graceMs: TERMINATE_GRACE_MS,
    version: readVersion(), webRoot: fs.existsSync(path.join(web, 'index.html')) ? web : null,
    logsDir: path.join(home, 'docs', 'logs'), runDir: path.join(home, 'docs', 'run'), worktreesDir: path.join(home, 'docs', 'worktrees'),
    ...over,
    home,
  };
}
