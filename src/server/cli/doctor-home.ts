// `areyouj doctor`, the home and the port: the home's files and their permissions (AreYouJ's own data, owner-only:
// agents.db, docs/logs, docs/run, docs/worktrees), agents.db's schema version (read-only: a database from a newer
// AreYouJ is reported, never opened for writing), and the port: free, or held by an AreYouJ server of this home that
// answers GET /api/info.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { DoctorCheck } from '../../common/doctor.js';
import { agentsDbPath, readSchemaVersion, SCHEMA_VERSION, SchemaTooNewError } from '../agents/db.js';

const uid = typeof process.getuid === 'function' ? process.getuid() : null;
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0');
const MAX_SCANNED = 10_000;

/** The home itself and docs/: directories this user owns and can write (they are made at first start when missing). */
export function checkHome(home: string): DoctorCheck {
  const base = { id: 'home', title: 'home', required: true, path: home };
  let st: fs.Stats;
  try { st = fs.statSync(home); } catch { return { ...base, status: 'fail', detail: 'does not exist', fix: `create it (mkdir -p ${home}) or pass another --home` }; }
  if (!st.isDirectory()) return { ...base, status: 'fail', detail: 'is not a directory', fix: 'pass a directory as --home' };
  const docs = path.join(home, 'docs');
  let target = home;
  let what = 'no docs/ yet: made at first start';
  try {
    const d = fs.statSync(docs);
    if (!d.isDirectory()) return { ...base, status: 'fail', detail: `${docs} is not a directory`, fix: `move ${docs} away: AreYouJ keeps its data in docs/` };
    if (uid !== null && d.uid !== uid) return { ...base, status: 'fail', detail: `${docs} belongs to another user (uid ${d.uid})`, fix: 'run AreYouJ as the user who owns the home, or pass another --home' };
    target = docs;
    what = 'docs/ present';
  } catch { /* not made yet */ }
  try { fs.accessSync(target, fs.constants.W_OK | fs.constants.X_OK); } catch {
    return { ...base, status: 'fail', detail: `${target} is not writable by this user`, fix: `make it writable (chmod u+rwx ${target}) or pass another --home` };
  }
  return { ...base, status: 'ok', detail: `writable; ${what}` };
}

/** agents.db (and its -wal/-shm): its schema version and its mode (0600 expected). */
export function checkAgentsDb(home: string): DoctorCheck {
  const file = agentsDbPath(home);
  const base = { id: 'agents.db', title: 'docs/agents.db', required: true, path: file };
  if (!fs.existsSync(file)) return { ...base, status: 'ok', detail: 'none yet: made at first start' };
  let version: number | null;
  try { version = readSchemaVersion(file); } catch (e) {
    return { ...base, status: 'fail', detail: `cannot be read: ${(e as Error).message}`, fix: `check the file; a damaged database can be moved away (mv ${file} ${file}.bad) for AreYouJ to start a new one` };
  }
  if (version !== null && version > SCHEMA_VERSION) {
    return { ...base, status: 'fail', version: String(version), detail: new SchemaTooNewError(file, version).message, fix: 'upgrade AreYouJ (npm install -g areyouj@latest), or pass another --home' };
  }
  const v = version ?? 0;
  const schema = v === SCHEMA_VERSION ? `schema version ${v}, this version's` : `schema version ${v}: migrated to ${SCHEMA_VERSION} at the next start (data kept)`;
  const open = [file, `${file}-wal`, `${file}-shm`].filter((f) => {
    try { return (fs.lstatSync(f).mode & 0o077) !== 0; } catch { return false; }
  });
  if (open.length) {
    return { ...base, status: 'warn', version: String(v), detail: `${schema}; readable by other users: ${open.map((f) => `${path.basename(f)} (${octal(fs.lstatSync(f).mode)})`).join(', ')}`, fix: `chmod 600 ${open.join(' ')}` };
  }
  return { ...base, status: 'ok', version: String(v), detail: `${schema}; owner-only` };
}

/** One of AreYouJ's own folders under docs/: owner-only (0700), and so is everything in it (`deep`). */
export function checkOwnerOnlyDir(home: string, name: 'logs' | 'run' | 'worktrees', deep: boolean): DoctorCheck {
  const dir = path.join(home, 'docs', name);
  const base = { id: `dir:${name}`, title: `docs/${name}`, required: true, path: dir };
  let st: fs.Stats;
  try { st = fs.lstatSync(dir); } catch { return { ...base, status: 'ok', detail: 'none yet: made when first needed' }; }
  if (!st.isDirectory()) return { ...base, status: 'fail', detail: 'is not a directory', fix: `move ${dir} away` };
  if (uid !== null && st.uid !== uid) return { ...base, status: 'fail', detail: `belongs to another user (uid ${st.uid})`, fix: 'run AreYouJ as the user who owns the home, or pass another --home' };
  const loose: string[] = [];
  if (st.mode & 0o077) loose.push(`docs/${name} (${octal(st.mode)})`);
  let scanned = 0;
  const scan = (d: string) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (++scanned > MAX_SCANNED) return;
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) continue;
      try { if (fs.lstatSync(p).mode & 0o077) loose.push(path.relative(path.join(home, 'docs'), p)); } catch { continue; }
      if (e.isDirectory()) scan(p);
    }
  };
  if (deep) scan(dir);
  const n = Math.min(scanned, MAX_SCANNED);
  if (!loose.length) return { ...base, status: 'ok', detail: deep ? `owner-only, and so ${n === 1 ? 'is the 1 entry' : `are the ${n} entries`} in it` : 'owner-only' };
  return {
    ...base, status: 'warn',
    detail: `other users can read or enter ${loose.length === 1 ? '' : `${loose.length} entries, e.g. `}${loose.slice(0, 3).join(', ')}`,
    fix: `chmod -R go-rwx ${deep ? dir : ''}${deep ? '' : `${dir} (its contents are the projects' own files)`}`,
  };
}

export interface PortOptions { home: string; host: string; port: number; token: string | null }

const PROBE_TIMEOUT_MS = 3000;

/** Whether host:port can be listened on: null when free, else the error code (EADDRINUSE, EACCES, ...). */
function tryListen(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(null)));
  });
}

type Probe = { kind: 'areyouj'; version: string; schemaVersion?: number; home: string } | { kind: 'foreign' } | { kind: 'unauthorized' } | { kind: 'other'; why: string };

/** Asks whatever listens at `url` for /api/info, with a deadline. */
async function probe(url: string, token: string | null): Promise<Probe> {
  try {
    const res = await fetch(`${url}/api/info`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), headers: token ? { authorization: `Bearer ${token}` } : {} });
    const body = await res.json().catch(() => null) as { version?: unknown; home?: unknown; schemaVersion?: unknown; error?: { code?: unknown } } | null;
    // AreYouJ refuses a wrong token with its own error format: another home's server (every server wants its token).
    if (res.status === 401) return body?.error?.code === 'unauthorized' ? { kind: 'foreign' } : { kind: 'unauthorized' };
    if (res.ok && body && typeof body.version === 'string' && typeof body.home === 'string') {
      return { kind: 'areyouj', version: body.version, home: body.home, ...(typeof body.schemaVersion === 'number' ? { schemaVersion: body.schemaVersion } : {}) };
    }
    return { kind: 'other', why: `it answers /api/info with HTTP ${res.status}, not as AreYouJ` };
  } catch (e) {
    const name = (e as Error).name;
    return { kind: 'other', why: name === 'TimeoutError' ? `nothing answers /api/info within ${PROBE_TIMEOUT_MS / 1000} s` : `it does not speak HTTP (${(e as Error).message})` };
  }
}

const same = (a: string, b: string) => {
  const real = (p: string) => { try { return fs.realpathSync(p); } catch { return path.resolve(p); } };
  return real(a) === real(b);
};

/** The port: free (ok), held by this home's AreYouJ server that answers (ok), or held by anything else (fail). */
export async function checkPort(o: PortOptions): Promise<DoctorCheck> {
  const base = { id: 'port', title: `port ${o.port}`, required: true };
  if (o.port === 0) return { ...base, status: 'ok', detail: 'port 0: a free port is picked at start' };
  const err = await tryListen(o.host, o.port);
  if (err === null) return { ...base, status: 'ok', detail: 'free; no AreYouJ server listens there now' };
  const other = `use another port (--port ${o.port + 1}, or --port 0 for any free one)`;
  if (err === 'EACCES') return { ...base, status: 'fail', detail: `this user may not listen on port ${o.port}`, fix: other };
  if (err !== 'EADDRINUSE') return { ...base, status: 'fail', detail: `cannot listen on ${o.host}:${o.port} (${err})`, fix: `check --host (an address of this machine) or ${other}` };
  const connectHost = o.host === '0.0.0.0' ? '127.0.0.1' : o.host === '::' ? '::1' : o.host;
  const url = `http://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${o.port}`;
  const p = await probe(url, o.token);
  const find = `find what holds it (ss -ltnp 'sport = :${o.port}', or lsof -i :${o.port}) and stop it, or ${other}`;
  if (p.kind === 'areyouj' && same(p.home, o.home)) {
    const schema = p.schemaVersion === undefined ? '' : `, schema ${p.schemaVersion}`;
    return { ...base, status: 'ok', version: p.version, detail: `in use by this home's AreYouJ server (${p.version}${schema}), which answers at ${url}` };
  }
  if (p.kind === 'areyouj') return { ...base, status: 'fail', version: p.version, detail: `in use by an AreYouJ server for another home (${p.home})`, fix: other };
  if (p.kind === 'foreign') return { ...base, status: 'fail', detail: 'in use by an AreYouJ server for another home (it refuses this home\'s token)', fix: other };
  if (p.kind === 'unauthorized') return { ...base, status: 'fail', detail: 'in use by a server that refuses this home\'s token (another AreYouJ home, or another program)', fix: find };
  return { ...base, status: 'fail', detail: `in use by another program: ${p.why}`, fix: find };
}
