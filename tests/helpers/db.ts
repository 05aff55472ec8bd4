/**
 * Run SQL the way the Data API does: as anon, as a signed-in user (role `authenticated` plus
 * `request.jwt.claims` set in the transaction, like PostgREST) or as service_role. Each call
 * is one transaction through the `authenticator` login, rolled back afterwards unless
 * `{ commit: true }` is passed. `asOwner` runs as `postgres`, the role migrations run as.
 */
import { after } from 'node:test';
import postgres, { type Sql, type TransactionSql } from 'postgres';
import { actingAs, type Claims, inRequest, type RequestContext, rolledBack } from '../../scripts/lib/db-role.ts';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with npm test`);
  return value;
}

const connections = new Map<string, Sql>();

/** A pooled connection for a URL, closed when the test file ends. */
export function connect(url: string): Sql {
  let sql = connections.get(url);
  if (!sql) {
    // idle_timeout lets a file's process exit even if a hook reconnects after the cleanup below ran.
    sql = postgres(url, { max: 4, onnotice: () => {}, connect_timeout: 10, idle_timeout: 2 });
    connections.set(url, sql);
  }
  return sql;
}
after(async () => {
  await Promise.all([...connections.values()].map((s) => s.end({ timeout: 5 })));
  connections.clear();
});

export const dbUrl = () => requiredEnv('TEST_DB_URL');
export const superuserUrl = () => requiredEnv('TEST_SUPERUSER_URL');
const authenticatorUrl = () => requiredEnv('TEST_AUTHENTICATOR_URL');

export type Tx = TransactionSql;
export interface TxOptions { commit?: boolean }

/** One transaction as ctx (or as the login itself), rolled back unless opts.commit. */
function inTransaction<T>(sql: Sql, ctx: RequestContext | null, fn: (tx: Tx) => Promise<T>, opts: TxOptions): Promise<T> {
  if (ctx) return inRequest(sql, ctx, fn, { rollback: !opts.commit });
  return opts.commit ? sql.begin(fn) as Promise<T> : rolledBack(sql, fn);
}

/** Claims like a GoTrue access token for this user. */
export function userClaims(userId: string, extra: Claims = {}): Claims {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'http://127.0.0.1:54321/auth/v1',
    sub: userId,
    aud: 'authenticated',
    exp: now + 3600,
    iat: now,
    email: '',
    phone: '',
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: {},
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: now }],
    session_id: '00000000-0000-4000-8000-00000000abcd',
    is_anonymous: false,
    ...extra,
  };
}

export function asAnon<T>(fn: (tx: Tx) => Promise<T>, opts: TxOptions = {}): Promise<T> {
  return inTransaction(connect(authenticatorUrl()), { role: 'anon', claims: { role: 'anon', iss: 'supabase-demo' } }, fn, opts);
}

export function asUser<T>(userId: string, fn: (tx: Tx) => Promise<T>, opts: TxOptions & { claims?: Record<string, unknown> } = {}): Promise<T> {
  return inTransaction(connect(authenticatorUrl()), { role: 'authenticated', claims: userClaims(userId, opts.claims) }, fn, opts);
}

export function asServiceRole<T>(fn: (tx: Tx) => Promise<T>, opts: TxOptions = {}): Promise<T> {
  return inTransaction(connect(authenticatorUrl()), { role: 'service_role', claims: { role: 'service_role', iss: 'supabase-demo' } }, fn, opts);
}

/** As `postgres`, the role migrations and seed run as (not a superuser, bypasses RLS). */
export function asOwner<T>(fn: (tx: Tx) => Promise<T>, opts: TxOptions = {}): Promise<T> {
  return inTransaction(connect(dbUrl()), null, fn, opts);
}

/**
 * Run fn in a savepoint and return the database error it raised (the transaction stays
 * usable). Fails when fn succeeds.
 */
export async function sqlError(tx: Tx, fn: (sp: Tx) => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await tx.savepoint(async (sp) => { await fn(sp); });
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (!e.code) throw err;
    return { code: e.code, message: e.message };
  }
  throw new Error('expected the statement to fail, but it succeeded');
}

/** Who acts in a scenario step. */
export type Actor = 'anon' | 'service_role' | { user: string; claims?: Record<string, unknown> };

export interface Scenario {
  /** The transaction as `postgres` (fixtures, checks that bypass RLS). */
  owner: Tx;
  /** Run fn as an actor inside a savepoint of the same transaction; errors propagate, the transaction stays usable. */
  as<T>(actor: Actor, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Like `as`, returning the database error fn raised (fails if it succeeds). */
  errorAs(actor: Actor, fn: (tx: Tx) => Promise<unknown>): Promise<{ code: string; message: string }>;
}

/**
 * One transaction on the `postgres` login, rolled back at the end: create fixtures as the owner,
 * then act as anon, a user or service_role in the same transaction (SET ROLE plus claims, as
 * PostgREST does), so tests can build the exact situation they need without committing.
 */
export function scenario<T>(fn: (s: Scenario) => Promise<T>, opts: TxOptions = {}): Promise<T> {
  return inTransaction(connect(dbUrl()), null, async (owner) => {
    const as = async <R>(actor: Actor, step: (tx: Tx) => Promise<R>): Promise<R> => {
      const ctx: RequestContext = actor === 'anon' ? { role: 'anon', claims: { role: 'anon' } }
        : actor === 'service_role' ? { role: 'service_role', claims: { role: 'service_role' } }
        : { role: 'authenticated', claims: userClaims(actor.user, actor.claims) };
      // Back to postgres (the session's role) afterwards, so the next step starts as the owner.
      return (await owner.savepoint((sp) => actingAs(sp, ctx, step))) as R;
    };
    const errorAs = async (actor: Actor, step: (tx: Tx) => Promise<unknown>) => {
      try {
        await as(actor, step);
      } catch (err) {
        const e = err as { code?: string; message: string };
        if (!e.code) throw err;
        return { code: e.code, message: e.message };
      }
      throw new Error('expected the statement to fail, but it succeeded');
    };
    return await fn({ owner, as, errorAs });
  }, opts);
}

let accountCounter = 0;

/**
 * Create an account (auth.users) and, when a tenant is given, its profile, inside a scenario.
 * Returns the new user id.
 */
export async function createAccount(owner: Tx, opts: { tenantId?: string; role?: 'owner' | 'admin' | 'member'; name?: string } = {}): Promise<string> {
  accountCounter++;
  const [row] = await owner`
    insert into auth.users (id, aud, role, email, created_at, updated_at)
    values (gen_random_uuid(), 'authenticated', 'authenticated', ${`fixture-${process.pid}-${accountCounter}@example.test`}, now(), now())
    returning id`;
  if (opts.tenantId) {
    await owner`insert into public.users (id, tenant_id, role, display_name)
                values (${row.id}, ${opts.tenantId}, ${opts.role ?? 'member'}, ${opts.name ?? `Fixture ${accountCounter}`})`;
  }
  return row.id as string;
}
