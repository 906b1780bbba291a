// The login warning (issue 3) and consent sync (issue 4) end to end: a refused login category holds the visitor's
// login click and asks; "allow and continue" carries the click or navigation out. Each choice reaches kuki-server,
// and a choice made while the endpoint fails is kept and arrives once the endpoint answers again.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { requireBuiltApp, startStack, visit, banner, kukiRoot, NAMES } from './helpers.mjs';

requireBuiltApp();
const ko = NAMES.ko;

describe('the login warning and consent sync', () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const warning = (page) => kukiRoot(page).getByRole('alertdialog', { name: ko.loginWarning, exact: true });

  async function rejectAll(s) {
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.rejectAll, exact: true }).click();
    await b.waitFor({ state: 'hidden' });
  }

  async function history(consentId) {
    const r = await fetch(`${stack.kuki.origin}/api/v1/consents/${consentId}`);
    return { status: r.status, body: r.ok ? await r.json() : null };
  }

  async function waitForHistory(consentId, events, ms = 15_000) {
    const until = Date.now() + ms;
    let last;
    while (Date.now() < until) {
      last = await history(consentId);
      if (last.status === 200 && last.body.events.length >= events) return last.body;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`the server never held ${events} event(s) for ${consentId}: last ${JSON.stringify(last)}`);
  }

  test('cancel in the login warning keeps the refusal and the login click does not happen', async (t) => {
    const s = await visit(stack, t, '/login.html');
    await rejectAll(s);
    await s.page.click('#login');
    const w = warning(s.page);
    await w.waitFor({ state: 'visible' });
    await w.getByRole('button', { name: ko.cancel, exact: true }).click();
    await w.waitFor({ state: 'hidden' });
    assert.equal(await s.page.evaluate(() => window.__loginClicks), 0);
    assert.equal((await s.consent()).categories.functional, false);
  });

  test('allow and continue accepts functional and carries out the original click once', async (t) => {
    const s = await visit(stack, t, '/login.html');
    await rejectAll(s);
    await s.page.click('#login');
    const w = warning(s.page);
    await w.waitFor({ state: 'visible' });
    await w.getByRole('button', { name: ko.allowContinue, exact: true }).click();
    await w.waitFor({ state: 'hidden' });
    await s.page.waitForFunction(() => window.__loginClicks === 1);
    assert.equal((await s.consent()).categories.functional, true);
    // Now allowed: the next click goes straight through.
    await s.page.click('#login');
    await s.page.waitForFunction(() => window.__loginClicks === 2);
    assert.equal(await warning(s.page).isVisible(), false);
  });

  test('allow and continue on a login link completes the navigation', async (t) => {
    const s = await visit(stack, t, '/login.html');
    await rejectAll(s);
    await s.page.click('#login-link');
    const w = warning(s.page);
    await w.waitFor({ state: 'visible' });
    assert.match(s.page.url(), /\/login\.html$/, 'the navigation waits for the visitor');
    await Promise.all([
      s.page.waitForURL(/\/logged-in\.html$/),
      w.getByRole('button', { name: ko.allowContinue, exact: true }).click(),
    ]);
    assert.equal(await s.page.textContent('#welcome'), '로그인되었습니다');
  });

  test('requireCategory resolves true after allow and false after cancel', async (t) => {
    const s = await visit(stack, t, '/login.html');
    await rejectAll(s);
    const w = warning(s.page);
    const refused = s.page.evaluate(() => window.kuki.requireCategory('functional'));
    await w.waitFor({ state: 'visible' });
    await w.getByRole('button', { name: ko.cancel, exact: true }).click();
    assert.equal(await refused, false);
    const allowed = s.page.evaluate(() => window.kuki.requireCategory('functional'));
    await w.waitFor({ state: 'visible' });
    await w.getByRole('button', { name: ko.allowContinue, exact: true }).click();
    assert.equal(await allowed, true);
    assert.equal(await s.page.evaluate(() => window.kuki.requireCategory('functional')), true, 'no question once allowed');
  });

  test('each choice reaches the server as an event in order', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.acceptAll, exact: true }).click();
    const { consentId } = await s.consent();
    await waitForHistory(consentId, 1);
    await s.page.click('#host-reject');
    const h = await waitForHistory(consentId, 2);
    assert.deepEqual(
      h.events.map((e) => e.seq),
      [...h.events.map((e) => e.seq)].sort((x, y) => x - y),
    );
    assert.equal(h.events.at(-1).categories.analytics, false);
    assert.equal(h.events[0].categories.analytics, true);
  });

  test('the browser keeps the receipt, signed by the server key over the hash the server stored', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.rejectAll, exact: true }).click();
    await s.page.waitForFunction(() => window.kuki.getConsent()?.receipt, null, { timeout: 15_000 });
    const { consentId, receipt } = await s.consent();
    assert.equal(receipt.consentId, consentId);
    const stored = await waitForHistory(consentId, 1);
    assert.equal(receipt.hash, stored.events.find((e) => e.seq === receipt.seq).hash);
    const key = await (await fetch(`${stack.kuki.origin}/api/v1/receipt-key`)).json();
    assert.equal(key.algorithm, 'Ed25519');
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(key.publicKey, 'hex')]);
    const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    // A batched receipt (server/README.md, Receipts): the signature is over the tree head of the record's group
    // commit, and the RFC 6962 audit path leads from the record's leaf to that head's root (RFC 9162 2.1.3.2).
    const inc = receipt.inclusion;
    assert.ok(inc, 'a new record gets a batched receipt');
    const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
    const head = (root) => Buffer.concat([Buffer.from('kuki-checkpoint-v1\0'), u64(inc.timestamp), u64(inc.treeSize), root]);
    const root = Buffer.from(inc.rootHash, 'hex');
    const signature = Buffer.from(receipt.signature, 'hex');
    assert.ok(verify(null, head(root), publicKey, signature), 'the tree head signature verifies');
    assert.equal(verify(null, head(Buffer.alloc(32)), publicKey, signature), false);
    const sha = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
    let [fn, sn, r] = [BigInt(inc.leafIndex), BigInt(inc.treeSize) - 1n, sha(Buffer.from([0]), Buffer.from(receipt.hash, 'hex'))];
    for (const p of inc.proof.map((h) => Buffer.from(h, 'hex'))) {
      assert.notEqual(sn, 0n);
      if ((fn & 1n) === 1n || fn === sn) {
        r = sha(Buffer.from([1]), p, r);
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = sha(Buffer.from([1]), r, p);
      }
      fn >>= 1n; sn >>= 1n;
    }
    assert.equal(sn, 0n);
    assert.ok(r.equals(root), 'the inclusion proof leads from the hash to the signed root');
  });

  // Names from the app's texts (src/i18n.rs); docs/contract.md does not list them yet.
  test('the preferences show the consent id, and "delete my records" erases them on the server and forgets the choice', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.acceptAll, exact: true }).click();
    const { consentId } = await s.consent();
    await waitForHistory(consentId, 1);
    await s.page.click('#host-prefs');
    const prefs = kukiRoot(s.page).getByRole('dialog', { name: ko.preferences, exact: true });
    await prefs.waitFor({ state: 'visible' });
    const text = await prefs.innerText();
    assert.ok(text.includes(consentId), 'the consent id is shown');
    assert.match(text, /변경 기록/);
    await prefs.getByRole('button', { name: '내 기록 삭제', exact: true }).click();
    const until = Date.now() + 15_000;
    while ((await history(consentId)).status !== 404 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    assert.equal((await history(consentId)).status, 404, 'the server erased the records');
    await s.page.waitForFunction(() => window.kuki.getConsent() === null, null, { timeout: 10_000 });
    await banner(s.page).waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal((await s.cookies()).kuki_consent, undefined, 'the local choice is forgotten too');
  });

  test('a choice made while the endpoint fails is kept and arrives once the endpoint answers again', async (t) => {
    const s = await visit(stack, t, '/basic.html');
    // The consent API is unreachable from this page (the server itself stays up for the check).
    await s.context.route('**/api/v1/consents**', (route) => route.abort('connectionrefused'));
    const b = banner(s.page);
    await b.waitFor({ state: 'visible', timeout: 20_000 });
    await b.getByRole('button', { name: ko.acceptAll, exact: true }).click();
    await b.waitFor({ state: 'hidden' });
    const { consentId } = await s.consent();
    await s.page.waitForTimeout(1_000);
    assert.equal((await history(consentId)).status, 404, 'nothing can have arrived yet');
    assert.equal(await banner(s.page).isVisible(), false, 'the visitor sees nothing of the failure');
    await s.context.unroute('**/api/v1/consents**');
    await s.page.reload(); // the outbox is retried on the next page load at the latest
    const h = await waitForHistory(consentId, 1, 30_000);
    assert.equal(h.events[0].categories.marketing, true);
  });
});
