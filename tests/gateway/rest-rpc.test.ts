/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * /rest/v1/rpc through supabase-js: table-returning functions with filters and select on their
 * result, GET calls, a composite return, raised errors with PostgREST's statuses, PGRST202; and the
 * request's JWT, headers and timeout as PostgREST sets them; JWT refusals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { userToken } from '../helpers/api.ts';
import { connect, superuserUrl } from '../helpers/db.ts';
import { message, USER } from '../helpers/seed-ids.ts';
import { anonDb, assertPgrstError, rest, serviceDb, userDb } from '../helpers/rest.ts';

describe('rest rpc', () => {
  it('get_message_feedback_summary: rows of the caller\'s tenant, with select and filters on the result', async () => {
    const db = await userDb(USER.alice);
    const ids = [message(1, 2), message(4, 2)];
    const { data, error, status } = await db.rpc('get_message_feedback_summary', { p_message_ids: ids });
    assert.equal(error, null);
    assert.equal(status, 200);
    assert.ok(data!.every((r) => r.message_id === message(1, 2)));
    const picked = await db.rpc('get_message_feedback_summary', { p_message_ids: ids }).select('message_id').eq('message_id', message(4, 2));
    assert.deepEqual(picked.data, []);
    const got = await db.rpc('get_message_feedback_summary', { p_message_ids: ids }, { get: true });
    assert.equal(got.error, null);
    assert.deepEqual(got.data, data);
  });

  it('get_monthly_usage_summary with defaults; 22023 from RAISE is 400 with the message', async () => {
    const db = await userDb(USER.bob);
    const { data, error } = await db.rpc('get_monthly_usage_summary');
    assert.equal(error, null);
    assert.ok(data!.every((r) => r.user_id === USER.bob));
    const bad = await db.rpc('get_monthly_usage_summary', { p_from: '2026-05-01', p_to: '2026-01-01' });
    assert.equal(bad.status, 400);
    assertPgrstError(bad.error, { code: '22023', message: 'get_monthly_usage_summary: p_from (2026-05-01) is after p_to (2026-01-01)', details: null, hint: null });
  });

  it('create_tenant: the tenant as an object; TN001 (400) when the caller already has one; 401 for anon', async () => {
    const bob = await userDb(USER.bob);
    const again = await bob.rpc('create_tenant', { p_name: 'Second', p_slug: `second-${process.pid}` });
    assert.equal(again.status, 400);
    assert.equal(again.error!.code, 'TN001');
    const anon = await anonDb().rpc('create_tenant', { p_name: 'Anon', p_slug: `anon-${process.pid}` });
    assert.equal(anon.status, 401);
    assert.equal(anon.error!.code, '42501');
  });

  it('unknown function or arguments: 404 PGRST202 as PostgREST words it', async () => {
    const db = serviceDb();
    const none = await db.rpc('nope' as 'create_tenant', {} as never);
    assert.equal(none.status, 404);
    assertPgrstError(none.error, {
      code: 'PGRST202', message: 'Could not find the function public.nope without parameters in the schema cache',
      details: 'Searched for the function public.nope without parameters or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
    });
    const args = await db.rpc('get_monthly_usage_summary', { p_x: 1 } as never);
    assertPgrstError(args.error, { code: 'PGRST202', message: 'Could not find the function public.get_monthly_usage_summary(p_x) in the schema cache' });
  });
});

describe('rest requests as PostgREST sets them up', () => {
  it('invalid JWTs are 401 PGRST301/PGRST303 with WWW-Authenticate; an empty bearer is PGRST301', async () => {
    const forged = await rest('/conversations', { headers: { Authorization: `Bearer ${await userToken(USER.bob, { secret: 'x'.repeat(40) })}` } });
    assert.equal(forged.status, 401);
    assertPgrstError(forged.json, { code: 'PGRST301', message: 'JWT cryptographic operation failed' });
    assert.match(forged.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
    const expired = await rest('/conversations', { headers: { Authorization: `Bearer ${await userToken(USER.bob, { expiresIn: -120 })}` } });
    assertPgrstError(expired.json, { code: 'PGRST303', message: 'JWT expired' });
    const parts = await rest('/conversations', { headers: { Authorization: 'Bearer abc' } });
    assertPgrstError(parts.json, { code: 'PGRST301', message: 'Expected 3 parts in JWT; got 1' });
  });

  it('one transaction with role, claims, method, path, lower-case headers and the role\'s statement_timeout; NOTIFY pgrst reloads', async () => {
    const admin = connect(superuserUrl());
    const fn = `rest_probe_${process.pid}`;
    await admin.unsafe(`create schema if not exists graphql_public; grant usage on schema graphql_public to anon, authenticated, service_role;
      create function graphql_public.${fn}(p_x int default 0) returns json language sql stable as $$
        select json_build_object('user', current_user, 'claims', current_setting('request.jwt.claims', true)::json, 'method', current_setting('request.method', true),
          'path', current_setting('request.path', true), 'headers', current_setting('request.headers', true)::json, 'timeout', current_setting('statement_timeout'),
          'uid', auth.uid(), 'read_only', current_setting('transaction_read_only'), 'search_path', current_setting('search_path'), 'x', p_x) $$;
      grant execute on function graphql_public.${fn}(int) to anon, authenticated;
      notify pgrst, 'reload schema'`);
    try {
      const db = (await userDb(USER.bob)).schema('graphql_public' as 'public');
      let res = await db.rpc(fn as 'create_tenant', { p_x: 7 } as never);
      for (let i = 0; i < 50 && res.error?.code === 'PGRST202'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await db.rpc(fn as 'create_tenant', { p_x: 7 } as never);
      }
      assert.equal(res.error, null);
      const p = res.data as unknown as Record<string, any>;
      assert.equal(p.user, 'authenticated');
      assert.equal(p.uid, USER.bob);
      assert.equal(p.claims.sub, USER.bob);
      assert.equal(p.claims.role, 'authenticated');
      assert.equal(p.method, 'POST');
      assert.equal(p.path, `/rpc/${fn}`);
      assert.equal(p.headers['content-profile'], 'graphql_public');
      assert.equal(p.headers.cookie, undefined);
      assert.equal(p.timeout, '8s');
      assert.equal(p.read_only, 'on', 'a stable function runs read only');
      assert.equal(p.search_path, '"graphql_public", "extensions"');
      assert.equal(p.x, 7);
      const anon = await rest(`/rpc/${fn}?p_x=3`, { headers: { 'Accept-Profile': 'graphql_public', Cookie: 'a=b' } });
      assert.equal(anon.status, 200);
      const a = anon.json as Record<string, any>;
      // The anon key is a JWT: its claims, as PostgREST passes them.
      assert.deepEqual([a.user, a.claims.role, a.method, a.timeout, a.x, a.headers.cookie, a.read_only], ['anon', 'anon', 'GET', '3s', 3, undefined, 'on']);
    } finally {
      await admin.unsafe(`drop function graphql_public.${fn}(int); notify pgrst, 'reload schema'`);
    }
  });

  it('out of scope: PUT is PGRST127, CSV / plan media are 406 PGRST107, deeper paths 404 PGRST125, RPC PATCH 405 PGRST101', async () => {
    const put = await rest('/conversations?id=eq.x', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(put.status, 400);
    assertPgrstError(put.json, { code: 'PGRST127' });
    const csv = await serviceDb().from('conversations').select('id').csv();
    assert.equal(csv.status, 406);
    assertPgrstError(csv.error, { code: 'PGRST107', message: 'None of these media types are available: text/csv' });
    const deep = await rest('/conversations/x');
    assert.equal(deep.status, 404);
    assertPgrstError(deep.json, { code: 'PGRST125' });
    const patch = await rest('/rpc/create_tenant', { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(patch.status, 405);
    assertPgrstError(patch.json, { code: 'PGRST101', message: 'Cannot use the PATCH method on RPC' });
  });
});
