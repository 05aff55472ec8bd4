/**
 * Refresh-token rotation and sign-out through supabase-js, as GoTrue does them
 * (internal/tokens/service.go RefreshTokenGrant, api/logout.go), on a gateway of its own with
 * `[auth] refresh_token_reuse_interval = 2`: a refresh revokes its token and issues a child; the
 * parent of the active token answers with that same child (a client that lost the answer); an
 * older token is accepted within the reuse interval and after it is refused with
 * refresh_token_already_used, which revokes every token of the session. Sign-out scopes local,
 * others and global delete those sessions: their refresh tokens and access tokens stop working.
 * Anonymous sign-ins (enable_anonymous_sign_ins = true here) make a user without identity.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { decodeJwt } from 'jose';
import { serviceRoleKey } from '../helpers/api.ts';
import { authClient, partialWrites, removeTestAccounts, startAuthGateway, uniqueEmail } from '../helpers/auth.ts';
import { connect, superuserUrl } from '../helpers/db.ts';

const REUSE_INTERVAL_S = 2;
let gw: { url: string; stop: () => Promise<void> };

before(async () => {
  gw = await startAuthGateway({
    'auth.refresh_token_reuse_interval': REUSE_INTERVAL_S,
    'auth.jwt_expiry': 600,
    'auth.enable_anonymous_sign_ins': true,
    'auth.rate_limit.sign_in_sign_ups': 100000,
    'auth.rate_limit.token_refresh': 100000,
  });
});
after(async () => {
  await removeTestAccounts();
  await gw?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const client = () => authClient(gw.url);

async function account(): Promise<{ email: string; password: string }> {
  const email = uniqueEmail('refresh');
  const made = await authClient(gw.url, serviceRoleKey()).auth.admin.createUser({ email, password: 'refresh-pass-1', email_confirm: true });
  assert.equal(made.error, null);
  return { email, password: 'refresh-pass-1' };
}

async function signIn(who: { email: string; password: string }): Promise<{ client: SupabaseClient; access: string; refresh: string; sessionId: string }> {
  const c = client();
  const { data, error } = await c.auth.signInWithPassword(who);
  assert.equal(error, null);
  return { client: c, access: data.session!.access_token, refresh: data.session!.refresh_token, sessionId: decodeJwt(data.session!.access_token).session_id as string };
}

const refresh = (token: string) => client().auth.refreshSession({ refresh_token: token });

async function activeTokens(sessionId: string): Promise<number> {
  const [row] = await connect(superuserUrl())`select count(*)::int as n from auth.refresh_tokens where session_id = ${sessionId} and not revoked`;
  return row.n;
}

describe('refresh token rotation', () => {
  it('issues a child, keeps the session and the access token\'s expiry from jwt_expiry', async () => {
    const s = await signIn(await account());
    const { data, error } = await refresh(s.refresh);
    assert.equal(error, null);
    assert.notEqual(data.session!.refresh_token, s.refresh);
    const claims = decodeJwt(data.session!.access_token);
    assert.equal(claims.session_id, s.sessionId);
    assert.equal(claims.exp! - claims.iat!, 600);
    assert.equal(data.session!.expires_in, 600);
    const [row] = await connect(superuserUrl())`select parent, revoked from auth.refresh_tokens where token = ${data.session!.refresh_token}`;
    assert.deepEqual({ ...row }, { parent: s.refresh, revoked: false });
    assert.equal(await activeTokens(s.sessionId), 1);
  });

  it('the parent of the active token answers with that same child, within the interval and after it', async () => {
    const s = await signIn(await account());
    const first = await refresh(s.refresh);
    const child = first.data.session!.refresh_token;
    const again = await refresh(s.refresh);
    assert.equal(again.error, null);
    assert.equal(again.data.session!.refresh_token, child, 'the same child, no new token');
    await sleep(REUSE_INTERVAL_S * 1000 + 500);
    const later = await refresh(s.refresh);
    assert.equal(later.error, null);
    assert.equal(later.data.session!.refresh_token, child);
    assert.equal(await activeTokens(s.sessionId), 1);
  });

  it('concurrent refreshes with one token all get the same child', async () => {
    const s = await signIn(await account());
    const results = await Promise.all(Array.from({ length: 8 }, () => refresh(s.refresh)));
    assert.deepEqual(results.map((r) => r.error), results.map(() => null));
    assert.equal(new Set(results.map((r) => r.data.session!.refresh_token)).size, 1);
    assert.equal(await activeTokens(s.sessionId), 1);
  });

  it('an older token: accepted within the reuse interval, refused after it (refresh_token_already_used), and the session\'s tokens revoked', async () => {
    const s = await signIn(await account());
    const r1 = (await refresh(s.refresh)).data.session!.refresh_token;
    const r2 = (await refresh(r1)).data.session!.refresh_token;
    // s.refresh is now a grandparent, revoked moments ago: within the interval it still refreshes.
    const within = await refresh(s.refresh);
    assert.equal(within.error, null);
    assert.equal(decodeJwt(within.data.session!.access_token).session_id, s.sessionId);

    const s2 = await signIn(await account());
    const t1 = (await refresh(s2.refresh)).data.session!.refresh_token;
    const t2 = (await refresh(t1)).data.session!.refresh_token;
    await sleep(REUSE_INTERVAL_S * 1000 + 500);
    const reused = await refresh(s2.refresh);
    assert.deepEqual([reused.error?.name, reused.error?.code, reused.error?.status], ['AuthApiError', 'refresh_token_already_used', 400]);
    assert.equal(reused.error?.message, 'Invalid Refresh Token: Already Used');
    assert.equal(await activeTokens(s2.sessionId), 0, 'every token of the session is revoked');
    // The active token was revoked with the family: after the interval it is refused too.
    await sleep(REUSE_INTERVAL_S * 1000 + 500);
    const active = await refresh(t2);
    assert.equal(active.error?.code, 'refresh_token_already_used');
    assert.ok(r2);
  });
});

describe('sign-out scopes', () => {
  it('local signs out this session only; others all but this one; global every session', async () => {
    const who = await account();
    const [a, b, c] = [await signIn(who), await signIn(who), await signIn(who)];

    assert.equal((await a.client.auth.signOut({ scope: 'local' })).error, null);
    assert.equal((await refresh(a.refresh)).error?.code, 'refresh_token_not_found');
    assert.equal((await client().auth.getUser(a.access)).error?.name, 'AuthSessionMissingError');
    assert.equal((await client().auth.getUser(b.access)).error, null);
    assert.equal((await client().auth.getUser(c.access)).error, null);

    assert.equal((await b.client.auth.signOut({ scope: 'others' })).error, null);
    assert.equal((await client().auth.getUser(c.access)).error?.name, 'AuthSessionMissingError');
    assert.equal((await refresh(c.refresh)).error?.code, 'refresh_token_not_found');
    assert.equal((await client().auth.getUser(b.access)).error, null);

    const d = await signIn(who);
    assert.equal((await b.client.auth.signOut()).error, null, 'global is the default');
    for (const s of [b, d]) {
      assert.equal((await client().auth.getUser(s.access)).error?.name, 'AuthSessionMissingError');
      assert.equal((await refresh(s.refresh)).error?.code, 'refresh_token_not_found');
    }
    const [left] = await connect(superuserUrl())`select count(*)::int as n from auth.sessions s join auth.users u on u.id = s.user_id where u.email = ${who.email}`;
    assert.equal(left.n, 0);
  });

  it('a password change signs out the other sessions and keeps this one; an admin\'s signs out all', async () => {
    const who = await account();
    const [a, b] = [await signIn(who), await signIn(who)];
    assert.equal((await a.client.auth.updateUser({ password: 'refresh-pass-2' })).error, null);
    assert.equal((await client().auth.getUser(a.access)).error, null);
    assert.equal((await client().auth.getUser(b.access)).error?.name, 'AuthSessionMissingError');
    const id = decodeJwt(a.access).sub!;
    assert.equal((await authClient(gw.url, serviceRoleKey()).auth.admin.updateUserById(id, { password: 'refresh-pass-3' })).error, null);
    assert.equal((await client().auth.getUser(a.access)).error?.name, 'AuthSessionMissingError');
    assert.equal((await client().auth.signInWithPassword({ email: who.email, password: 'refresh-pass-3' })).error, null);
    assert.deepEqual(await partialWrites(), { usersWithoutIdentity: [], sessionsWithoutToken: [] });
  });

  it('deleting the user ends its sessions: refresh refused, /user says the user is gone', async () => {
    const who = await account();
    const s = await signIn(who);
    const id = decodeJwt(s.access).sub!;
    assert.equal((await authClient(gw.url, serviceRoleKey()).auth.admin.deleteUser(id)).error, null);
    assert.equal((await refresh(s.refresh)).error?.code, 'refresh_token_not_found');
    const gone = await client().auth.getUser(s.access);
    assert.deepEqual([gone.error?.code, gone.error?.status], ['user_not_found', 403]);
  });
});

describe('anonymous sign-ins', () => {
  it('make a signed-in user without identity whose token says is_anonymous; a password needs an email first', async () => {
    const c = client();
    const { data, error } = await c.auth.signInAnonymously({ options: { data: { nickname: 'guest' } } });
    assert.equal(error, null);
    const user = data.user!;
    try {
      assert.equal(user.is_anonymous, true);
      assert.deepEqual(user.identities, []);
      assert.deepEqual(user.app_metadata, {});
      assert.equal(user.user_metadata.nickname, 'guest');
      const claims = decodeJwt(data.session!.access_token);
      assert.equal(claims.is_anonymous, true);
      assert.equal((claims.amr as { method: string }[])[0].method, 'anonymous');
      assert.equal((await c.auth.getUser()).data.user!.id, user.id);
      const pw = await c.auth.updateUser({ password: 'anon-pass-1' });
      assert.deepEqual([pw.error?.code, pw.error?.status], ['validation_failed', 422]);
      assert.equal((await refresh(data.session!.refresh_token)).error, null);
    } finally {
      await connect(superuserUrl())`delete from auth.users where id = ${user.id}`;
    }
  });
});
