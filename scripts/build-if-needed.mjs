// Builds the server (tsc) and the web app (vite) when their output is missing or older than their sources.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir) {
  let t = 0;
  if (!fs.existsSync(dir)) return t;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}
const mtime = (p) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0);
const run = (args, env = {}) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

/** `webDev`: also the development build the browser tests run (dist/web-dev: React's checks and warnings on). */
export function buildIfNeeded({ server = true, web = true, webDev = false } = {}) {
  const common = newest(path.join(root, 'src/common'));
  if (server && mtime(path.join(root, 'dist/server/main.js')) < Math.max(common, newest(path.join(root, 'src/server')))) {
    console.log('building the server (tsc)…');
    run([path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.server.json']);
  }
  const webSrc = Math.max(common, newest(path.join(root, 'src/web')), mtime(path.join(root, 'vite.config.ts')));
  const vite = path.join(root, 'node_modules/vite/bin/vite.js');
  if (!fs.existsSync(path.join(root, 'src/web/index.html'))) return;
  if (web && mtime(path.join(root, 'dist/web/index.html')) < webSrc) {
    console.log('building the web app (vite)…');
    run([vite, 'build', '--logLevel', 'warn'], { NODE_ENV: 'production' });
  }
  if (webDev && mtime(path.join(root, 'dist/web-dev/index.html')) < webSrc) {
    console.log('building the web app for the browser tests (vite, development)…');
    run([vite, 'build', '--logLevel', 'warn', '--outDir', path.join(root, 'dist/web-dev'), '--emptyOutDir'], { NODE_ENV: 'development' });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildIfNeeded();
