/**
 * /auth/v1 through the harness gateway with supabase-js's own auth client, as a frontend uses it:
 * the seed's alice signs in with password123 and calls functions and storage with her session; a
 * new account signs up and gets a session; getUser, updateUser (metadata, password, email),
 * refresh, sign-out; tokens carry exactly GoTrue's claims and pass the functions' checks.
 * (Few sign-ins here: the harness gateway keeps config.toml's rate limits, shared by every file.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { apiUrl } from '../helpers/api.ts';
import { authClient, partialWrites, removeTestAccounts, uniqueEmail } from '../helpers/auth.ts';
import { connect, superuserUrl } from '../helpers/db.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

const BUCKET = `auth-files-${process.pid}`;
const CLAIMS = ['aal', 'amr', 'app_metadata', 'aud', 'email', 'exp', 'iat', 'is_anonymous', 'iss', 'phone', 'role', 'session_id', 'sub', 'user_metadata'];

before(async () => {
  const admin = connect(superuserUrl());
  await admin`insert into storage.buckets (id, name) values (${BUCKET}, ${BUCKET})`;
  const rule = `bucket_id = '${BUCKET}' and (storage.foldername(name))[1] = (select auth.uid()::text)`;
  await admin.unsafe(`create policy "${BUCKET} insert" on storage.objects for insert to authenticated with check (${rule})`);
  await admin.unsafe(`create policy "${BUCKET} select" on storage.objects for select to authenticated using (${rule})`);
});

after(async () => {
  const admin = connect(superuserUrl());
  await admin.unsafe(`drop policy if exists "${BUCKET} insert" on storage.objects`);
  await admin.unsafe(`drop policy if exists "${BUCKET} select" on storage.objects`);
  await admin.begin(async (tx) => {
    await tx`select set_config('storage.allow_delete_query', 'true', true)`;
    await tx`delete from storage.objects where bucket_id = ${BUCKET}`;
    await tx`delete from storage.buckets where id = ${BUCKET}`;
  });
  await removeTestAccounts();
});

describe('signing in as a seed account', () => {
  it('alice@acme.test / password123 gets a session whose token calls functions and storage as alice', async () => {
    const supabase = authClient();
    const { data, error } = await supabase.auth.signInWithPassword({ email: 'alice@acme.test', password: 'password123' });
    assert.equal(error, null);
    assert.equal(data.user!.id, USER.alice);
    assert.equal(data.user!.email, 'alice@acme.test');
    assert.equal(data.session!.token_type, 'bearer');
    assert.equal(data.session!.expires_in, 3600);
    assert.match(data.session!.refresh_token, /^[a-z2-7]{12}$/);
    assert.deepEqual(data.user!.identities!.map((i) => i.provider), ['email']);

    const claims = decodeJwt(data.session!.access_token);
    assert.deepEqual(Object.keys(claims).sort(), CLAIMS);
    assert.equal(decodeProtectedHeader(data.session!.access_token).alg, 'HS256');
    assert.equal(claims.iss, `${apiUrl()}/auth/v1`);
    assert.equal(claims.sub, USER.alice);
    assert.equal(claims.aud, 'authenticated');
    assert.equal(claims.role, 'authenticated');
    assert.equal(claims.exp! - claims.iat!, 3600);
    assert.equal(claims.aal, 'aal1');
    assert.equal((claims.amr as { method: string }[])[0].method, 'password');
    assert.deepEqual(claims.app_metadata, { provider: 'email', providers: ['email'] });
    assert.equal(claims.is_anonymous, false);
    const [session] = await connect(superuserUrl())`select user_id from auth.sessions where id = ${claims.session_id as string}`;
    assert.equal(session.user_id, USER.alice);

    const who = await supabase.functions.invoke('whoami');
    assert.equal(who.error, null);
    assert.deepEqual({ role: who.data.role, user: who.data.user_id, tenant: who.data.tenant_id }, { role: 'authenticated', user: USER.alice, tenant: TENANT.acme });

    const up = await supabase.storage.from(BUCKET).upload(`${USER.alice}/hello.txt`, new Blob(['hi'], { type: 'text/plain' }));
    assert.equal(up.error, null);
    const [obj] = await connect(superuserUrl())`select owner_id from storage.objects where bucket_id = ${BUCKET} and name = ${`${USER.alice}/hello.txt`}`;
    assert.equal(obj.owner_id, USER.alice);
    const down = await supabase.storage.from(BUCKET).download(`${USER.alice}/hello.txt`);
    assert.equal(await down.data!.text(), 'hi');
    const refused = await supabase.storage.from(BUCKET).upload(`${USER.bob}/x.txt`, new Blob(['x'], { type: 'text/plain' }));
    assert.ok(refused.error, 'RLS keeps alice out of bob\'s folder');

    await supabase.auth.signOut({ scope: 'local' });
  });

  it('GET /settings, /health and the signing keys answer as GoTrue', async () => {
    const settings = await (await fetch(`${apiUrl()}/auth/v1/settings`)).json();
    assert.equal(settings.disable_signup, false);
    assert.equal(settings.mailer_autoconfirm, true);
    assert.equal(settings.external.email, true);
    assert.equal(settings.external.phone, false);
    const health = await (await fetch(`${apiUrl()}/auth/v1/health`)).json();
    assert.equal(health.name, 'GoTrue');
    const jwks = await fetch(`${apiUrl()}/auth/v1/.well-known/jwks.json`);
    assert.equal(jwks.status, 200);
    assert.ok(Array.isArray((await jwks.json()).keys));
    const nowhere = await fetch(`${apiUrl()}/auth/v1/no-such-route`);
    assert.equal(nowhere.status, 404);
    assert.equal(await nowhere.text(), '404 page not found\n');
  });
});

describe('a new account', () => {
  it('signs up, is signed in at once, updates itself, refreshes and signs out', async () => {
    const supabase = authClient();
    const email = uniqueEmail('flow');
    const signUp = await supabase.auth.signUp({ email, password: 'first-pass-1', options: { data: { display_name: 'Flow' } } });
    assert.equal(signUp.error, null);
    const user = signUp.data.user!;
    assert.ok(signUp.data.session, 'confirmations are off locally: sign-up returns a session');
    assert.equal(user.email, email);
    assert.ok(user.email_confirmed_at);
    assert.equal(user.user_metadata.display_name, "Flow");
    assert.equal(user.user_metadata.email_verified, true);
    assert.equal(user.identities!.length, 1);
    assert.equal(user.identities![0].identity_data!.email, email);
    assert.deepEqual(await partialWrites(), { usersWithoutIdentity: [], sessionsWithoutToken: [] });

    const who = await supabase.functions.invoke('whoami');
    assert.equal(who.data.user_id, user.id);
    assert.equal(who.data.tenant_id, null);

    const got = await supabase.auth.getUser();
    assert.equal(got.error, null);
    assert.equal(got.data.user!.id, user.id);

    const meta = await supabase.auth.updateUser({ data: { display_name: null, theme: 'dark' } });
    assert.equal(meta.error, null);
    assert.equal(meta.data.user!.user_metadata.theme, 'dark');
    assert.equal('display_name' in meta.data.user!.user_metadata, false, 'null deletes a key');

    const pw = await supabase.auth.updateUser({ password: 'second-pass-2' });
    assert.equal(pw.error, null);
    const old = await authClient().auth.signInWithPassword({ email, password: 'first-pass-1' });
    assert.equal(old.error?.code, 'invalid_credentials');
    const fresh = authClient();
    const renewed = await fresh.auth.signInWithPassword({ email, password: 'second-pass-2' });
    assert.equal(renewed.error, null);

    const newEmail = uniqueEmail('moved');
    const moved = await fresh.auth.updateUser({ email: newEmail });
    assert.equal(moved.error, null);
    assert.equal(moved.data.user!.email, newEmail);
    assert.equal(moved.data.user!.identities![0].identity_data!.email, newEmail);

    const before = (await fresh.auth.getSession()).data.session!;
    const refreshed = await fresh.auth.refreshSession();
    assert.equal(refreshed.error, null);
    assert.notEqual(refreshed.data.session!.refresh_token, before.refresh_token);
    assert.equal(decodeJwt(refreshed.data.session!.access_token).session_id, decodeJwt(before.access_token).session_id);
    assert.equal(decodeJwt(refreshed.data.session!.access_token).email, newEmail);

    const token = refreshed.data.session!.access_token;
    const refresh = refreshed.data.session!.refresh_token;
    assert.equal((await fresh.auth.signOut({ scope: 'local' })).error, null);
    const after = await authClient().auth.getUser(token);
    assert.equal(after.error?.name, 'AuthSessionMissingError', 'a signed-out session\'s token no longer works for /user');
    const again = await authClient().auth.refreshSession({ refresh_token: refresh });
    assert.equal(again.error?.code, 'refresh_token_not_found');
    assert.equal(again.error?.status, 400);
  });
});
