/**
 * CORS on every answer of the gateway, so a browser on another origin can call each service and
 * read its errors: preflight (OPTIONS) under every prefix, and the same headers on the gateway's
 * own 401, 404, 405, 400 and 413, a storage error, a function's own 4xx and 500, and 200s. A
 * function's own CORS headers are merged with the gateway's, never sent twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anonKey, apiUrl } from '../helpers/api.ts';
import { type FuzzResponse, send } from '../helpers/fuzz-http.ts';

/** What a browser needs to send supabase-js's requests (storage-js, postgrest-js, auth-js included) and read the answers. */
const REQUEST_HEADERS = ['authorization', 'x-client-info', 'apikey', 'content-type', 'x-upsert', 'range', 'prefer', 'accept-profile', 'content-profile'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const EXPOSED = ['content-range', 'x-total-count', 'etag'];

const tokens = (value: string | undefined | null) => (value ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);

/** The CORS headers of one answer (header names lower-case, as fetch and the raw reader give them). */
function assertCors(label: string, get: (name: string) => string | null | undefined): void {
  assert.equal(get('access-control-allow-origin'), '*', `${label}: Allow-Origin`);
  for (const [name, wanted] of [['access-control-allow-headers', REQUEST_HEADERS], ['access-control-allow-methods', METHODS.map((m) => m.toLowerCase())], ['access-control-expose-headers', EXPOSED]] as const) {
    const list = tokens(get(name));
    for (const w of wanted) assert.ok(list.includes(w), `${label}: ${name} lacks ${w} (${get(name)})`);
    assert.equal(new Set(list).size, list.length, `${label}: ${name} repeats a token (${get(name)})`);
  }
}

const fromFetch = (res: Response) => (name: string) => res.headers.get(name);
const fromRaw = (res: FuzzResponse) => (name: string) => res.headers[name];

async function raw(method: string, target: string, headers: [string, string][] = [], extra: { declaredLength?: number } = {}): Promise<FuzzResponse> {
  return await send(apiUrl(), { method, target, headers, note: 'cors', ...extra });
}

const preflightHeaders = { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, apikey, content-type, x-client-info' };

describe('gateway CORS: preflight', () => {
  const targets = [
    '/functions/v1/whoami', '/functions/v1/fixture-open/any/path', '/functions/v1/no-such-function',
    '/storage/v1/object/conversation-files/raw/x.json', '/storage/v1/object/sign/conversation-files/x.json',
    '/auth/v1/token?grant_type=password', '/rest/v1/tenants?select=*', '/health', '/nowhere',
  ];
  for (const target of targets) {
    it(`OPTIONS ${target} answers 200/204 with the CORS headers, without a token`, async () => {
      const res = await fetch(`${apiUrl()}${target}`, { method: 'OPTIONS', headers: preflightHeaders });
      assert.ok([200, 204].includes(res.status), `${target}: ${res.status} ${await res.text()}`);
      assertCors(`OPTIONS ${target}`, fromFetch(res));
    });
  }

  it('a function answering its own OPTIONS keeps its headers, merged with the gateway\'s (one header each, no repeated token)', async () => {
    const res = await fetch(`${apiUrl()}/functions/v1/whoami`, { method: 'OPTIONS', headers: preflightHeaders });
    assert.equal(res.status, 200, 'the function answered (withHttp answers "ok")');
    assert.equal(await res.text(), 'ok');
    const allowed = tokens(res.headers.get('access-control-allow-headers'));
    assert.ok(allowed.includes('x-retry-count'), 'the function\'s own allowed header is kept');
    assert.equal(allowed.filter((t) => t === 'authorization').length, 1);
  });
});

describe('gateway CORS: on every answer', () => {
  it('the gateway\'s 401 from verify_jwt (no token, a forged token)', async () => {
    const none = await fetch(`${apiUrl()}/functions/v1/whoami`);
    assert.equal(none.status, 401);
    assertCors('401 without a token', fromFetch(none));
    const forged = await fetch(`${apiUrl()}/functions/v1/whoami`, { headers: { Authorization: 'Bearer not.a.jwt' } });
    assert.equal(forged.status, 401);
    assertCors('401 with a forged token', fromFetch(forged));
  });

  it('404 for an unknown route and for an unknown function', async () => {
    for (const target of ['/nowhere', '/rest/nothing-here', '/functions/v1/no-such-function']) {
      const res = await fetch(`${apiUrl()}${target}`, { headers: { apikey: anonKey() } });
      assert.equal(res.status, 404, target);
      assert.equal((await res.json()).error.code, 'not_found');
      assertCors(`404 ${target}`, fromFetch(res));
    }
  });

  it('405 for a method no service answers, in each prefix\'s shape', async () => {
    for (const target of ['/functions/v1/whoami', '/storage/v1/object/conversation-files/x.json', '/nowhere']) {
      const res = await raw('TRACE', target);
      assert.equal(res.status, 405, target);
      assertCors(`405 ${target}`, fromRaw(res));
    }
  });

  it('400 for a path with dot segments, and for bad percent-encoding', async () => {
    for (const target of ['/functions/v1/fixture-open/../whoami', '/storage/v1/object/conversation-files/raw/%2e%2e/x.json', '/functions/v1/whoami/%zz']) {
      const res = await raw('GET', target, [['apikey', anonKey()]]);
      assert.equal(res.status, 400, target);
      assertCors(`400 ${target}`, fromRaw(res));
    }
  });

  it('413 for a declared body over the functions\' limit', async () => {
    const res = await raw('POST', '/functions/v1/whoami', [['apikey', anonKey()]], { declaredLength: 11 * 1024 * 1024 });
    assert.equal(res.status, 413);
    assertCors('413', fromRaw(res));
  });

  it('a storage error (Storage\'s body) and a storage 200', async () => {
    const missing = await fetch(`${apiUrl()}/storage/v1/object/no-such-bucket/x.txt`, { headers: { apikey: anonKey(), Authorization: `Bearer ${anonKey()}` } });
    assert.equal(missing.status, 400);
    assert.equal((await missing.json()).statusCode, '404');
    assertCors('storage error', fromFetch(missing));
    const listed = await fetch(`${apiUrl()}/storage/v1/object/list/conversation-files`, {
      method: 'POST', headers: { apikey: anonKey(), Authorization: `Bearer ${anonKey()}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ prefix: '' }),
    });
    assert.equal(listed.status, 200, await listed.clone().text());
    assertCors('storage 200', fromFetch(listed));
  });

  it('a function\'s own 4xx and 500, and a function\'s 200 with and without CORS of its own', async () => {
    const wrongMethod = await fetch(`${apiUrl()}/functions/v1/submit-feedback`, { headers: { apikey: anonKey() } });
    assert.equal(wrongMethod.status, 405, 'submit-feedback refuses GET itself');
    assertCors('a function\'s 405', fromFetch(wrongMethod));
    const crash = await fetch(`${apiUrl()}/functions/v1/fixture-crash`, { headers: { apikey: anonKey() } });
    assert.equal(crash.status, 500);
    assertCors('a function\'s crash', fromFetch(crash));
    const own = await fetch(`${apiUrl()}/functions/v1/whoami`, { headers: { apikey: anonKey() } });
    assert.equal(own.status, 200);
    assertCors('whoami 200 (CORS of its own)', fromFetch(own));
    const bare = await fetch(`${apiUrl()}/functions/v1/fixture-open`);
    assert.equal(bare.status, 200);
    assertCors('fixture-open 200 (no CORS of its own)', fromFetch(bare));
  });

  it('the platform routes: /health and the signing keys', async () => {
    for (const target of ['/health', '/auth/v1/.well-known/jwks.json']) {
      const res = await fetch(`${apiUrl()}${target}`);
      assert.equal(res.status, 200, target);
      assertCors(target, fromFetch(res));
    }
  });
});
