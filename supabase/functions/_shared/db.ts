// Database access for functions: postgres.js on SUPABASE_DB_URL (prepare: false, for the pooler),
// and transactions run as the caller, the way PostgREST does: role and request.jwt.claims set
// locally (request-role.ts), so RLS decides; or as service_role for internal jobs.
import postgres from "postgres";
import type { Caller } from "./auth.ts";
import { asRole } from "./request-role.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

let pool: Sql | undefined;
let lockPool: Sql | undefined;

function connectTo(max: number): Sql {
  const url = Deno.env.get("SUPABASE_DB_URL");
  if (!url) throw new Error("SUPABASE_DB_URL is not set");
  return postgres(url, { prepare: false, max, idle_timeout: 20, onnotice: () => {} });
}

export function db(): Sql {
  return pool ??= connectTo(10);
}

/**
 * Run fn while holding a transaction-scoped advisory lock, or answer `{locked: false}` at once when
 * another run holds it. The lock's transaction lives on a small pool of its own: fn's work uses
 * db(), so a lock holder never waits for a connection that other lock holders keep busy (with one
 * shared pool, enough concurrent callers each hold a connection in a lock transaction and wait
 * for a second one forever). The pool has one connection per lock key in use (refresh-views: its
 * runs and the monitor's) plus one, so a caller finds a connection free to try the lock on and
 * hears `{locked: false}` at once while both are held, instead of waiting for a holder to finish.
 */
export async function withTryLock<T>(key: string, fn: () => Promise<T>): Promise<{ locked: false } | { locked: true; value: T }> {
  lockPool ??= connectTo(3);
  let outcome: { locked: false } | { locked: true; value: T } = { locked: false };
  await lockPool.begin(async (lock) => {
    const [{ locked }] = await lock`select pg_try_advisory_xact_lock(hashtext(${key})) as locked`;
    if (locked) outcome = { locked: true, value: await fn() };
  });
  return outcome;
}

/** Run fn in a transaction as the caller (RLS applies). */
export function asCaller<T>(caller: Caller, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return asRole(db(), caller.role, caller.claims, fn);
}

/** Run fn in a transaction as service_role (bypasses RLS): cron and internal work only. */
export function asServiceRole<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return asRole(db(), "service_role", { role: "service_role" }, fn);
}
