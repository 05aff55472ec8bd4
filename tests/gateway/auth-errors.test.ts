/**
 * /auth/v1's refusals through supabase-js: each GoTrue error_code with its status, as auth-js
 * raises it (AuthApiError, AuthWeakPasswordError, AuthSessionMissingError), both error shapes
 * (with and without X-Supabase-Api-Version), nothing written by a refused request, and 20
 * concurrent sign-ups of one address making exactly one user with one identity. A gateway of its
 * own with stricter password rules (8 characters, letters and digits) and limits out of the way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { anonKey, serviceRoleKey, userToken } from '../helpers/api.ts';
import { authClient, authCounts, partialWrites, removeTestAccounts, startAuthGateway, uniqueEmail } from '../helpers/auth.ts';
import { connect, superuserUrl } from '../helpers/db.ts';
import { USER } from '../helpers/seed-ids.ts';

let gw: { url: string; stop: () => Promise<void> };
/** An account of this file's own (confirmed, password known), so counts are not disturbed by other files signing in as alice. */
const MINE = { email: uniqueEmail('mine'), password: 'known-password-1' };
const anon = () => authClient(gw.url);
const service = () => authClient(gw.url, serviceRoleKey());

before(async () => {
  gw = await startAuthGateway({
    'auth.minimum_password_length': 8,
    'auth.password_requirements': 'letters_digits',
    'auth.rate_limit.sign_in_sign_ups': 100000,
    'auth.rate_limit.token_refresh': 100000,
  });
  const made = await service().auth.admin.createUser({ ...MINE, email_confirm: true });
  assert.equal(made.error, null);
});
after(async () => {
  await removeTestAccounts();
  await gw?.stop();
});

type Refusal = { code?: string; status?: number; name: string; message: string };

/** The error, after checking that the refusal wrote nothing for the accounts it names (other files write others meanwhile). */
async function refusedCleanly<T extends { error: unknown }>(call: () => Promise<T>, emails: string[]): Promise<Refusal> {
  const scope = emails;
  const before = await authCounts(scope);
  const { error } = await call();
  assert.ok(error, 'expected a refusal');
  assert.deepEqual(await authCounts(scope), before, 'a refused request changes no auth row');
  return error as Refusal;
}

const signUpRefused = (email: string, password: string) => refusedCleanly(() => anon().auth.signUp({ email, password }), [email]);

async function signedIn(): Promise<{ client: SupabaseClient; email: string; password: string }> {
  const client = anon();
  const email = uniqueEmail('err');
  const password = 'letters-and-1-digit';
  const { error } = await client.auth.signUp({ email, password });
  assert.equal(error, null);
  return { client, email, password };
}

const raw = (path: string, init: RequestInit & { version?: boolean } = {}) => fetch(`${gw.url}/auth/v1${path}`, {
  ...init,
  headers: { apikey: anonKey(), ...(init.version === false ? {} : { 'X-Supabase-Api-Version': '2024-01-01' }), ...(init.headers ?? {}) },
});

describe('sign-in and sign-up refusals', () => {
  it('invalid_credentials 400: a wrong password, an unknown address', async () => {
    const wrong = await refusedCleanly(() => anon().auth.signInWithPassword({ email: MINE.email, password: 'known-password-2' }), [MINE.email]);
    assert.deepEqual([wrong.name, wrong.code, wrong.status, wrong.message], ['AuthApiError', 'invalid_credentials', 400, 'Invalid login credentials']);
    const unknown = await refusedCleanly(() => anon().auth.signInWithPassword({ email: uniqueEmail('nobody'), password: 'password123' }), [MINE.email]);
    assert.equal(unknown.code, 'invalid_credentials');
  });

  it('user_already_exists 422 for a registered address (any case)', async () => {
    const e = await refusedCleanly(() => anon().auth.signUp({ email: MINE.email.toUpperCase(), password: 'password1234' }), [MINE.email]);
    assert.deepEqual([e.code, e.status, e.message], ['user_already_exists', 422, 'User already registered']);
  });

  it('weak_password 422 with its reasons (length, characters), as AuthWeakPasswordError', async () => {
    const short = await signUpRefused(uniqueEmail('weak'), 'ab1');
    assert.deepEqual([short.name, short.code, short.status], ['AuthWeakPasswordError', 'weak_password', 422]);
    assert.deepEqual((short as unknown as { reasons: string[] }).reasons, ['length']);
    const letters = await signUpRefused(uniqueEmail('weak'), 'onlyletters');
    assert.deepEqual((letters as unknown as { reasons: string[] }).reasons, ['characters']);
    assert.match(letters.message, /at least one character of each/);
  });

  it('validation_failed 400: bad address, no password, password over 72 bytes, both email and phone', async () => {
    const email = await refusedCleanly(() => anon().auth.signUp({ email: 'not-an-email', password: 'password1234' }), ['not-an-email']);
    assert.deepEqual([email.code, email.status, email.message], ['validation_failed', 400, 'Unable to validate email address: invalid format']);
    const none = await signUpRefused(uniqueEmail('x'), '');
    assert.deepEqual([none.code, none.message], ['validation_failed', 'Signup requires a valid password']);
    const long = await signUpRefused(uniqueEmail('x'), `a1${'é'.repeat(36)}`);
    assert.deepEqual([long.code, long.message], ['validation_failed', 'Password cannot be longer than 72 characters']);
    const nul = await signUpRefused(uniqueEmail('x'), 'abc12345\u0000');
    assert.equal(nul.code, 'validation_failed');
  });

  it('phone_provider_disabled 400 and anonymous_provider_disabled 422 ([auth.sms] and anonymous sign-ins are off)', async () => {
    const phone = await refusedCleanly(() => anon().auth.signUp({ phone: '+15555550100', password: 'password1234' }), []);
    assert.deepEqual([phone.code, phone.status], ['phone_provider_disabled', 400]);
    const anonymous = await refusedCleanly(() => anon().auth.signInAnonymously(), []);
    assert.deepEqual([anonymous.code, anonymous.status], ['anonymous_provider_disabled', 422]);
  });

  it('email_not_confirmed 400 and user_banned 400 for accounts an admin made so', async () => {
    const email = uniqueEmail('unconfirmed');
    const made = await service().auth.admin.createUser({ email, password: 'password1234' });
    assert.equal(made.error, null);
    const e = await refusedCleanly(() => anon().auth.signInWithPassword({ email, password: 'password1234' }), [email]);
    assert.deepEqual([e.code, e.status], ['email_not_confirmed', 400]);
    await service().auth.admin.updateUserById(made.data.user!.id, { email_confirm: true, ban_duration: '1h' });
    const banned = await refusedCleanly(() => anon().auth.signInWithPassword({ email, password: 'password1234' }), [email]);
    assert.deepEqual([banned.code, banned.status], ['user_banned', 400]);
    await service().auth.admin.updateUserById(made.data.user!.id, { ban_duration: 'none' });
    assert.equal((await anon().auth.signInWithPassword({ email, password: 'password1234' })).error, null);
  });

  it('a password that no longer meets the rules signs in, with weak_password in the answer', async () => {
    const email = uniqueEmail('legacy');
    await service().auth.admin.createUser({ email, password: 'lettersonly', email_confirm: true });
    const { data, error } = await anon().auth.signInWithPassword({ email, password: 'lettersonly' });
    assert.equal(error, null);
    assert.deepEqual(data.weakPassword?.reasons, ['characters']);
  });
});

describe('token and session refusals', () => {
  it('bad_jwt 403: garbage, another secret, expired, a key without sub', async () => {
    const garbage = await anon().auth.getUser('not-a-jwt');
    assert.deepEqual([garbage.error?.code, garbage.error?.status], ['bad_jwt', 403]);
    const forged = await anon().auth.getUser(await userToken(USER.alice, { secret: 'another-secret-of-at-least-32-characters!!' }));
    assert.equal(forged.error?.code, 'bad_jwt');
    const expired = await anon().auth.getUser(await userToken(USER.alice, { expiresIn: -60 }));
    assert.deepEqual([expired.error?.code, expired.error?.status], ['bad_jwt', 403]);
    const key = await anon().auth.getUser(anonKey());
    assert.deepEqual([key.error?.code, key.error?.status, key.error?.message], ['bad_jwt', 403, 'invalid claim: missing sub claim']);
  });

  it('session_not_found 403 for a token whose session is gone (AuthSessionMissingError in auth-js)', async () => {
    const made = await userToken(USER.alice); // a session id no session has
    const res = await raw('/user', { headers: { Authorization: `Bearer ${made}` } });
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { code: 'session_not_found', message: 'Session from session_id claim in JWT does not exist' });
    assert.equal(res.headers.get('x-supabase-api-version'), '2024-01-01');
    const viaJs = await anon().auth.getUser(made);
    assert.equal(viaJs.error?.name, 'AuthSessionMissingError');
  });

  it('no_authorization 401 without a bearer; the initial shape without the API version header', async () => {
    const res = await fetch(`${gw.url}/auth/v1/user`);
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { code: 401, error_code: 'no_authorization', msg: 'This endpoint requires a valid Bearer token' });
    assert.equal(res.headers.get('x-sb-error-code'), 'no_authorization');
    assert.equal(res.headers.get('x-supabase-api-version'), null);
  });

  it('refresh_token_not_found 400; an empty refresh token in the OAuth shape; an unknown grant', async () => {
    const e = await refusedCleanly(() => anon().auth.refreshSession({ refresh_token: 'abcdefghijkl' }), [MINE.email]);
    assert.deepEqual([e.code, e.status, e.message], ['refresh_token_not_found', 400, 'Invalid Refresh Token: Refresh Token Not Found']);
    const empty = await raw('/token?grant_type=refresh_token', { method: 'POST', body: '{"refresh_token":""}' });
    assert.deepEqual([empty.status, await empty.json()], [400, { error: 'invalid_request', error_description: 'refresh_token required' }]);
    const grant = await raw('/token?grant_type=magic', { method: 'POST', body: '{}' });
    assert.deepEqual([grant.status, await grant.json()], [400, { code: 'invalid_credentials', message: 'unsupported_grant_type' }]);
  });

  it('bad_json 400 for a body that is not JSON or has a field of the wrong type', async () => {
    const broken = await raw('/signup', { method: 'POST', body: '{"email":' });
    assert.equal(broken.status, 400);
    assert.equal((await broken.json()).code, 'bad_json');
    const typed = await raw('/token?grant_type=password', { method: 'POST', body: '{"email":12,"password":"x"}' });
    const body = await typed.json();
    assert.deepEqual([typed.status, body.code], [400, 'bad_json']);
    assert.match(body.message, /PasswordGrantParams\.email of type string/);
  });

  it('PUT /user: not_admin for app_metadata, same_password, email_exists, email validation', async () => {
    const { client, email, password } = await signedIn();
    const app = await refusedCleanly(() => client.auth.updateUser({ data: {}, ...({ app_metadata: { plan: 'pro' } } as object) } as never), [email]);
    assert.deepEqual([app.code, app.status], ['not_admin', 403]);
    const same = await refusedCleanly(() => client.auth.updateUser({ password }), [email]);
    assert.deepEqual([same.code, same.status], ['same_password', 422]);
    const taken = await refusedCleanly(() => client.auth.updateUser({ email: MINE.email }), [email, MINE.email]);
    assert.deepEqual([taken.code, taken.status], ['email_exists', 422]);
    const bad = await refusedCleanly(() => client.auth.updateUser({ email: 'nope' }), [email]);
    assert.equal(bad.code, 'validation_failed');
  });

  it('logout with an unknown scope is validation_failed 400', async () => {
    const { client } = await signedIn();
    const token = (await client.auth.getSession()).data.session!.access_token;
    const res = await raw('/logout?scope=everyone', { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    assert.deepEqual([res.status, await res.json()], [400, { code: 'validation_failed', message: 'Unsupported logout scope "everyone"' }]);
  });
});

describe('admin refusals', () => {
  it('not_admin 403 with the anon key and with a user token; service_role passes', async () => {
    const withAnon = await anon().auth.admin.listUsers();
    assert.deepEqual([withAnon.error?.code, withAnon.error?.status], ['not_admin', 403]);
    const { client } = await signedIn();
    const token = (await client.auth.getSession()).data.session!.access_token;
    // supabase-js with the user's token as its Authorization (global headers win over the key's).
    const asUser = createClient(gw.url, anonKey(), { auth: { persistSession: false }, global: { headers: { Authorization: `Bearer ${token}` } }, realtime: { transport: WebSocket as never } });
    const withUser = await asUser.auth.admin.createUser({ email: uniqueEmail('x'), password: 'password1234' });
    assert.deepEqual([withUser.error?.code, withUser.error?.status], ['not_admin', 403]);
    const direct = await raw('/admin/users', { headers: { Authorization: `Bearer ${token}` } });
    assert.deepEqual([direct.status, (await direct.json()).code], [403, 'not_admin']);
    assert.equal((await service().auth.admin.listUsers({ perPage: 1 })).error, null);
  });

  it('email_exists 422, user_not_found 404, an id that is not a uuid 404 validation_failed, email_address_invalid 400 on invite', async () => {
    const exists = await refusedCleanly(() => service().auth.admin.createUser({ email: MINE.email, password: 'password1234' }), [MINE.email]);
    assert.deepEqual([exists.code, exists.status], ['email_exists', 422]);
    const missing = await service().auth.admin.getUserById('00000000-0000-4000-8000-00000000dead');
    assert.deepEqual([missing.error?.code, missing.error?.status], ['user_not_found', 404]);
    const res = await raw('/admin/users/not-a-uuid', { headers: { Authorization: `Bearer ${serviceRoleKey()}` } });
    assert.deepEqual([res.status, (await res.json()).code], [404, 'validation_failed']);
    const invalid = await refusedCleanly(() => service().auth.admin.inviteUserByEmail('someone@example.com'), ['someone@example.com']);
    assert.deepEqual([invalid.code, invalid.status, invalid.message], ['email_address_invalid', 400, 'Email address "someone@example.com" is invalid']);
    const page = await raw('/admin/users?page=abc', { headers: { Authorization: `Bearer ${serviceRoleKey()}` } });
    assert.deepEqual([page.status, (await page.json()).code], [400, 'validation_failed']);
  });

  it('a token signed with another secret is bad_jwt on the admin API too', async () => {
    const forged = await new SignJWT({ role: 'service_role' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-of-at-least-32-characters!!'));
    const res = await raw('/admin/users', { headers: { Authorization: `Bearer ${forged}` } });
    assert.deepEqual([res.status, (await res.json()).code], [403, 'bad_jwt']);
  });
});

describe('concurrency and partial writes', () => {
  it('20 concurrent sign-ups of one address: one user with one identity, the others user_already_exists', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(Array.from({ length: 20 }, () => anon().auth.signUp({ email, password: 'password1234' })));
    const ok = results.filter((r) => !r.error);
    assert.equal(ok.length, 1);
    assert.deepEqual([...new Set(results.filter((r) => r.error).map((r) => r.error!.code))], ['user_already_exists']);
    const [row] = await connect(superuserUrl())`
      select count(distinct u.id)::int as users, count(i.id)::int as identities, count(distinct s.id)::int as sessions
      from auth.users u left join auth.identities i on i.user_id = u.id left join auth.sessions s on s.user_id = u.id
      where u.email = ${email}`;
    assert.deepEqual({ ...row }, { users: 1, identities: 1, sessions: 1 });
    assert.deepEqual(await partialWrites(), { usersWithoutIdentity: [], sessionsWithoutToken: [] });
  });
});
