// Transactions that act as an API request, the way PostgREST and Storage do: the role and the
// request's settings (request.jwt.claims, request.method, request.path, request.headers, any
// service-specific ones) set transaction-locally in one statement, values as parameters, so RLS
// and grants decide; and transactions whose work is always rolled back (probes, dry runs).
// The one source for edge functions, the local gateway, Node scripts (scripts/lib/db-role.ts) and
// tests: it uses postgres.js through its types only and no Deno or Node API.
import type { Sql, TransactionSql } from "postgres";

export type Claims = Record<string, unknown>;

/** Who a transaction acts as, and the request it stands for. */
export interface RequestContext {
  /** The database role: anon, authenticated, service_role (or `none`: back to the session's own). */
  role: string;
  /** request.jwt.claims as JSON; null or absent sets it to '' (no claims). */
  claims?: Claims | null;
  /** request.method, request.path and request.headers (JSON), as PostgREST sets them; left alone when absent. */
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** Further settings by name, e.g. Storage's request.jwt or storage.operation. */
  extra?: Record<string, string>;
}

/** The settings a context stands for, name to value: role first, then the request's. */
export function settingsOf(ctx: RequestContext): [string, string][] {
  const settings: [string, string][] = [
    ["role", ctx.role],
    ["request.jwt.claims", ctx.claims ? JSON.stringify(ctx.claims) : ""],
  ];
  if (ctx.method !== undefined) settings.push(["request.method", ctx.method]);
  if (ctx.path !== undefined) settings.push(["request.path", ctx.path]);
  if (ctx.headers !== undefined) settings.push(["request.headers", JSON.stringify(ctx.headers)]);
  for (const [name, value] of Object.entries(ctx.extra ?? {})) settings.push([name, value]);
  return settings;
}

/** Set a context's settings for the rest of tx (set_config(…, true)), in one statement. */
export async function requestSettings(tx: TransactionSql, ctx: RequestContext): Promise<void> {
  const settings = settingsOf(ctx);
  const names = settings.map(([name]) => name);
  const values = settings.map(([, value]) => value);
  await tx`select set_config(name, value, true) from unnest(${names}::text[], ${values}::text[]) as s(name, value)`;
}

/** A marker thrown out of a transaction to roll it back, carrying fn's value. */
class Rollback {
  constructor(readonly value: unknown) {}
}

/** Run fn in a transaction that is always rolled back, and return fn's value. */
export async function rolledBack<T>(sql: Sql, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  let marker: Rollback | undefined;
  try {
    await sql.begin(async (tx) => {
      marker = new Rollback(await fn(tx));
      throw marker;
    });
  } catch (err) {
    if (err !== marker || !marker) throw err;
    return marker.value as T;
  }
  throw new Error("rolledBack: the transaction was not rolled back");
}

/** Run fn in a transaction acting as ctx; committed, or rolled back (still returning fn's value) when `rollback` is set. */
export async function inRequest<T>(sql: Sql, ctx: RequestContext, fn: (tx: TransactionSql) => Promise<T>, opts: { rollback?: boolean } = {}): Promise<T> {
  const body = async (tx: TransactionSql) => {
    await requestSettings(tx, ctx);
    return await fn(tx);
  };
  return opts.rollback ? await rolledBack(sql, body) : await sql.begin(body) as T;
}

/** Run fn in a committed transaction as role with claims (RLS applies as for an API request). */
export function asRole<T>(sql: Sql, role: string, claims: Claims | null, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  return inRequest(sql, { role, claims }, fn);
}

/**
 * Inside tx, run fn as ctx, then return to the session's own role with no claims. When fn fails
 * the settings stay until the enclosing savepoint or transaction is rolled back.
 */
export async function actingAs<T>(tx: TransactionSql, ctx: RequestContext, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  await requestSettings(tx, ctx);
  const value = await fn(tx);
  await requestSettings(tx, { role: "none" });
  return value;
}
