// When Claude Code's hooks reach a server, seen from outside it (a listener on its pty host link: hooks go to the pty
// host, which relays them), for latency measurements: the bench and the latency test take the last arrival before the
// awaiting_input they waited for.
import type { PtyHostLink } from '../../src/server/sessions/pty-host-link.js';

export function hookArrivals(link: PtyHostLink) {
  const times: number[] = [];
  const onHook = () => { times.push(performance.now()); };
  link.on('hook', onHook);
  return {
    /** performance.now() of the last hook that arrived before `t`. */
    lastBefore: (t: number): number | undefined => times.filter((x) => x <= t).at(-1),
    stop: () => { link.off('hook', onHook); },
  };
}

/** POSTs a hook body to the pty host's hooks socket as Claude Code's hook command does; resolves with the status. */
export async function postHook(socketPath: string, sid: string, body: string, secret?: string): Promise<number> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: `/hooks/${sid}`, method: 'POST', headers: {
      host: 'localhost', 'content-type': 'application/json', ...(secret !== undefined ? { 'x-areyouj-hook-secret': secret } : {}),
    } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end(body);
  });
}
