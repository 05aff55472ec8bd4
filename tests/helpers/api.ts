/**
 * The test gateway (started by npm test) through the real clients: supabase-js for functions and
 * storage, with tokens minted like GoTrue's (no sign-in round trip; tests of /auth/v1 itself sign in).
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import WebSocket from 'ws';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with npm test`);
  return value;
}

export const apiUrl = () => requiredEnv('TEST_API_URL');
export const anonKey = () => requiredEnv('TEST_ANON_KEY');
export const serviceRoleKey = () => requiredEnv('TEST_SERVICE_ROLE_KEY');

/** An access token for a user, with GoTrue's claims, signed with the JWT secret (or another one). */
export async function userToken(userId: string, opts: { expiresIn?: number; secret?: string; email?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({
    aud: 'authenticated', role: 'authenticated', email: opts.email ?? '', phone: '',
    app_metadata: { provider: 'email', providers: ['email'] }, user_metadata: {}, aal: 'aal1',
    amr: [{ method: 'password', timestamp: now }], session_id: crypto.randomUUID(), is_anonymous: false,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('http://127.0.0.1:54321/auth/v1')
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.expiresIn ?? 3600))
    .sign(new TextEncoder().encode(opts.secret ?? requiredEnv('TEST_JWT_SECRET')));
}

/** supabase-js with the anon key, acting as the given access token (a user's, or a key). */
// Node 20 has no global WebSocket; supabase-js's realtime client needs one to construct.
const options = { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: WebSocket as never } };

export function client(token?: string): SupabaseClient {
  return createClient(apiUrl(), anonKey(), {
    ...options,
    ...(token ? { global: { headers: { Authorization: `Bearer ${token}` } } } : {}),
  });
}

export function serviceClient(): SupabaseClient {
  return createClient(apiUrl(), serviceRoleKey(), options);
}
