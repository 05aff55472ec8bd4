/**
 * The auth fuzz suite's world and checks (tests/fuzz/auth.test.ts): two accounts of its own on a
 * gateway of its own (limits out of the way, a 1 s reuse interval so reuse detection fires), live
 * and revoked refresh tokens, credentials (real session tokens next to tests/helpers/fuzz-tokens'
 * forgeries), GoTrue's error shapes, and a fingerprint of every auth row a request could touch:
 * the world's accounts and those of any address the request names.
 */
import assert from 'node:assert/strict';
import { serviceRoleKey } from './api.ts';
import { authClient, partialWrites } from './auth.ts';
import { connect, superuserUrl } from './db.ts';
import type { FuzzRequest, FuzzResponse } from './fuzz-http.ts';
import { buildCredentials, type Credentials } from './fuzz-tokens.ts';

export const FUZZ_DOMAIN = 'auth-fuzz.dev';
export const PASSWORD = 'fuzz-pass-1';

export interface AuthWorld {
  url: string;
  users: { a: { id: string; email: string }; b: { id: string; email: string } };
  /** A's live refresh token and one already rotated (revoked). */
  tokens: { live: string; revoked: string };
  creds: Credentials;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function signInA(world: Pick<AuthWorld, 'url' | 'users'>): Promise<{ access: string; live: string; revoked: string }> {
  const c = authClient(world.url);
  const { data, error } = await c.auth.signInWithPassword({ email: world.users.a.email, password: PASSWORD });
  assert.equal(error, null, `fuzz world: signing in A failed: ${error?.message}`);
  const first = data.session!.refresh_token;
  const next = await c.auth.refreshSession({ refresh_token: first });
  assert.equal(next.error, null);
  return { access: next.data.session!.access_token, live: next.data.session!.refresh_token, revoked: first };
}

export async function createAuthWorld(url: string, tag: string): Promise<AuthWorld> {
  const admin = authClient(url, serviceRoleKey()).auth.admin;
  const users = {} as AuthWorld['users'];
  for (const name of ['a', 'b'] as const) {
    const email = `${tag}-${name}-${process.pid}@${FUZZ_DOMAIN}`;
    const { data, error } = await admin.createUser({ email, password: PASSWORD, email_confirm: true });
    assert.equal(error, null);
    users[name] = { id: data.user!.id, email };
  }
  const a = await signInA({ url, users });
  const creds = await buildCredentials({ a: users.a.id, b: users.b.id });
  Object.assign(creds, { 'user:session-a': a.access });
  return { url, users, tokens: { live: a.live, revoked: a.revoked }, creds };
}

/** Put the world back after a request that changed it (a 2xx, or a refusal GoTrue commits): accounts, passwords, A's session. */
export async function restoreWorld(world: AuthWorld): Promise<void> {
  const sql = connect(superuserUrl());
  for (const u of Object.values(world.users)) {
    const [row] = await sql`select 1 from auth.users where id = ${u.id}`;
    if (!row) {
      const { error } = await authClient(world.url, serviceRoleKey()).auth.admin.createUser({ id: u.id, email: u.email, password: PASSWORD, email_confirm: true });
      assert.equal(error, null, `fuzz world: recreating ${u.email}: ${error?.message}`);
    }
    // Cost 4: restoring runs often; sign-ins verify any cost.
    await sql`update auth.users set email = ${u.email}, phone = null, encrypted_password = extensions.crypt(${PASSWORD}, extensions.gen_salt('bf', 4)),
                raw_user_meta_data = '{"email_verified": true}', raw_app_meta_data = '{"provider": "email", "providers": ["email"]}',
                role = 'authenticated', aud = 'authenticated', banned_until = null, deleted_at = null, email_confirmed_at = coalesce(email_confirmed_at, now())
              where id = ${u.id}`;
    await sql`update auth.identities set provider_id = user_id::text,
                identity_data = jsonb_build_object('sub', user_id::text, 'email', ${u.email}::text, 'email_verified', false, 'phone_verified', false)
              where user_id = ${u.id} and provider = 'email'`;
    await sql`delete from auth.identities where user_id = ${u.id} and provider <> 'email'`;
  }
  const [live] = await sql`select 1 from auth.refresh_tokens where token = ${world.tokens.live} and not revoked`;
  if (!live) {
    const a = await signInA(world);
    world.creds['user:session-a'] = a.access;
    world.tokens = { live: a.live, revoked: a.revoked };
  }
}

/** Lower-cased strings with an @ in a request body: the addresses a request may create or change. */
export function addressesIn(req: FuzzRequest): string[] {
  const text = Buffer.from(req.body ?? new Uint8Array()).toString('utf8');
  const found = new Set<string>();
  for (const m of text.matchAll(/"((?:[^"\\]|\\.)*@(?:[^"\\]|\\.)*)"/g)) {
    try {
      const address = String(JSON.parse(`"${m[1]}"`)).toLowerCase();
      // What Postgres text cannot hold is never stored either.
      if (!/[\u0000\ud800-\udfff]/.test(address)) found.add(address);
    } catch { /* not a JSON string */ }
  }
  return [...found].slice(0, 50);
}

/** Every auth row of the world's accounts and of these addresses, with what changes on a write; and how many fuzz accounts exist. */
export async function fingerprint(world: AuthWorld, emails: string[]): Promise<string> {
  const ids = [world.users.a.id, world.users.b.id];
  const [row] = await connect(superuserUrl())<{ fp: string }[]>`
    with u as (select * from auth.users where id = any(${ids}::uuid[]) or lower(email) = any(${emails}::text[]))
    select concat_ws(' | ',
      (select string_agg(concat_ws(':', id, email, phone, updated_at, encrypted_password, raw_user_meta_data, raw_app_meta_data, banned_until, deleted_at, last_sign_in_at), ',' order by id) from u),
      (select string_agg(concat_ws(':', id, identity_data, updated_at), ',' order by id) from auth.identities where user_id in (select id from u)),
      (select string_agg(concat_ws(':', id, updated_at, refreshed_at), ',' order by id) from auth.sessions where user_id in (select id from u)),
      (select string_agg(concat_ws(':', id, revoked, updated_at), ',' order by id) from auth.refresh_tokens where user_id in (select id::text from u)),
      (select count(*)::text from auth.users where email like ${`%@${FUZZ_DOMAIN}`})) as fp`;
  return row.fp ?? '';
}

/** GoTrue's error shapes: {code, message} with the version header echoed; {code: status, error_code, msg} without; the OAuth shape; chi's 404 and 405. */
export function authShapeProblems(req: FuzzRequest, res: FuzzResponse): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`5xx: ${res.status}`);
  if (res.status === 0) return problems;
  if (req.method === 'HEAD') {
    if (res.rawBodyLength > 0) problems.push(`HEAD answered with a body (${res.rawBodyLength} bytes)`);
    return problems;
  }
  if (res.status < 400) return problems;
  const text = res.body.toString('utf8');
  // Outside /auth/v1/ (the raw path: `/AUTH/v1`, `/auth/v1\\x`) the gateway answers in the functions' envelope.
  const raw = req.target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/, 1)[0];
  if (!raw.startsWith('/auth/v1/')) {
    try {
      const v = JSON.parse(text);
      if (isObject(v) && isObject(v.error) && typeof v.error.code === 'string' && typeof v.error.message === 'string') return problems;
    } catch { /* below */ }
    return [...problems, `outside /auth/v1/ the functions' envelope expected: ${JSON.stringify(text.slice(0, 100))}`];
  }
  if (res.status === 404 && text === '404 page not found\n') return problems;
  if (res.status === 405 && text === '') return problems;
  let v: unknown;
  try { v = JSON.parse(text); } catch { return [...problems, `error body is not JSON: ${JSON.stringify(text.slice(0, 100))}`]; }
  if (!isObject(v)) return [...problems, 'error body is not a JSON object'];
  const keys = Object.keys(v).sort().join(',');
  const versioned = res.headers['x-supabase-api-version'] === '2024-01-01';
  if (keys === 'error,error_description') {
    if (res.status !== 400) problems.push(`OAuth-shaped error with status ${res.status}`);
  } else if (versioned) {
    if (!['code,message', 'code,message,weak_password'].includes(keys) || typeof v.code !== 'string' || typeof v.message !== 'string') problems.push(`2024-01-01 error shape expected, got keys ${keys}`);
  } else if (!['code,error_code,msg', 'code,error_code,msg,weak_password'].includes(keys) || v.code !== res.status || typeof v.error_code !== 'string' || typeof v.msg !== 'string') {
    problems.push(`initial error shape expected, got ${JSON.stringify(v).slice(0, 200)}`);
  }
  const code = versioned ? v.code : v.error_code;
  if (typeof code === 'string' && res.headers['x-sb-error-code'] !== code) problems.push(`x-sb-error-code ${res.headers['x-sb-error-code']} is not ${code}`);
  return problems;
}

/** Refusals GoTrue commits on purpose: reuse detection revokes the session's tokens, a token without a session is removed. */
export function commitsOnRefusal(res: FuzzResponse): boolean {
  try {
    const v = JSON.parse(res.body.toString('utf8'));
    return ['refresh_token_already_used', 'session_not_found'].includes(v.code ?? v.error_code) && res.status === 400;
  } catch {
    return false;
  }
}

export async function noPartialWrites(): Promise<string[]> {
  const p = await partialWrites();
  return [
    ...(p.usersWithoutIdentity.length ? [`users without an identity: ${p.usersWithoutIdentity.join(', ')}`] : []),
    ...(p.sessionsWithoutToken.length ? [`sessions without a refresh token: ${p.sessionsWithoutToken.join(', ')}`] : []),
  ];
}

export async function removeFuzzAccounts(extraIds: string[]): Promise<void> {
  const sql = connect(superuserUrl());
  await sql`delete from auth.users where email like ${`%-${process.pid}@${FUZZ_DOMAIN}`} or email like ${`new-${process.pid}-%@${FUZZ_DOMAIN}`} or id = any(${extraIds}::uuid[])`;
}
