// The Fastify app: guards, JSON errors everywhere, compression, static files for the web app (hashed ones cached for good). Routes are registered by each domain.
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import zlib from 'node:zlib';
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { Auth } from './auth.js';
import { ApiError, toApiError } from './errors.js';
import { makeGuard, type GuardConfig } from './guards.js';
import { parseQuery } from './query.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface AppOptions { guard: GuardConfig; auth: Auth; bodyLimit: number; webRoot: string | null; logger?: boolean }

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request'],
};

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
  + "connect-src 'self'; font-src 'self' data:; media-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

export async function buildApp(opts: AppOptions): Promise<{ app: FastifyInstance; guard: ReturnType<typeof makeGuard> }> {
  const app = Fastify({
    logger: opts.logger ?? false, bodyLimit: opts.bodyLimit, forceCloseConnections: true,
    routerOptions: { maxParamLength: 500, querystringParser: parseQuery },
    // The router's own refusals (a malformed percent-encoding in the path, a segment over maxParamLength) in the API's
    // error format too.
    frameworkErrors: (err, _req, reply) => {
      const long = (err as FastifyError).code === 'FST_ERR_MAX_PARAM_LENGTH';
      (reply as FastifyReply).code(long ? 414 : 400).send({ error: long
        ? { code: 'uri_too_long', message: 'a segment of the path is longer than 500 characters' }
        : { code: 'bad_url', message: 'the path is not a valid URL (malformed percent-encoding)' } });
    },
  });
  const guard = makeGuard(opts.guard);

  app.addHook('onRequest', async (req, reply) => {
    guard.check(req);
    if (opts.auth.check(req, reply) === 'answered') return reply; // the login redirect or the login page
  });

  // A WebSocket upgrade that is refused (401, 403, 404…) gets its answer and the connection closes at once: the socket
  // was taken from the HTTP server for the upgrade, so nothing else would close it.
  const refusedUpgrade = (req: { raw: { headers: { upgrade?: string } } }, status: number) => req.raw.headers.upgrade !== undefined && status !== 101;
  app.addHook('onSend', async (req, reply, payload) => {
    if (refusedUpgrade(req, reply.statusCode)) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    if (refusedUpgrade(req, reply.statusCode)) req.raw.socket?.end();
  });

  // Defence in depth for the web app: no inline or foreign scripts, no framing, no sniffing.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY')
      .header('content-security-policy', CSP);
    return payload;
  });

  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    const api = toApiError(err);
    if (api) {
      return reply.status(api.status).send({ error: { code: api.code, message: api.message, ...(api.details !== undefined ? { details: api.details } : {}) } });
    }
    const fe = err as FastifyError;
    const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
    if (known) {
      const message = known[0] === 415 ? 'send JSON with Content-Type: application/json' : known[0] === 413 ? `the body is larger than ${opts.bodyLimit} bytes` : fe.message;
      return reply.status(known[0]).send({ error: { code: known[1], message } });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ error: { code: 'bad_request', message: fe.message } });
    }
    // Never the query's values or any header: they can carry the token, a session id or a hook secret.
    process.stderr.write(`[areyouj] internal error on ${req.method} ${redactUrl(req.url)}: ${err.stack ?? err}\n`);
    return reply.status(500).send({ error: { code: 'internal', message: 'internal server error' } });
  });

  // JSON bodies only; an empty body on POST is taken as {} so that action routes need no payload.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json'], { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try { done(null, JSON.parse(text)); } catch {
      done(new ApiError(400, 'invalid_json', 'the body is not valid JSON'), undefined);
    }
  });

  await app.register(fastifyWebsocket, { options: { maxPayload: opts.bodyLimit } });
  // Replies (the web app's files, JSON) compressed with brotli or gzip, as the browser accepts; a quick brotli level,
  // since it runs per reply. The event stream and the terminal channels write to the socket themselves: not compressed.
  await app.register(fastifyCompress, {
    encodings: ['br', 'gzip'], threshold: 1024,
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } },
  });

  if (opts.webRoot && fs.existsSync(path.join(opts.webRoot, 'index.html'))) {
    // Vite names what it builds under assets/ by their content's hash: a browser may keep those for good. index.html
    // (and the app's routes, which serve it) is checked every time, so a new build is picked up at once.
    await app.register(fastifyStatic, {
      root: opts.webRoot, wildcard: false, index: ['index.html'], cacheControl: false,
      setHeaders: (res, file) => {
        res.setHeader('cache-control', path.relative(opts.webRoot!, file).startsWith(`assets${path.sep}`) ? IMMUTABLE : 'no-cache');
      },
    });
  }
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0];
    if (req.method === 'GET' && !url.startsWith('/api/') && opts.webRoot && fs.existsSync(path.join(opts.webRoot, 'index.html'))) {
      return reply.type('text/html').sendFile('index.html'); // the app's client-side routes
    }
    reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${url}` } });
  });
  return { app, guard };
}

/** A URL fit for a log: the path and the query's parameter names, never their values. */
export function redactUrl(url: string): string {
  const i = url.indexOf('?');
  if (i < 0) return url.slice(0, 500);
  const names = url.slice(i + 1).split('&').map((p) => `${p.split('=', 1)[0].slice(0, 40)}=…`);
  return `${url.slice(0, Math.min(i, 500))}?${names.join('&')}`;
}
