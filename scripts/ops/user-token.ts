/**
 * Prints an access token for a user, signed with the stack's JWT secret with the claims GoTrue
 * would put in it, without signing in (no password needed; /auth/v1 signs in for real), for trying the API with curl:
 *
 *   node --import tsx scripts/ops/user-token.ts --user=alice@acme.test [--expires-in=3600]
 *   curl -H "Authorization: Bearer $(node --import tsx scripts/ops/user-token.ts --user=alice@acme.test)" \
 *        -H "apikey: <anon key>" http://127.0.0.1:54321/functions/v1/whoami
 *
 * --user takes an email or a user id; the account must exist (DATABASE_URL, else the local stack).
 */
import { SignJWT } from 'jose';
import postgres from 'postgres';
import { parseCli, positiveInt, runCli, targetDatabaseUrl } from '../lib/cli.ts';
import { StackError } from '../lib/stack-error.ts';
import { loadStackConfig } from '../lib/stack-config.ts';

const USAGE = 'user-token.ts --user=<email or user id> [--expires-in=3600]';

await runCli('user-token', async () => {
  const values = parseCli({ user: { type: 'string' }, 'expires-in': { type: 'string' } }, USAGE);
  if (!values.user) throw new StackError('--user is required', `usage: ${USAGE}`);
  const expiresIn = positiveInt('expires-in', values['expires-in'], 3600);
  const config = await loadStackConfig();
  const sql = postgres(await targetDatabaseUrl(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(values.user);
    const [user] = isId
      ? await sql`select id, email, raw_app_meta_data, raw_user_meta_data, is_anonymous from auth.users where id = ${values.user}`
      : await sql`select id, email, raw_app_meta_data, raw_user_meta_data, is_anonymous from auth.users where lower(email) = lower(${values.user})`;
    if (!user) throw new StackError(`no account ${values.user}`, 'seed accounts: alice@acme.test, bob@acme.test, carol@globex.test, dave@globex.test, erin@initech.test, frank@initech.test');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      aud: 'authenticated', role: 'authenticated', email: user.email ?? '', phone: '',
      app_metadata: user.raw_app_meta_data ?? {}, user_metadata: user.raw_user_meta_data ?? {}, aal: 'aal1',
      amr: [{ method: 'password', timestamp: now }], session_id: crypto.randomUUID(), is_anonymous: user.is_anonymous ?? false,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(`${config.apiUrl}/auth/v1`)
      .setSubject(user.id)
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .sign(new TextEncoder().encode(config.jwtSecret));
    console.log(token);
    return 0;
  } finally {
    await sql.end({ timeout: 5 });
  }
});
