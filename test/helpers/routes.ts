// Every route a server has registered, read from Fastify's own route tree, so that tests which must cover "every
// route" (authentication, the fuzz sweep) cover the routes added later too.
import type { FastifyInstance } from 'fastify';

export interface Route { method: string; path: string }

export function routesOf(app: FastifyInstance): Route[] {
  const out: Route[] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)$/.exec(line.replace(/\u00a0/g, ' '));
    if (!m) continue;
    const depth = m[1].length / 4;
    while (stack.length && stack.at(-1)!.depth >= depth) stack.pop();
    const path = (stack.at(-1)?.path ?? '') + m[2];
    stack.push({ depth, path });
    for (const method of m[3].split(', ')) if (method !== 'HEAD') out.push({ method, path });
  }
  return out;
}
