// Query strings, strictly: each parameter once, as a string, with valid percent-encoding. Fastify's default parser
// turns `?project=a&project=b` into an array, which no route expects (it was a 500). The parser itself never throws
// (it runs inside the router); what it found wrong is checked by the guard, which answers 400.
export const QUERY_PROBLEM = Symbol('query problem');
export type Query = Record<string, string> & { [QUERY_PROBLEM]?: string };

/** At most this many parameters in one query string. */
const MAX_PARAMS = 32;

function decode(s: string): string | null {
  try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { return null; }
}

export function parseQuery(qs: string): Query {
  const out = Object.create(null) as Query;
  if (!qs) return out;
  const problem = (msg: string) => {
    if (!out[QUERY_PROBLEM]) Object.defineProperty(out, QUERY_PROBLEM, { value: msg, enumerable: false });
    return out;
  };
  const parts = qs.split('&');
  if (parts.length > MAX_PARAMS) return problem(`at most ${MAX_PARAMS} query parameters`);
  for (const part of parts) {
    if (part === '') continue;
    const i = part.indexOf('=');
    const key = decode(i < 0 ? part : part.slice(0, i));
    const value = decode(i < 0 ? '' : part.slice(i + 1));
    if (key === null || value === null) return problem(`malformed percent-encoding in the query parameter ${JSON.stringify(part.slice(0, 40))}`);
    if (key in out) return problem(`the query parameter ${JSON.stringify(key.slice(0, 40))} is repeated; give it once`);
    out[key] = value;
  }
  return out;
}

/** The request's query as parsed by the router, or parsed here for requests no route matched (Fastify gives null). */
export function queryOf(req: { query: unknown; url: string }): Query {
  if (req.query && typeof req.query === 'object') return req.query as Query;
  const i = req.url.indexOf('?');
  return parseQuery(i < 0 ? '' : req.url.slice(i + 1));
}
