// `areyouj doctor` as a user runs it (the built command, a child process): a healthy machine, a CLI missing from PATH,
// a CLI that hangs, and the required checks that fail (the port held by another program or another home's server).
// The agent CLIs are stand-ins on a PATH of the test's own (they print a version as the real ones do); git and gh are
// the real ones, linked into it.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DoctorReport } from '../../src/common/doctor.js';
import { SCHEMA_VERSION } from '../../src/server/agents/db.js';
import { readVersion } from '../../src/server/config.js';
import { runCli, runCliToEnd, type CliRun } from '../helpers/cli.js';
import { tempDir } from '../helpers/server.js';

const IDS = ['node', 'better-sqlite3', 'node-pty', 'cli:claude', 'cli:codex', 'cli:gemini', 'cli:aider', 'cli:git', 'cli:gh', 'home', 'agents.db', 'dir:logs', 'dir:run', 'dir:worktrees', 'port'];
const FAKES: Record<string, string> = {
  claude: 'echo "2.1.330 (Claude Code)"',
  codex: 'echo "codex-cli 0.171.0"',
  gemini: 'echo "0.61.0"',
  aider: 'echo "aider 0.86.1"',
};

/** A PATH directory with the stand-ins and links to the real git and gh; `omit` leaves some out, `extra` adds scripts. */
function binDir(omit: string[] = [], extra: Record<string, string> = {}): string {
  const dir = tempDir('areyouj-doctor-bin-');
  for (const [name, body] of Object.entries({ ...FAKES, ...extra })) {
    if (!omit.includes(name)) fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  for (const real of ['git', 'gh']) if (!omit.includes(real) && !extra[real]) fs.symlinkSync(`/usr/bin/${real}`, path.join(dir, real));
  return dir;
}

async function doctor(args: string[], bin: string) {
  const r = await runCliToEnd(['doctor', '--json', ...args], { env: { ...process.env, PATH: bin } });
  let report: DoctorReport;
  try { report = DoctorReport.parse(JSON.parse(r.stdout)); } catch (e) { throw new Error(`not a doctor report (${(e as Error).message}):\n${r.stdout}\n${r.stderr}`); }
  const check = (id: string) => { const c = report.checks.find((x) => x.id === id); assert.ok(c, `no check ${id}`); return c; };
  return { code: r.code, report, check, stderr: r.stderr };
}

/** What the server makes owner-only (issue 15): agents.db and its WAL files, docs/logs and docs/run with their contents. */
function ownerOnly(home: string) {
  const docs = path.join(home, 'docs');
  for (const f of fs.readdirSync(docs)) if (f.startsWith('agents.db')) fs.chmodSync(path.join(docs, f), 0o600);
  for (const d of ['logs', 'run']) {
    const dir = path.join(docs, d);
    if (!fs.existsSync(dir)) continue;
    fs.chmodSync(dir, 0o700);
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) fs.chmodSync(path.join(dir, f), fs.statSync(path.join(dir, f)).isDirectory() ? 0o700 : 0o600);
  }
}

const alive = (pid: number) => { try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; } };

describe('areyouj doctor', () => {
  let home: string;
  let srv: CliRun;
  let port: number;

  before(async () => {
    home = tempDir();
    srv = runCli(['--home', home, '--port', '0']);
    port = Number(new URL(await srv.url()).port);
  });
  after(() => srv.stop());

  test('a healthy machine, with this home\'s server running: every required check passes, exit code 0, the JSON shape', async () => {
    ownerOnly(home);
    const d = await doctor(['--home', home, '--port', String(port)], binDir());
    assert.equal(d.code, 0, JSON.stringify(d.report.checks.filter((c) => c.status !== 'ok'), null, 1));
    assert.equal(d.report.ok, true);
    assert.equal(d.report.version, readVersion());
    assert.equal(d.report.schemaVersion, SCHEMA_VERSION);
    assert.equal(d.report.home, home);
    assert.deepEqual(d.report.checks.map((c) => c.id), IDS);
    assert.deepEqual(d.report.checks.filter((c) => c.status === 'fail'), []);
    for (const id of ['node', 'better-sqlite3', 'node-pty', 'home', 'agents.db', 'port']) assert.equal(d.check(id).status, 'ok', id);
    assert.equal(d.check('node').version, process.versions.node);
    assert.match(d.check('node-pty').detail, /ran in a pseudo-terminal/);
    assert.match(d.check('better-sqlite3').version!, /^3\.\d+\.\d+$/);
    assert.equal(d.check('cli:claude').version, '2.1.330');
    assert.equal(d.check('cli:codex').version, '0.171.0');
    assert.equal(d.check('cli:aider').status, 'ok');
    assert.match(d.check('cli:git').detail, /^git version \d/);
    assert.match(d.check('cli:gh').version!, /^\d+\.\d+/);
    for (const c of d.report.checks) {
      assert.equal(c.required, !c.id.startsWith('cli:'), `${c.id}: the CLIs are the optional checks`);
      assert.equal(c.fix === undefined, c.status === 'ok', `${c.id}: a fix exactly when it is not ok`);
    }
    assert.equal(d.check('agents.db').version, String(SCHEMA_VERSION));
    assert.match(d.check('port').detail, new RegExp(`in use by this home's AreYouJ server \\(${readVersion().replace(/\./g, '\\.')}, schema ${SCHEMA_VERSION}\\), which answers`));

    // The same, for a person.
    const text = await runCliToEnd(['doctor', '--home', home, '--port', String(port)], { env: { ...process.env, PATH: binDir() } });
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^✓ node-pty +loads; \/bin\/sh ran in a pseudo-terminal$/m);
    assert.match(text.stdout, /^✓ claude \(optional\) +2\.1\.330 \(Claude Code\)/m);
    assert.match(text.stdout, /^Every required check passed/m);
  });

  test('a CLI missing from PATH is a warning with what to do (exit code 0); one that hangs is killed and reported', async () => {
    const pids = path.join(tempDir(), 'pids');
    const bin = binDir(['git', 'claude'], { aider: `echo $$ > ${pids}; /bin/sleep 1000 & echo $! >> ${pids}; wait` });
    const d = await doctor(['--home', tempDir(), '--port', '0', '--timeout', '1'], bin);
    assert.equal(d.code, 0);
    assert.equal(d.report.ok, true);
    const git = d.check('cli:git');
    assert.equal(git.status, 'warn');
    assert.match(git.detail, /^not on PATH \(used for worktrees per instance and the changes panel\)$/);
    assert.match(git.fix!, /apt-get install git/);
    assert.equal(d.check('cli:claude').status, 'warn');
    assert.match(d.check('cli:claude').fix!, /npm install -g @anthropic-ai\/claude-code/);
    const aider = d.check('cli:aider');
    assert.equal(aider.status, 'warn');
    assert.match(aider.detail, /did not answer --version within 1 s/);
    const [sh, sleep] = fs.readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    assert.ok(!alive(sh) && !alive(sleep), 'the hung CLI and what it started were killed');
    assert.equal(d.check('cli:codex').status, 'ok', 'the others answered meanwhile');
  });

  test('the port held by another program, or by another home\'s server, fails the doctor (exit code 1)', async () => {
    const other = http.createServer((_req, res) => { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not here'); });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherPort = (other.address() as { port: number }).port;
    try {
      const d = await doctor(['--home', home, '--port', String(otherPort)], binDir());
      assert.equal(d.code, 1);
      assert.equal(d.report.ok, false);
      const p = d.check('port');
      assert.equal(p.status, 'fail');
      assert.match(p.detail, /in use by another program: it answers \/api\/info with HTTP 404/);
      assert.match(p.fix!, /--port 0/);
      assert.deepEqual(d.report.checks.filter((c) => c.status === 'fail').map((c) => c.id), ['port']);
    } finally { other.close(); }

    // This home's server, seen from another home.
    const d = await doctor(['--home', tempDir(), '--port', String(port)], binDir());
    assert.equal(d.code, 1);
    // Every server wants its own home's token: the other home's is refused, in AreYouJ's error format.
    assert.equal(d.check('port').detail, 'in use by an AreYouJ server for another home (it refuses this home\'s token)');
  });

  test('AreYouJ\'s files that other users can read are warnings, each with the chmod that fixes it', async () => {
    const h = tempDir();
    const docs = path.join(h, 'docs');
    fs.mkdirSync(path.join(docs, 'logs', 'sub'), { recursive: true });
    fs.mkdirSync(path.join(docs, 'run'), { mode: 0o700 });
    fs.mkdirSync(path.join(docs, 'worktrees'), { mode: 0o700 });
    fs.chmodSync(path.join(docs, 'logs'), 0o700);
    fs.writeFileSync(path.join(docs, 'logs', 'sub', 'a.log'), 'x', { mode: 0o644 });
    fs.writeFileSync(path.join(docs, 'run', 'secret'), 'x', { mode: 0o600 });
    fs.copyFileSync(path.resolve(import.meta.dirname, '../fixtures/homes/0.1.0/docs/agents.db'), path.join(docs, 'agents.db'));
    fs.chmodSync(path.join(docs, 'agents.db'), 0o644);
    const d = await doctor(['--home', h, '--port', '0'], binDir());
    assert.equal(d.code, 0, 'too open is a warning, not a failure');
    const db = d.check('agents.db');
    assert.equal(db.status, 'warn');
    assert.match(db.detail, /readable by other users: agents\.db \(644\)/);
    assert.equal(db.fix, `chmod 600 ${path.join(docs, 'agents.db')}`);
    const logs = d.check('dir:logs');
    assert.equal(logs.status, 'warn');
    assert.match(logs.detail, /other users can read or enter 2 entries, e\.g\. logs\/sub, logs\/sub\/a\.log/);
    assert.equal(logs.fix, `chmod -R go-rwx ${path.join(docs, 'logs')}`);
    assert.equal(d.check('dir:run').status, 'ok');
    assert.match(d.check('dir:run').detail, /owner-only, and so is the 1 entry in it/);
    assert.equal(d.check('dir:worktrees').status, 'ok');

    fs.chmodSync(path.join(docs, 'agents.db'), 0o600);
    fs.chmodSync(path.join(docs, 'logs', 'sub'), 0o700);
    fs.chmodSync(path.join(docs, 'logs', 'sub', 'a.log'), 0o600);
    const fixed = await doctor(['--home', h, '--port', '0'], binDir());
    assert.equal(fixed.check('agents.db').status, 'ok');
    assert.equal(fixed.check('dir:logs').status, 'ok');
  });

  test('usage errors', async () => {
    const r = await runCliToEnd(['doctor', '--timeout', 'soon']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--timeout must be a number of seconds/);
    const h = await runCliToEnd(['doctor', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Exit code: 0 when every required check passes/);
  });
});
