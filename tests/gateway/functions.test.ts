/** /functions/v1 through the gateway, with supabase-js functions.invoke and raw fetch. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FunctionsHttpError } from '@supabase/supabase-js';
import { anonKey, apiUrl, client, serviceClient, serviceRoleKey, userToken } from '../helpers/api.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

const PUBLISHABLE = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';
const SECRET = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';

async function errorOf(promise: Promise<{ data: unknown; error: unknown }>): Promise<{ status: number; body: unknown }> {
  const { error } = await promise;
  assert.ok(error instanceof FunctionsHttpError, `expected an HTTP error, got ${String(error)}`);
  const res = error.context as Response;
  const text = await res.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* text */ }
  return { status: res.status, body };
}

describe('functions: identity and JWT checks', () => {
  it('a user token reaches the database as that user (whoami)', async () => {
    const { data, error } = await client(await userToken(USER.alice)).functions.invoke('whoami', { method: 'GET' });
    assert.equal(error, null);
    assert.deepEqual(data, { role: 'authenticated', db_role: 'authenticated', user_id: USER.alice, tenant_id: TENANT.acme, tenant_role: 'admin', path: '/whoami' });
  });

  it('the anon key and the service key arrive as anon and service_role', async () => {
    const anon = await client().functions.invoke('whoami');
    assert.deepEqual([anon.data.role, anon.data.db_role, anon.data.user_id], ['anon', 'anon', null]);
    const service = await serviceClient().functions.invoke('whoami');
    assert.deepEqual([service.data.role, service.data.db_role], ['service_role', 'service_role']);
  });

  it('refuses an expired token and a bad signature with 401 Invalid JWT (the envelope plus the hosted relay\'s msg)', async () => {
    const expired = await errorOf(client(await userToken(USER.alice, { expiresIn: -60 })).functions.invoke('whoami'));
    assert.deepEqual(expired, { status: 401, body: { error: { code: 'unauthorized', message: 'Invalid JWT' }, msg: 'Invalid JWT' } });
    const forged = await errorOf(client(await userToken(USER.alice, { secret: 'some-other-secret-that-is-long-enough-to-sign' })).functions.invoke('whoami'));
    assert.deepEqual(forged, { status: 401, body: { error: { code: 'unauthorized', message: 'Invalid JWT' }, msg: 'Invalid JWT' } });
  });

  it('refuses a request without Authorization or apikey with 401 Missing authorization header', async () => {
    const res = await fetch(`${apiUrl()}/functions/v1/whoami`, { method: 'POST' });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: { code: 'unauthorized', message: 'Error: Missing authorization header' }, msg: 'Error: Missing authorization header' });
  });

  it('maps the apikey header (legacy JWT, publishable and secret keys) to a bearer token', async () => {
    const call = async (headers: Record<string, string>) => (await (await fetch(`${apiUrl()}/functions/v1/whoami`, { headers })).json()).role;
    assert.equal(await call({ apikey: anonKey() }), 'anon');
    assert.equal(await call({ apikey: serviceRoleKey() }), 'service_role');
    assert.equal(await call({ apikey: PUBLISHABLE }), 'anon');
    assert.equal(await call({ apikey: SECRET }), 'service_role');
    assert.equal(await call({ apikey: SECRET, Authorization: `Bearer ${PUBLISHABLE}` }), 'service_role');
  });

  it('skips the JWT check for OPTIONS and answers CORS preflight', async () => {
    const res = await fetch(`${apiUrl()}/functions/v1/whoami`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization.*apikey.*content-type/);
  });

  it('runs a verify_jwt = false function without a token, with the path stripped of /functions/v1', async () => {
    const res = await fetch(`${apiUrl()}/functions/v1/fixture-open/sub/path?x=1`, { method: 'PUT' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { path: '/fixture-open/sub/path', search: '?x=1', method: 'PUT', authorization: null });
  });
});

describe('functions: environment, errors and routing', () => {
  it('sees the Supabase environment and the .env secrets, not SUPABASE_ names from .env', async () => {
    const { data } = await serviceClient().functions.invoke('fixture-env');
    assert.equal(data.SUPABASE_URL, apiUrl());
    assert.equal(data.SUPABASE_ANON_KEY, anonKey());
    assert.equal(data.SUPABASE_SERVICE_ROLE_KEY, serviceRoleKey());
    assert.match(data.SUPABASE_DB_URL, /^postgresql:\/\/postgres:/);
    assert.equal(data.FIXTURE_FROM_DOTENV, 'from .env');
  });

  it('answers 500 for a throwing function and keeps serving', async () => {
    const crash = await errorOf(serviceClient().functions.invoke('fixture-crash'));
    assert.deepEqual(crash, { status: 500, body: { error: { code: 'internal', message: 'Request failed due to an internal server error' } } });
    const stray = await fetch(`${apiUrl()}/functions/v1/fixture-crash/async`, { headers: { apikey: serviceRoleKey() } });
    assert.equal(await stray.text(), 'still fine');
    const health = await fetch(`${apiUrl()}/health`);
    assert.deepEqual(await health.json(), { message: 'ok' });
    const again = await serviceClient().functions.invoke('whoami');
    assert.equal(again.error, null);
  });

  it('answers 404 for unknown functions and for _shared', async () => {
    for (const name of ['no-such-function', '_shared', '..%2Fscripts']) {
      const res = await fetch(`${apiUrl()}/functions/v1/${name}`, { headers: { apikey: anonKey() } });
      assert.equal(res.status, 404, name);
      assert.deepEqual(await res.json(), { error: { code: 'not_found', message: 'Function not found' } });
    }
  });

  it('refuses a method the function does not take with the JSON error envelope', async () => {
    const res = await fetch(`${apiUrl()}/functions/v1/whoami`, { method: 'DELETE', headers: { apikey: anonKey() } });
    assert.equal(res.status, 405);
    const body = await res.json();
    assert.equal(body.error.code, 'method_not_allowed');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });
});
