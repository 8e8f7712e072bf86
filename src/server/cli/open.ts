// `areyouj --open`: open the dashboard in the user's browser with the platform's opener (xdg-open, open, start).
// A URL that carries the token is not put on the opener's command line (any local user can read a process's
// arguments): it goes into an owner-only page under docs/run that redirects to it, and the opener gets that file, as
// Jupyter does.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The opener for this platform: the program and its arguments before the target. */
export function opener(platform = process.platform): { cmd: string; args: string[]; install: string } {
  if (platform === 'darwin') return { cmd: 'open', args: [], install: 'open is part of macOS' };
  if (platform === 'win32') return { cmd: 'cmd', args: ['/c', 'start', '""'], install: 'start is part of Windows' };
  return { cmd: 'xdg-open', args: [], install: 'install xdg-utils (Debian/Ubuntu: apt-get install xdg-utils)' };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Writes <runDir>/open.html (0600, replaced each time, never through a link) redirecting to `url`; returns its path. */
export function redirectPage(runDir: string, url: string): string {
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const file = path.join(runDir, 'open.html');
  fs.rmSync(file, { force: true });
  const u = escapeHtml(url);
  fs.writeFileSync(file, `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${u}">` +
    `<title>AreYouJ</title><p><a href="${u}">Open AreYouJ</a></p>\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

/**
 * Opens `url` in the browser. Resolves with null once the opener started, or with a message saying why it could not
 * (the opener missing or failing at once), for the caller to print beside the URL. Never throws.
 */
export function openInBrowser(url: string, runDir: string): Promise<string | null> {
  const o = opener();
  let target = url;
  try {
    if (/[?&]token=/.test(url)) target = pathToFileURL(redirectPage(runDir, url)).href;
  } catch (e) {
    return Promise.resolve(`could not write the page that opens the dashboard (${(e as Error).message}); open the URL above yourself`);
  }
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(o.cmd, [...o.args, target], { stdio: 'ignore', detached: true });
    } catch (e) {
      resolve(`could not run ${o.cmd} (${(e as Error).message}); open the URL above yourself`);
      return;
    }
    child.once('error', (e: NodeJS.ErrnoException) => {
      resolve(e.code === 'ENOENT'
        ? `cannot open a browser: ${o.cmd} is not installed (${o.install}); open the URL above yourself`
        : `cannot open a browser: ${o.cmd} failed (${e.message}); open the URL above yourself`);
    });
    // xdg-open returns at once when it hands the page to a browser; a failure (no browser, no display) ends it
    // with a non-zero code, which is reported. It may also wait for a browser it started itself: not waited for.
    child.once('exit', (code) => {
      if (code) process.stderr.write(`areyouj: ${o.cmd} could not open a browser (exit code ${code}); open the URL yourself\n`);
    });
    child.once('spawn', () => { child.unref(); resolve(null); });
  });
}
