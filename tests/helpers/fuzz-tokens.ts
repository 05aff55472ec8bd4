/**
 * Credentials for the fuzz suite: valid tokens of the fuzz tenant's users and the API keys (so
 * requests get past auth and reach validation), and forged ones: bad signature, alg none, expired,
 * service_role unsigned, a sub that is not a UUID, claims of the wrong types, NUL and lone
 * surrogates in signed claims. Built once (signing is async), then picked by name.
 */
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { anonKey, serviceRoleKey, userToken } from './api.ts';

const PUBLISHABLE = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';
const SECRET = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';
const b64 = (s: string) => Buffer.from(s).toString('base64url');

async function signed(claims: Record<string, unknown>, secret = process.env.TEST_JWT_SECRET!): Promise<string> {
  return await new SignJWT(claims as never).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

/** A token whose payload is written as JSON text (so it can be an array, or hold raw escapes). */
async function signedText(payload: string, header = '{"alg":"HS256","typ":"JWT"}'): Promise<string> {
  const { createHmac } = await import('node:crypto');
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', process.env.TEST_JWT_SECRET!).update(input).digest('base64url')}`;
}

export type Credentials = Record<string, string>;

/** name -> token, for the users given (owner, member, ...) plus keys and forgeries. */
export async function buildCredentials(users: Record<string, string>): Promise<Credentials> {
  const now = Math.floor(Date.now() / 1000);
  const base = (sub: unknown, extra: Record<string, unknown> = {}) =>
    ({ aud: 'authenticated', role: 'authenticated', sub, iat: now, exp: now + 7200, email: '', ...extra });
  const someUser = Object.values(users)[0];
  const out: Credentials = { 'key:anon': anonKey(), 'key:service_role': serviceRoleKey() };
  for (const [name, id] of Object.entries(users)) out[`user:${name}`] = await userToken(id, { expiresIn: 7200 });
  Object.assign(out, {
    'user:unknown-uuid': await signed(base(crypto.randomUUID())),
    'forged:bad-signature': await userToken(someUser, { secret: 'another-secret-that-is-also-at-least-32-characters' }),
    'forged:service-role-unsigned': `${b64('{"alg":"none","typ":"JWT"}')}.${b64(JSON.stringify({ role: 'service_role', iss: 'supabase-demo', exp: now + 7200 }))}.`,
    'forged:service-role-bad-signature': await signed({ role: 'service_role', exp: now + 7200 }, 'x'.repeat(40)),
    'forged:alg-none': `${b64('{"alg":"none","typ":"JWT"}')}.${b64(JSON.stringify(base(someUser)))}.`,
    'forged:alg-hs512': await new SignJWT(base(someUser) as never).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(process.env.TEST_JWT_SECRET!)),
    'forged:expired': await userToken(someUser, { expiresIn: -120 }),
    'forged:not-yet-valid': await signed(base(someUser, { nbf: now + 3600 })),
    'signed:sub-not-uuid': await signed(base('not-a-uuid')),
    'signed:sub-empty': await signed(base('')),
    'signed:sub-number': await signed(base(12345)),
    'signed:sub-object': await signed(base({ id: someUser })),
    'signed:sub-nul': await signed(base(`${someUser}\u0000`)),
    'signed:no-sub': await signed({ aud: 'authenticated', role: 'authenticated', exp: now + 7200 }),
    'signed:role-number': await signed(base(someUser, { role: 7 })),
    'signed:role-array': await signed(base(someUser, { role: ['service_role'] })),
    'signed:role-postgres': await signed(base(someUser, { role: 'postgres' })),
    'signed:role-supabase-admin': await signed(base(someUser, { role: 'supabase_admin' })),
    'signed:role-missing': await signed({ sub: someUser, exp: now + 7200 }),
    'signed:exp-string': await signed(base(someUser, { exp: 'tomorrow' })),
    'signed:exp-huge': await signed(base(someUser, { exp: 1e300 })),
    'signed:claim-nul': await signed(base(someUser, { email: 'a\u0000b@example.test' })),
    'signed:claim-lone-surrogate': await signed(base(someUser, { user_metadata: { name: 'x\ud800y' } })),
    'signed:claims-deep': await signedText(`{"aud":"authenticated","role":"authenticated","sub":"${someUser}","exp":${now + 7200},"user_metadata":${'['.repeat(3000)}${']'.repeat(3000)}}`),
    'signed:claims-array': await signedText('[1,2,3]'),
    'signed:claims-big-number': await signedText(`{"role":"authenticated","sub":"${someUser}","exp":${now + 7200},"iat":123456789012345678901234567890}`),
    'garbage:three-parts': 'abc.def.ghi',
    'garbage:dots': '..',
    'garbage:not-base64': '!!!.@@@.###',
    'garbage:huge': 'a'.repeat(12_000),
  });
  return out;
}

/** How credentials go on the wire: Authorization forms, the apikey header, both, none. */
export function authHeaders(creds: Credentials, opts: { validWeight?: number } = {}): fc.Arbitrary<{ headers: [string, string][]; note: string }> {
  const names = Object.keys(creds);
  const valid = names.filter((n) => n.startsWith('user:') || n.startsWith('key:'));
  const token = fc.oneof({ weight: opts.validWeight ?? 3, arbitrary: fc.constantFrom(...valid) }, { weight: 2, arbitrary: fc.constantFrom(...names) });
  return fc.oneof(
    { weight: 8, arbitrary: token.map((n) => ({ headers: [['Authorization', `Bearer ${creds[n]}`], ['apikey', anonKey()]] as [string, string][], note: n })) },
    { weight: 1, arbitrary: token.map((n) => ({ headers: [['apikey', creds[n]]] as [string, string][], note: `apikey ${n}` })) },
    { weight: 1, arbitrary: fc.tuple(token, fc.constantFrom('bearer ', 'Bearer  ', 'Basic ', 'Bearer', 'Token ', '')).map(([n, scheme]) =>
      ({ headers: [['Authorization', `${scheme}${creds[n]}`]] as [string, string][], note: `${JSON.stringify(scheme)} ${n}` })) },
    { weight: 1, arbitrary: fc.constantFrom<[string, [string, string][]]>(
      ['none', []], ['apikey publishable', [['apikey', PUBLISHABLE]]], ['apikey secret', [['apikey', SECRET]]],
      ['bearer secret key', [['Authorization', `Bearer ${SECRET}`]]], ['bearer publishable key', [['Authorization', `Bearer ${PUBLISHABLE}`]]],
      ['two tokens', [['Authorization', `Bearer ${anonKey()} ${serviceRoleKey()}`]]], ['latin1 token', [['Authorization', 'Bearer \xe9\xff\xa0']]],
      ['cesu surrogate token', [['Authorization', 'Bearer \xed\xa0\x80']]], ['empty apikey', [['apikey', '']]],
    ).map(([note, headers]) => ({ headers, note })) },
  );
}
