import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SCHEMA_VERSION } from '../../src/server/agents/db.js';
import { readVersion } from '../../src/server/config.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

describe('server info and the directory picker', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  test('GET /api/info', async () => {
    const r = await s.api('GET', '/api/info');
    assert.equal(r.body.home, s.home);
    assert.equal(r.body.maxInstances, 64);
    assert.equal(r.body.version, readVersion());
    assert.equal(r.body.schemaVersion, SCHEMA_VERSION);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.match(r.headers.get('content-security-policy')!, /script-src 'self'/);
  });

  test('GET /api/fs/dirs lists sub-directories only, sorted, hidden ones on request', async () => {
    const root = tempDir();
    for (const d of ['beta', 'alpha', '.hidden']) fs.mkdirSync(path.join(root, d));
    fs.writeFileSync(path.join(root, 'file.txt'), 'x');
    fs.symlinkSync(path.join(root, 'alpha'), path.join(root, 'link-to-alpha'));
    const r = await s.api('GET', `/api/fs/dirs?path=${encodeURIComponent(root)}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.path, root);
    assert.equal(r.body.parent, path.dirname(root));
    assert.deepEqual(r.body.dirs.map((d: any) => d.name), ['alpha', 'beta', 'link-to-alpha']);
    const hidden = await s.api('GET', `/api/fs/dirs?path=${encodeURIComponent(root)}&hidden=1`);
    assert.deepEqual(hidden.body.dirs.map((d: any) => d.name), ['.hidden', 'alpha', 'beta', 'link-to-alpha']);
    assert.equal((await s.api('GET', '/api/fs/dirs')).body.path, s.home, 'the home by default');
    assert.equal((await s.api('GET', '/api/fs/dirs?path=/')).body.parent, null);
    assert.equal((await s.api('GET', `/api/fs/dirs?path=${encodeURIComponent(path.join(root, 'file.txt'))}`)).status, 400);
    assert.equal((await s.api('GET', '/api/fs/dirs?path=relative')).status, 400);
    assert.equal((await s.api('GET', `/api/fs/dirs?path=${encodeURIComponent(path.join(root, 'nope'))}`)).status, 404);
  });
});
