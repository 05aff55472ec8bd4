// Database access for functions: postgres.js on SUPABASE_DB_URL (prepare: false, for the pooler),
// and transactions run as the caller, the way PostgREST does: role and request.jwt.claims set
// locally, so RLS decides; or as service_role for internal jobs.
import postgres from "postgres";
import type { Caller } from "./auth.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

let pool: Sql | undefined;

export function db(): Sql {
  if (!pool) {
    const url = Deno.env.get("SUPABASE_DB_URL");
    if (!url) throw new Error("SUPABASE_DB_URL is not set");
    pool = postgres(url, { prepare: false, max: 10, idle_timeout: 20, onnotice: () => {} });
  }
  return pool;
}

async function inRole<T>(role: string, claims: Record<string, unknown>, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return await db().begin(async (tx) => {
    await tx`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
    return await fn(tx);
  }) as T;
}

/** Run fn in a transaction as the caller (RLS applies). */
export function asCaller<T>(caller: Caller, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return inRole(caller.role, caller.claims, fn);
}

/** Run fn in a transaction as service_role (bypasses RLS): cron and internal work only. */
export function asServiceRole<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return inRole("service_role", { role: "service_role" }, fn);
}
