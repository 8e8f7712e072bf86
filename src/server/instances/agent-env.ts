// The environment agents run with: the server's, minus what must not leak into them (our token, npm's script
// variables) and minus AreYouJ's own node_modules/.bin on PATH (issue 11). `npm start` puts those first on PATH, so
// without this `claude` in an agent would run AreYouJ's test copy of Claude Code (another version, needing another
// Node) instead of the user's own install. Tests name their copies by absolute path.
import path from 'node:path';
import { PACKAGE_ROOT } from '../config.js';

/** PATH without the node_modules/.bin folders npm adds for a package at `root` (its own and its ancestors'). */
export function stripOwnBins(pathVar: string, root = PACKAGE_ROOT): string {
  const own = new Set<string>();
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    own.add(path.join(dir, 'node_modules', '.bin'));
    if (path.dirname(dir) === dir) break;
  }
  return pathVar
    .split(':')
    .filter((d) => !(d && (own.has(path.resolve(d)) || /[/\\]@npmcli[/\\]run-script[/\\]lib[/\\]node-gyp-bin$/.test(d))))
    .join(':');
}

/** The server's environment as agents get it (before the agent's own variables are laid over it). */
export function agentBaseEnv(env: NodeJS.ProcessEnv = process.env, root = PACKAGE_ROOT): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || k === 'AREYOUJ_TOKEN' || k.startsWith('npm_')) continue;
    out[k] = v;
  }
  if (out.PATH !== undefined) out.PATH = stripOwnBins(out.PATH, root);
  return out;
}
