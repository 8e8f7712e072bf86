// Upgrades keep data. A home made by a released version (test/fixtures/homes, made by that version's own server) opens
// with this one: the migrations it lacks run forward, each in its own transaction, and its agents, instances,
// messages and logs are all there. A database stamped by a newer version is refused with a message naming both
// versions, and left exactly as it was (bytes, and no WAL or journal file beside it).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, openAgentsDb, SCHEMA_VERSION } from '../../src/server/agents/db.js';
import { readVersion } from '../../src/server/config.js';
import { runCli, runCliToEnd } from '../helpers/cli.js';
import { tempDir } from '../helpers/server.js';

const HOMES = path.resolve(import.meta.dirname, '../fixtures/homes');
const RELEASES = fs.readdirSync(HOMES).filter((d) => fs.statSync(path.join(HOMES, d)).isDirectory());

/** A writable copy of a fixture home (the fixture itself is never opened). */
function copyHome(release: string): string {
  const home = tempDir('areyouj-upgrade-');
  fs.cpSync(path.join(HOMES, release), home, { recursive: true });
  return home;
}

const sha1 = (file: string) => createHash('sha1').update(fs.readFileSync(file)).digest('hex');
/** Every file under dir with its size and content hash. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(f.parentPath, f.name);
    out[path.relative(dir, p)] = f.isFile() ? `${fs.statSync(p).size} ${sha1(p)}` : 'dir';
  }
  return out;
}

/** GET with the token of the login URL the server printed (0.1.0 had no token: the first start of this version makes one). */
const bearer = (login: string) => ({ authorization: `Bearer ${new URL(login).searchParams.get('token')}` });
const api = async (url: string, p: string, headers: Record<string, string>) => {
  const r = await fetch(url + p, { headers });
  assert.equal(r.status, 200, `GET ${p}`);
  return r.json() as Promise<any>;
};

describe('upgrades', () => {
  test(`homes made by earlier releases (${RELEASES.join(', ')}) open with this version, nothing lost`, async () => {
    assert.ok(RELEASES.includes('0.1.0'), 'the fixture of 0.1.0 is there');
    for (const release of RELEASES) {
      const home = copyHome(release);
      const logs = path.join(home, 'docs', 'logs');
      const logsBefore = snapshot(logs);
      const srv = runCli(['--home', home, '--port', '0']);
      const url = await srv.url();
      const auth = bearer((await srv.waitOut(/Open the dashboard: (\S+)/))[1]);
      const agents = await api(url, '/api/agents', auth);
      const agent = agents.find((a: any) => a.name === 'shell');
      assert.ok(agent, `${release}: the agent is there`);
      assert.equal(agent.description, `made by AreYouJ ${release}`);
      assert.deepEqual(agent.args, ['--norc', '--noprofile']);
      const [inst] = await api(url, `/api/agents/${agent.id}/instances`, auth);
      assert.equal(inst.status, 'completed');
      assert.equal(inst.exitCode, 0);
      const messages = await api(url, `/api/instances/${inst.id}/messages`, auth);
      assert.deepEqual(messages.map((m: any) => [m.senderType, m.content, m.delivery]), [['user', 'echo made-by-0.1.0-$((6*7)); exit', 'sent']]);
      const output = await (await fetch(`${url}/api/instances/${inst.id}/output`, { headers: auth })).text();
      assert.match(output, /made-by-0\.1\.0-42/, 'the log is served');
      assert.equal(await srv.stop(), 0);
      assert.deepEqual(snapshot(logs), logsBefore, `${release}: the logs are unchanged`);
      const db = new Database(path.join(home, 'docs', 'agents.db'), { readonly: true });
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION, `${release}: migrated to this version's schema`);
      db.close();
    }
  });

  test('an agents.db at schema 1 is migrated forward through every migration, rows kept', () => {
    const home = tempDir();
    fs.mkdirSync(path.join(home, 'docs'));
    const file = path.join(home, 'docs', 'agents.db');
    const old = new Database(file);
    migrate(old, 1);
    old.prepare("INSERT INTO agents (id, name, project_path, command, kind) VALUES ('a1', 'old', '/p', 'bash', 'generic')").run();
    old.prepare("INSERT INTO agent_instances (id, agent_id, name, status, project_path) VALUES ('i1', 'a1', '#1', 'completed', '/p')").run();
    old.close();
    const db = openAgentsDb(home);
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(db.prepare('SELECT id, name, status, worktree_path FROM agent_instances').all(), [{ id: 'i1', name: '#1', status: 'completed', worktree_path: null }]);
    assert.equal((db.prepare('SELECT name FROM agents').get() as { name: string }).name, 'old');
    db.close();
  });

  test('a migration that fails leaves the database at its previous version, with none of its changes', () => {
    const home = tempDir();
    fs.mkdirSync(path.join(home, 'docs'));
    const file = path.join(home, 'docs', 'agents.db');
    const old = new Database(file);
    migrate(old, 1);
    // Migration 2 adds seven columns, worktree_note last: that one already there makes it fail after six were added.
    old.exec('ALTER TABLE agent_instances ADD COLUMN worktree_note TEXT');
    old.close();
    assert.throws(() => openAgentsDb(home), /duplicate column name: worktree_note/);
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    const cols = (db.pragma('table_info(agent_instances)') as { name: string }[]).map((c) => c.name);
    assert.ok(!cols.includes('worktree_path') && !cols.includes('worktree_state'), 'the columns added before the failing statement were rolled back');
    db.close();
  });

  test('a database from a newer version is refused with both versions named, and left byte for byte unchanged', async () => {
    const home = copyHome('0.1.0');
    const file = path.join(home, 'docs', 'agents.db');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = snapshot(home);
    assert.ok(!fs.existsSync(`${file}-wal`), 'closed cleanly: no WAL file left');
    const r = await runCliToEnd(['--home', home, '--port', '0']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`schema version ${SCHEMA_VERSION + 1}, written by a newer AreYouJ`));
    assert.ok(r.stderr.includes(`this AreYouJ (${readVersion()}) knows schema versions up to ${SCHEMA_VERSION}`), r.stderr);
    assert.match(r.stderr, /npm install -g areyouj@latest/);
    assert.doesNotMatch(r.stdout, /listening/);
    assert.deepEqual(snapshot(home), before, 'nothing in the home changed: no byte of agents.db, no -wal/-shm, no new folder');

    // The doctor says the same, and reads the file without changing it either.
    const d = await runCliToEnd(['doctor', '--home', home, '--port', '0', '--json']);
    assert.equal(d.code, 1);
    const check = JSON.parse(d.stdout).checks.find((c: any) => c.id === 'agents.db');
    assert.equal(check.status, 'fail');
    assert.equal(check.version, String(SCHEMA_VERSION + 1));
    assert.match(check.detail, /written by a newer AreYouJ/);
    assert.deepEqual(snapshot(home), before);
  });
});
