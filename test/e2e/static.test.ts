// What users are served: the production build, compressed (brotli or gzip), its content-hashed files cached for good
// and index.html checked every time; a reload takes the hashed files from the browser's cache.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { ensureWebBuild, launch, newPage, startServer, type Server, teardown } from './harness.js';

describe('static files', { timeout: 120_000 }, () => {
  let srv: Server;
  let browser: Browser;

  before(async () => {
    await ensureWebBuild('prod');
    srv = await startServer({ web: 'prod' });
    browser = await launch();
  });

  after(() => teardown(browser, srv));

  it('serves the app compressed, hashed files immutable, index.html not cached', async () => {
    const { page, errors } = await newPage(browser, null); // logs in below, once the responses are watched
    const seen = new Map<string, Record<string, string>>();
    page.on('response', (r) => { const u = new URL(r.url()); if (!u.pathname.startsWith('/api/')) seen.set(u.pathname, r.headers()); });
    await page.goto(srv.loginUrl); // the login URL leads to the app
    await page.waitForSelector('[data-testid=overview]');

    const index = seen.get('/')!;
    assert.equal(index['cache-control'], 'no-cache');
    const assets = [...seen.entries()].filter(([p]) => /^\/assets\/.+\.(js|css)$/.test(p));
    assert.ok(assets.some(([p]) => p.endsWith('.js')) && assets.some(([p]) => p.endsWith('.css')), `the app's script and style: ${[...seen.keys()]}`);
    for (const [p, h] of assets) {
      assert.match(h['content-encoding'] ?? '', /^(br|gzip)$/, `${p} is compressed`);
      assert.equal(h['cache-control'], 'public, max-age=31536000, immutable', `${p} is cached for good`);
    }
    // What went over the wire is the compressed size.
    const sizes = await page.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((e) => /\/assets\/index-.*\.js$/.test(e.name)).map((e) => ({ encoded: e.encodedBodySize, decoded: e.decodedBodySize })));
    assert.equal(sizes.length, 1);
    assert.ok(sizes[0].encoded < sizes[0].decoded / 2, `compressed: ${JSON.stringify(sizes[0])}`);
    console.log(`# main script: ${sizes[0].decoded} B, ${sizes[0].encoded} B on the wire`);

    // A reload asks for index.html again but takes the hashed files from the cache.
    await page.reload();
    await page.waitForSelector('[data-testid=overview]');
    const again = await page.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((e) => /\/assets\//.test(e.name)).map((e) => ({ name: e.name, transfer: e.transferSize })));
    assert.ok(again.length > 0);
    assert.ok(again.every((e) => e.transfer === 0), `from the cache: ${JSON.stringify(again)}`);
    assert.deepEqual(errors, []);
  });
});
