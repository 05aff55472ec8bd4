/**
 * What the Data API stand-in keeps between requests must never change an answer: verified tokens
 * (cached by the whole token string until their exp) and the pool's prepared statements (fixed
 * statements only, so DDL and NOTIFY pgrst reloads never meet a stale plan or parameter type).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { connect, superuserUrl } from '../helpers/db.ts';
import { assertPgrstError, rest } from '../helpers/rest.ts';
import { CONVERSATION, TENANT, USER } from '../helpers/seed-ids.ts';

const secret = () => new TextEncoder().encode(process.env.TEST_JWT_SECRET!);

/** GoTrue-like claims for a user, with an exact exp (seconds). */
function mint(userId: string, exp: number, key = secret()): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ aud: 'authenticated', role: 'authenticated', email: '', session_id: crypto.randomUUID(), is_anonymous: false })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(userId).setIssuedAt(now).setExpirationTime(exp).sign(key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ids = (json: unknown) => (json as { id: string }[]).map((r) => r.id).sort();
const asUser = (token: string) => rest(`/conversations?select=id,tenant_id&id=in.(${Object.values(CONVERSATION).join(',')})`, { headers: { Authorization: `Bearer ${token}` } });

describe('rest: verified tokens are cached, never trusted', () => {
  it('a cached token stops working the moment its exp passes, with PostgREST\'s PGRST303', async () => {
    const exp = Math.floor(Date.now() / 1000) + 4;
    const token = await mint(USER.bob, exp);
    for (let i = 0; i < 3; i++) {
      const ok = await asUser(token);
      assert.equal(ok.status, 200, ok.text);
      assert.ok((ok.json as { tenant_id: string }[]).every((c) => c.tenant_id === TENANT.acme));
    }
    // jose refuses a token once the whole seconds of now reach exp; the cached entry must as well.
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 20));
    const expired = await asUser(token);
    assert.equal(expired.status, 401);
    assertPgrstError(expired.json, { code: 'PGRST303', message: 'JWT expired' });
    assert.match(expired.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
    assert.equal((await asUser(token)).status, 401, 'and stays refused');
  });

  it('a forged or altered copy of a cached token is refused; the cached one still answers as its own user', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = await mint(USER.bob, exp);
    const bob = await asUser(token);
    assert.equal(bob.status, 200);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forgeries = {
      'same claims, signed with another secret': await mint(USER.bob, exp, new TextEncoder().encode('x'.repeat(40))),
      'another user\'s claims with the cached signature': `${header}.${b64({ ...claims, sub: USER.carol })}.${signature}`,
      'service_role claims with the cached signature': `${header}.${b64({ ...claims, role: 'service_role' })}.${signature}`,
      'one signature character changed': `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`,
      'alg none with the cached claims': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    };
    for (const [what, forged] of Object.entries(forgeries)) {
      for (let i = 0; i < 2; i++) {
        const res = await asUser(forged);
        assert.equal(res.status, 401, `${what}: ${res.text}`);
        assertPgrstError(res.json, { code: 'PGRST301', message: 'JWT cryptographic operation failed' });
      }
    }
    const again = await asUser(token);
    assert.equal(again.status, 200);
    assert.deepEqual(ids(again.json), ids(bob.json));
    // Tokens of two users, both cached, each keep their own claims.
    const carol = await mint(USER.carol, exp);
    for (let i = 0; i < 2; i++) {
      const [b, c] = await Promise.all([asUser(token), asUser(carol)]);
      assert.ok((b.json as { tenant_id: string }[]).every((r) => r.tenant_id === TENANT.acme));
      assert.ok((c.json as { tenant_id: string }[]).every((r) => r.tenant_id === TENANT.globex));
      assert.notDeepEqual(ids(b.json), ids(c.json));
    }
  });
});

describe('rest: prepared statements and DDL', () => {
  it('a column\'s type changed under a running gateway: filters and results follow the reloaded schema, never a stale plan', async () => {
    const admin = connect(superuserUrl());
    const table = `rest_cache_probe_${process.pid}`;
    const reloaded = async (path: string, ready: (r: Awaited<ReturnType<typeof rest>>) => boolean) => {
      let res = await rest(path, { headers: { 'Accept-Profile': 'graphql_public' } });
      for (let i = 0; i < 50 && !ready(res); i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await rest(path, { headers: { 'Accept-Profile': 'graphql_public' } });
      }
      return res;
    };
    await admin.unsafe(`create schema if not exists graphql_public; grant usage on schema graphql_public to anon, authenticated, service_role;
      create table graphql_public.${table} (id int primary key, v int not null);
      insert into graphql_public.${table} values (1, 1), (2, 2);
      grant select on graphql_public.${table} to anon;
      notify pgrst, 'reload schema'`);
    try {
      const before = await reloaded(`/${table}?select=id,v&v=eq.1`, (r) => r.status === 200);
      assert.equal(before.status, 200, before.text);
      assert.deepEqual(before.json, [{ id: 1, v: 1 }]);
      // The same request many times over (every pooled connection has run it), then the DDL.
      await Promise.all(Array.from({ length: 20 }, () => rest(`/${table}?select=id,v&v=eq.1`, { headers: { 'Accept-Profile': 'graphql_public' } })));
      await admin.unsafe(`alter table graphql_public.${table} alter column v type text using 'v' || v, add column w int default 7;
        notify pgrst, 'reload schema'`);
      const after = await reloaded(`/${table}?select=id,v,w&v=eq.v1`, (r) => r.status === 200);
      assert.equal(after.status, 200, after.text);
      assert.deepEqual(after.json, [{ id: 1, v: 'v1', w: 7 }]);
      for (let i = 0; i < 20; i++) {
        const res = await rest(`/${table}?select=id,v&v=eq.v2`, { headers: { 'Accept-Profile': 'graphql_public' } });
        assert.deepEqual([res.status, res.json], [200, [{ id: 2, v: 'v2' }]]);
      }
    } finally {
      await admin.unsafe(`drop table graphql_public.${table}; notify pgrst, 'reload schema'`);
    }
  });
});
