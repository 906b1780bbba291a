// The bundle delivered as a CDN would (issue 8, first part): kuki-server sends the precompressed brotli or gzip
// copy that `scripts/assemble-dist.sh` made, by the request's Accept-Encoding, with the right type and Vary.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { requireBuiltApp, startKukiServer, DIST } from './helpers.mjs';

requireBuiltApp();

/** A raw GET (Node's fetch would decompress): status, headers and the body's bytes as sent. */
function raw(url, encoding, extra = {}) {
  return new Promise((ok, fail) => {
    const req = get(url, { headers: { ...(encoding ? { 'accept-encoding': encoding } : {}), ...extra } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

describe('delivery', () => {
  let kuki;
  before(async () => {
    kuki = await startKukiServer();
  });
  after(async () => {
    await kuki?.stop();
  });

  const wasm = readFileSync(join(DIST, 'kuki', 'pkg', 'kuki_bg.wasm'));

  test('the wasm crosses the wire compressed, as the browser asked', async () => {
    const url = `${kuki.origin}/kuki/pkg/kuki_bg.wasm`;
    const br = await raw(url, 'gzip, deflate, br');
    assert.equal(br.status, 200);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers['content-type'], 'application/wasm');
    assert.match(br.headers.vary ?? '', /accept-encoding/i);
    assert.ok(br.body.length < wasm.length / 2, `${br.body.length} bytes of ${wasm.length}`);
    assert.ok(brotliDecompressSync(br.body).equals(wasm));

    const gz = await raw(url, 'gzip');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(gunzipSync(gz.body).equals(wasm));

    const plain = await raw(url, undefined);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.body.equals(wasm));
  });

  test('the loader and the glue are compressed too, and the loader stays readable from any origin', async () => {
    for (const path of ['/kuki/kuki.js', '/kuki/pkg/kuki.js']) {
      const r = await raw(`${kuki.origin}${path}`, 'br');
      assert.equal(r.headers['content-encoding'], 'br', path);
      assert.match(r.headers['content-type'], /javascript/, path);
      assert.equal(r.headers['access-control-allow-origin'], '*', path);
    }
  });

  test('the loader points at a content-hashed folder served immutable; the loader itself is cached briefly', async () => {
    const hashed = readdirSync(join(DIST, 'kuki')).filter((n) => /^b-[0-9a-f]{16}$/.test(n));
    assert.equal(hashed.length, 1, `one hashed folder in dist/kuki: ${hashed}`);
    const loader = await raw(`${kuki.origin}/kuki/kuki.js`, undefined);
    assert.ok(loader.body.toString().includes(`'${hashed[0]}/'`) || loader.body.toString().includes(`\`${hashed[0]}/\``), 'the loader names the hashed folder');
    assert.equal(loader.headers['cache-control'], 'public, max-age=300');
    assert.equal(loader.headers['timing-allow-origin'], '*');
    for (const file of ['kuki.js', 'kuki_bg.wasm']) {
      const r = await raw(`${kuki.origin}/kuki/${hashed[0]}/${file}`, 'br');
      assert.equal(r.status, 200, file);
      assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable', file);
      assert.equal(r.headers['timing-allow-origin'], '*', file);
      assert.equal(r.headers['access-control-allow-origin'], '*', file);
      assert.ok(brotliDecompressSync(r.body).equals(readFileSync(join(DIST, 'kuki', 'pkg', file))), file);
    }
  });

  test('every file has an ETag per encoding, and a revalidation that names it gets 304 with no body', async () => {
    const url = `${kuki.origin}/kuki/kuki.js`;
    const br = await raw(url, 'br');
    const gz = await raw(url, 'gzip');
    assert.match(br.headers.etag ?? '', /^"[0-9]+-[0-9a-f]+"$/);
    assert.notEqual(br.headers.etag, gz.headers.etag, 'the brotli and gzip copies are different bytes');
    const again = await raw(url, 'br', { 'if-none-match': br.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, br.headers.etag);
    assert.equal(again.headers['cache-control'], 'public, max-age=300');
    assert.equal(again.headers['access-control-allow-origin'], '*');
    const other = await raw(url, 'br', { 'if-none-match': gz.headers.etag });
    assert.equal(other.status, 200, "another variant's tag does not validate this one");
    assert.ok(other.body.length > 0);
  });
});
