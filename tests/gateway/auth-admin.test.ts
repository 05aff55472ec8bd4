/**
 * The admin API through supabase-js's auth.admin with the service_role key, on the harness
 * gateway: create (confirmed or not, with metadata), list with page/per_page (total, next and last
 * page from X-Total-Count and Link), read, update (metadata merged, password, email, ban), delete
 * (hard: identities and sessions go too; soft), invite; refused with the anon key and with a user's
 * token; the sb_secret_ key works like the service_role key.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { apiUrl, anonKey, serviceRoleKey } from '../helpers/api.ts';
import { authClient, removeTestAccounts, uniqueEmail } from '../helpers/auth.ts';
import { connect, superuserUrl } from '../helpers/db.ts';

const admin = () => authClient(apiUrl(), serviceRoleKey()).auth.admin;
after(removeTestAccounts);

describe('admin users', () => {
  it('creates a confirmed user with metadata and an email identity; it signs in', async () => {
    const email = uniqueEmail('admin');
    const { data, error } = await admin().createUser({
      email, password: 'admin-made-1', email_confirm: true, user_metadata: { display_name: 'Made' }, app_metadata: { plan: 'pro' },
    });
    assert.equal(error, null);
    const user = data.user!;
    assert.equal(user.email, email);
    assert.ok(user.email_confirmed_at);
    assert.deepEqual(user.app_metadata, { provider: 'email', providers: ['email'], plan: 'pro' });
    assert.deepEqual(user.user_metadata, { display_name: 'Made' });
    assert.deepEqual(user.identities!.map((i) => [i.provider, i.id]), [['email', user.id]]);
    const [row] = await connect(superuserUrl())`select encrypted_password like '$2a$10$%' as bcrypt10 from auth.users where id = ${user.id}`;
    assert.equal(row.bcrypt10, true, 'bcrypt at GoTrue\'s cost 10, through pgcrypto');
    const signIn = await authClient().auth.signInWithPassword({ email, password: 'admin-made-1' });
    assert.equal(signIn.error, null);
    assert.equal(signIn.data.user!.app_metadata.plan, 'pro');
  });

  it('lists users newest first with page/per_page, total and last page', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await admin().createUser({ email: uniqueEmail('list'), password: 'list-pass-1' })).error, null);
    const first = await admin().listUsers({ page: 1, perPage: 2 });
    assert.equal(first.error, null);
    assert.equal(first.data.users.length, 2);
    assert.ok((first.data as unknown as { total: number }).total >= 9, 'total from X-Total-Count (the seed\'s six and these three at least)');
    assert.equal((first.data as unknown as { nextPage: number }).nextPage, 2);
    const created = first.data.users.map((u) => u.created_at);
    assert.deepEqual(created, [...created].sort().reverse(), 'newest first');
    const res = await fetch(`${apiUrl()}/auth/v1/admin/users?page=1&per_page=2`, { headers: { Authorization: `Bearer ${serviceRoleKey()}`, apikey: serviceRoleKey() } });
    assert.match(res.headers.get('link')!, /^<\/admin\/users\?page=2&per_page=2>; rel="next", <\/admin\/users\?page=\d+&per_page=2>; rel="last"$/);
    assert.match(res.headers.get('x-total-count')!, /^\d+$/);
    const body = await res.json();
    assert.equal(body.aud, 'authenticated');
  });

  it('reads, updates (metadata merged, null deletes; email; password; ban) and deletes a user', async () => {
    const email = uniqueEmail('update');
    const { data } = await admin().createUser({ email, password: 'update-pass-1', email_confirm: true, user_metadata: { a: 1, b: 2 } });
    const id = data.user!.id;
    const got = await admin().getUserById(id);
    assert.equal(got.data.user!.email, email);

    const newEmail = uniqueEmail('updated');
    const updated = await admin().updateUserById(id, { email: newEmail, user_metadata: { b: null, c: 3 }, password: 'update-pass-2' });
    assert.equal(updated.error, null);
    assert.deepEqual(updated.data.user!.user_metadata, { a: 1, c: 3 });
    assert.equal(updated.data.user!.email, newEmail);
    assert.equal(updated.data.user!.identities![0].identity_data!.email, newEmail);
    assert.equal((await authClient().auth.signInWithPassword({ email: newEmail, password: 'update-pass-1' })).error?.code, 'invalid_credentials');
    const signedIn = await authClient().auth.signInWithPassword({ email: newEmail, password: 'update-pass-2' });
    assert.equal(signedIn.error, null);

    const banned = await admin().updateUserById(id, { ban_duration: '24h' });
    assert.ok(banned.data.user!.banned_until);
    assert.equal((await authClient().auth.refreshSession({ refresh_token: signedIn.data.session!.refresh_token })).error?.code, 'user_banned');

    assert.equal((await admin().deleteUser(id)).error, null);
    const [left] = await connect(superuserUrl())`
      select (select count(*)::int from auth.users where id = ${id}) as users, (select count(*)::int from auth.identities where user_id = ${id}) as identities,
             (select count(*)::int from auth.sessions where user_id = ${id}) as sessions`;
    assert.deepEqual({ ...left }, { users: 0, identities: 0, sessions: 0 });
    assert.equal((await admin().getUserById(id)).error?.code, 'user_not_found');
  });

  it('soft-deletes: the row stays with deleted_at, its sessions go, it can no longer sign in', async () => {
    const email = uniqueEmail('soft');
    const { data } = await admin().createUser({ email, password: 'soft-pass-1', email_confirm: true });
    const id = data.user!.id;
    assert.equal((await authClient().auth.signInWithPassword({ email, password: 'soft-pass-1' })).error, null);
    assert.equal((await admin().deleteUser(id, true)).error, null);
    const got = await admin().getUserById(id);
    assert.ok(got.data.user!.deleted_at);
    const [s] = await connect(superuserUrl())`select count(*)::int as n from auth.sessions where user_id = ${id}`;
    assert.equal(s.n, 0);
    assert.equal((await authClient().auth.signInWithPassword({ email, password: 'soft-pass-1' })).error?.code, 'invalid_credentials');
    await connect(superuserUrl())`delete from auth.users where id = ${id}`;
  });

  it('invites: an invited user without a password, with its identity; inviting a confirmed address is email_exists', async () => {
    const email = uniqueEmail('invite');
    const { data, error } = await admin().inviteUserByEmail(email, { data: { team: 'blue' } });
    assert.equal(error, null);
    assert.ok(data.user!.invited_at);
    assert.equal(data.user!.email_confirmed_at, undefined);
    assert.equal(data.user!.user_metadata.team, 'blue');
    assert.equal(data.user!.identities!.length, 1);
    const again = await admin().inviteUserByEmail(email);
    assert.equal(again.error, null, 'an unconfirmed invitee is invited again');
    const confirmed = await admin().inviteUserByEmail('alice@acme.test');
    assert.deepEqual([confirmed.error?.code, confirmed.error?.status], ['email_exists', 422]);
  });

  it('the admin API refuses the anon key and a user token (not_admin); the sb_secret_ key is service_role', async () => {
    const asAnon = await authClient(apiUrl(), anonKey()).auth.admin.listUsers();
    assert.deepEqual([asAnon.error?.code, asAnon.error?.status], ['not_admin', 403]);
    const email = uniqueEmail('notadmin');
    await admin().createUser({ email, password: 'not-admin-1', email_confirm: true });
    const { data } = await authClient().auth.signInWithPassword({ email, password: 'not-admin-1' });
    const token = data.session!.access_token;
    const asUser = await fetch(`${apiUrl()}/auth/v1/admin/users`, { method: 'POST', body: JSON.stringify({ email: uniqueEmail('x') }),
      headers: { Authorization: `Bearer ${token}`, apikey: anonKey(), 'Content-Type': 'application/json', 'X-Supabase-Api-Version': '2024-01-01' } });
    assert.deepEqual([asUser.status, (await asUser.json()).code], [403, 'not_admin']);
    const secret = await fetch(`${apiUrl()}/auth/v1/admin/users?per_page=1`, { headers: { apikey: 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz' } });
    assert.equal(secret.status, 200);
  });
});
