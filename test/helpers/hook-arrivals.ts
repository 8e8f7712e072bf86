// When an agent CLI's hook requests (Claude Code's by default) reach a server, seen from outside it (a listener on its HTTP server), for latency
// measurements: the bench and the latency test take the last arrival before the awaiting_input they waited for.
import type { Server } from 'node:http';

export function hookArrivals(server: Server, kind = 'claude') {
  const times: number[] = [];
  const onRequest = (req: { url?: string }) => { if (req.url?.startsWith(`/api/hooks/${kind}/`)) times.push(performance.now()); };
  server.on('request', onRequest);
  return {
    /** performance.now() of the last hook request that arrived before `t`. */
    lastBefore: (t: number): number | undefined => times.filter((x) => x <= t).at(-1),
    stop: () => { server.off('request', onRequest); },
  };
}
