/**
 * The gateway and the functions against hostile requests: methods no service answers, dot
 * segments in any encoding, tokens that are unsigned, signed by someone else or carry claims the
 * database cannot use, and asymmetric (ES256) tokens signed with the project's key, which pass.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { importJWK, SignJWT, generateKeyPair, type JWK } from 'jose';
import { anonKey, apiUrl, serviceRoleKey, userToken } from '../helpers/api.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

/** One raw HTTP/1.1 request (fetch would normalise the path or refuse the method). */
function rawRequest(method: string, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(apiUrl());
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      const lines = [`${method} ${target} HTTP/1.1`, `Host: ${hostname}`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => { data += d; });
    socket.on('error', reject);
    socket.on('end', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      const body = rest.join('\r\n\r\n');
      // A chunked body: the one chunk the gateway's small answers have.
      const chunked = /transfer-encoding: chunked/i.test(head) ? body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '') : body;
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), body: chunked });
    });
  });
}

const auth = (token: string) => ({ Authorization: `Bearer ${token}`, apikey: anonKey() });

async function whoami(token: string) {
  const res = await fetch(`${apiUrl()}/functions/v1/whoami`, { headers: auth(token) });
  return { status: res.status, body: await res.json() };
}

function unsigned(claims: Record<string, unknown>): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ exp: Math.floor(Date.now() / 1000) + 600, ...claims })}.`;
}

async function es256Token(claims: Record<string, unknown>, jwk: JWK): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + 600)
    .sign(await importJWK(jwk, 'ES256'));
}

describe('gateway: methods and paths', () => {
  it('refuses TRACE and made-up methods with 405 in the envelope (Storage\'s body under /storage/v1), even with a valid token', async () => {
    for (const method of ['TRACE', 'FOO']) {
      const fn = await rawRequest(method, '/functions/v1/whoami', auth(serviceRoleKey()));
      assert.equal(fn.status, 405, method);
      assert.equal(JSON.parse(fn.body).error.code, 'method_not_allowed');
      const st = await rawRequest(method, '/storage/v1/object/conversation-files/x.json', auth(serviceRoleKey()));
      assert.equal(st.status, 405);
      assert.deepEqual(Object.keys(JSON.parse(st.body)).sort(), ['code', 'error', 'message', 'statusCode']);
    }
  });

  it('refuses dot segments and backslashes in any encoding instead of resolving them (no way around a function\'s verify_jwt)', async () => {
    const targets = [
      '/functions/v1/fixture-open/../whoami', '/functions/v1/fixture-open/%2e%2e/whoami', '/functions/v1/fixture-open/%2E./whoami',
      '/functions/v1/fixture-open/.%2e/whoami', '/functions/v1/fixture-open/\\..\\whoami', '/functions/v1/fixture-open/%5c..%5cwhoami',
      '/functions/v1/fixture-open/./x', '/storage/v1/object/conversation-files/raw/../x.json', '/storage/v1/object/list/%2e%2e',
    ];
    for (const target of targets) {
      const res = await rawRequest('GET', target, auth(anonKey()));
      assert.equal(res.status, 400, target);
      const body = JSON.parse(res.body);
      assert.ok(body.error?.code === 'bad_request' || body.statusCode === '400', `${target}: ${res.body}`);
      assert.doesNotMatch(res.body, /db_role/, `${target} must not reach whoami`);
    }
  });

  it('answers unknown routes and bad percent-encoding with the envelope', async () => {
    const unknown = await rawRequest('GET', '/rest/nothing-here');
    assert.deepEqual([unknown.status, JSON.parse(unknown.body).error.code], [404, 'not_found']);
    const bad = await rawRequest('GET', '/functions/v1/whoami/%zz', auth(anonKey()));
    assert.deepEqual([bad.status, JSON.parse(bad.body).error.code], [400, 'bad_request']);
  });
});

describe('gateway and functions: tokens are always verified', () => {
  it('refuses an unsigned token, even one that says service_role, at the gateway and in a verify_jwt = false function', async () => {
    const forged = unsigned({ role: 'service_role' });
    assert.equal((await whoami(forged)).status, 401);
    const res = await fetch(`${apiUrl()}/functions/v1/ingest-response/resume`, { method: 'POST', headers: auth(forged), body: '{}' });
    assert.equal(res.status, 401);
  });

  it('refuses tokens whose claims the database cannot use: a sub that is not a UUID, a role outside the API roles', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(process.env.TEST_JWT_SECRET!));
    for (const claims of [{ role: 'authenticated', sub: 'not-a-uuid' }, { role: 'anon', sub: 'x' }, { role: 'supabase_admin' }, { role: 'authenticated' }, { role: 'authenticated', sub: USER.alice, email: 'a\u0000b' }]) {
      const res = await whoami(await sign(claims));
      assert.equal(res.status, 401, JSON.stringify(claims));
      assert.equal(res.body.error.code, 'unauthorized');
    }
    const noExp = await new SignJWT({ role: 'anon' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(process.env.TEST_JWT_SECRET!));
    assert.equal((await whoami(noExp)).status, 401, 'a token without exp never expires: refused');
  });

  it('accepts an ES256 token signed with the project\'s key (served at /auth/v1/.well-known/jwks.json) and refuses one signed by another key', async () => {
    const jwk = JSON.parse(process.env.TEST_SIGNING_JWK!) as JWK;
    const jwks = await (await fetch(`${apiUrl()}/auth/v1/.well-known/jwks.json`)).json();
    assert.deepEqual(jwks.keys.map((k: JWK) => [k.kid, k.alg, k.d]), [[jwk.kid, 'ES256', undefined]], 'the public half only');
    const claims = { role: 'authenticated', sub: USER.alice, aud: 'authenticated' };
    const ok = await whoami(await es256Token(claims, jwk));
    assert.equal(ok.status, 200);
    assert.deepEqual([ok.body.db_role, ok.body.user_id, ok.body.tenant_id], ['authenticated', USER.alice, TENANT.acme]);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const other = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: jwk.kid }).setExpirationTime('10m').sign(privateKey);
    assert.equal((await whoami(other)).status, 401);
    const hs256User = await whoami(await userToken(USER.alice));
    assert.equal(hs256User.status, 200, 'HS256 tokens signed with the JWT secret still pass');
  });
});

describe('storage: an invalid token is refused, never taken for no token', () => {
  it('answers InvalidJWT for a forged or unusable token on the routes that accept no token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const nul = await new SignJWT({ role: 'authenticated', sub: USER.alice, email: 'a\u0000b' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(process.env.TEST_JWT_SECRET!));
    for (const token of [nul, unsigned({ role: 'service_role' })]) {
      for (const path of [`/storage/v1/object/info/conversation-files/raw/${USER.alice}/a.json`, `/storage/v1/object/conversation-files/raw/${USER.alice}/a.json`]) {
        const res = await fetch(`${apiUrl()}${path}`, { headers: { Authorization: `Bearer ${token}` } });
        const body = await res.json();
        assert.deepEqual([res.status, body.statusCode, body.code], [400, '400', 'InvalidJWT'], path);
      }
    }
  });
});
