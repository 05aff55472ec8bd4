// One request as PostgREST reads it before the database, with no I/O: the path (`/t` or
// `/rpc/f`, else PGRST125 / PGRST126), the profile's schema, the table (PGRST205) or the
// function's argument names, methods that are refused before anything else (PGRST101, PUT), the
// query string, Prefer, Accept and Range; the body once read (JSON text). `run` then executes it
// inside the request's transaction. The service does the I/O around these.
import type postgres from "postgres";
import { PgrstError, unknownTable } from "./errors.ts";
import { context, type Outcome, type Plan, read, rpc, write } from "./execute.ts";
import { parseQuery, parseRange } from "./params.ts";
import { negotiate, parsePrefer, profile } from "./prefer.ts";
import { key, type SchemaCache, type Table } from "./schema.ts";

export interface Prepared {
  isRpc: boolean;
  /** The table's or function's name. */
  name: string;
  table?: Table;
  /** The schema came from a profile header (so the answer names it). */
  profileSent: boolean;
  /** Everything but the body. */
  plan: Plan;
}

export interface RequestParts { method: string; path: string; search: URLSearchParams; headers: Headers }

export function prepare(cache: SchemaCache, { method, path, search, headers }: RequestParts): Prepared {
  const m = /^\/(?:(rpc)\/)?([^/]+)$/.exec(path);
  if (!m) {
    if (path === "/" || path === "") throw new PgrstError(404, "PGRST126", "Open API is not served by this local stand-in for PostgREST");
    throw new PgrstError(404, "PGRST125", "Invalid path specified in request URL");
  }
  const isRpc = m[1] === "rpc";
  let name: string;
  try {
    name = decodeURIComponent(m[2]);
  } catch {
    throw new PgrstError(404, "PGRST125", "Invalid path specified in request URL");
  }
  if (!["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"].includes(method)) throw new PgrstError(405, "PGRST117", `Unsupported HTTP method: ${method}`);
  const { schema, sent } = profile(method, headers, cache.schemas);
  const table = isRpc ? undefined : cache.tables.get(key(schema, name));
  if (!isRpc && !table) throw unknownTable(schema, name);
  if (isRpc && !["GET", "HEAD", "POST"].includes(method)) throw new PgrstError(405, "PGRST101", `Cannot use the ${method} method on RPC`);
  if (!isRpc && method === "PUT") throw new PgrstError(400, "PGRST127", "Feature not implemented", "PUT (single-row upsert) is not supported by this local stand-in; use POST with Prefer: resolution=merge-duplicates");
  const fnArgs = isRpc ? new Set((cache.functions.get(key(schema, name)) ?? []).flatMap((f) => f.args.map((a) => a.name))) : null;
  const query = parseQuery(search, method === "GET" || method === "HEAD" ? fnArgs : null);
  const prefs = parsePrefer(headers);
  const media = negotiate(headers.get("accept"));
  const root = query.nodes.get("")!;
  const range = { offset: root.offset ?? 0, limit: root.limit };
  const header = method === "GET" ? parseRange(headers.get("range")) : null;
  if (header) {
    const end = Math.min(header.limit === undefined ? Infinity : header.offset + header.limit, range.limit === undefined ? Infinity : range.offset + range.limit);
    range.offset = Math.max(range.offset, header.offset);
    range.limit = end === Infinity ? undefined : Math.max(0, end - range.offset);
  }
  return { isRpc, name, table, profileSent: sent, plan: { method, schema, query, prefs, media, range, body: null } };
}

/** Whether the method carries a body PostgREST reads. */
export const hasBody = (method: string) => method === "POST" || method === "PATCH";

/** A body's JSON (an RPC's: an object; empty is no arguments). */
export function parseBody(contentType: string | null, text: string, isRpc: boolean): unknown {
  const type = (contentType ?? "application/json").split(";")[0].trim().toLowerCase();
  if (type !== "application/json" && type !== "") throw new PgrstError(415, "PGRST107", `Content-Type not acceptable: ${type}`);
  if (isRpc && !text.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PgrstError(400, "PGRST102", "Empty or invalid json");
  }
  if (isRpc && (typeof body !== "object" || body === null || Array.isArray(body))) throw new PgrstError(400, "PGRST102", "Empty or invalid json");
  return body;
}

/** The request's statements in its transaction (role and settings already set). */
export function run(tx: postgres.TransactionSql, cache: SchemaCache, p: Prepared, maxRows: number): Promise<Outcome> {
  const { plan } = p;
  const ctx = context(cache, plan.query, maxRows);
  if (p.isRpc) {
    const args = plan.method === "POST" ? (plan.body as Record<string, unknown>) : Object.fromEntries(plan.query.args);
    return rpc(tx, ctx, plan, p.name, args);
  }
  return plan.method === "GET" || plan.method === "HEAD" ? read(tx, ctx, plan, p.table!) : write(tx, ctx, plan, p.table!);
}
