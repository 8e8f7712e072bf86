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

/** `toStderr`: every line of the build goes to stderr (npm pack --json keeps stdout for its JSON). */
export function buildIfNeeded({ server = true, web = true, toStderr = false } = {}) {
  const stdio = toStderr ? ['ignore', 2, 2] : 'inherit';
  const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio });
  const log = toStderr ? console.error : console.log;
  const common = newest(path.join(root, 'src/common'));
  if (server && mtime(path.join(root, 'dist/server/main.js')) < Math.max(common, newest(path.join(root, 'src/server')), newest(path.join(root, 'src/ptyhost')))) {
    log('building the server (tsc)…');
    run([path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.server.json']);
  }
  const webOut = path.join(root, 'dist/web/index.html');
  if (web && fs.existsSync(path.join(root, 'src/web/index.html'))
    && mtime(webOut) < Math.max(common, newest(path.join(root, 'src/web')), mtime(path.join(root, 'vite.config.ts')))) {
    log('building the web app (vite)…');
    run([path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn']);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildIfNeeded();
