// One request's statements, run in its transaction: reads (rows, optional exact count), writes
// (representation through a pgrst_source CTE as PostgREST does, else the bare statement) and
// RPC calls, with the statuses and Content-Range PostgREST gives each (its RangeQuery/Response).
import type postgres from "postgres";
import { notImplemented, notSingular, PgrstError } from "./errors.ts";
import type { RequestQuery } from "./params.ts";
import type { MediaType, Preferences } from "./prefer.ts";
import { aggregatesRefused, hasAggregate, planRead } from "./plan.ts";
import { buildNode, type ReadContext, type Source } from "./read.ts";
import { callSql, findFunction, resultTable } from "./rpc.ts";
import type { SchemaCache, Table } from "./schema.ts";
import { Params, qualified, UNPREPARED } from "./sql.ts";
import { bodyRows, deleteSql, insertSql, updateSql } from "./write.ts";

export interface Plan {
  method: string;
  schema: string;
  query: RequestQuery;
  prefs: Preferences;
  media: MediaType;
  /** The root range (limit/offset intersected with a GET's Range header). */
  range: { offset: number; limit?: number };
  body: unknown;
}

export interface Outcome { status: number; body: string | null; headers: Record<string, string> }

type Tx = postgres.TransactionSql;
type Agg = { body: string; n: string; total?: string | null; inserted?: string | null };

export function context(cache: SchemaCache, query: RequestQuery, maxRows: number): ReadContext {
  return { cache, params: new Params(), query, maxRows, plan: { root: { conditions: [], order: [] }, embeds: new Map() }, aliases: 0 };
}

const aggregate = (media: MediaType) => media === "object" ? "(json_agg(r)->0)::text" : "coalesce(json_agg(r), '[]')::text";

function contentRange(offset: number, n: number, total: number | null): string {
  return `${n > 0 ? `${offset}-${offset + n - 1}` : "*"}/${total ?? "*"}`;
}

/** A read's answer from its rows: 200, 206 when counted and partial, 416 past the counted end. */
function readOutcome(plan: Plan, agg: Agg): Outcome {
  const n = Number(agg.n);
  const total = agg.total === undefined || agg.total === null ? null : Number(agg.total);
  const offset = plan.range.offset;
  if (plan.media === "object" && n !== 1) throw notSingular(n);
  if (total !== null && offset > total) {
    throw new PgrstError(416, "PGRST103", "Requested range not satisfiable", `An offset of ${offset} was requested, but there are only ${total} rows.`, null, { "Content-Range": `*/${total}` });
  }
  const status = total !== null && n < total ? 206 : 200;
  return { status, body: agg.body, headers: { "Content-Range": contentRange(offset, n, total) } };
}

async function readRows(tx: Tx, ctx: ReadContext, plan: Plan, source: Source): Promise<Outcome> {
  ctx.plan = planRead(ctx.cache, plan.query, plan.query.select, source.table);
  const root = buildNode(ctx, source, plan.query.select, { alias: "t0", params: ctx.plan.root, root: true, limit: plan.range.limit, offset: plan.range.offset });
  let total = "";
  if (plan.prefs.count) {
    // The same node unranged: embeds' !inner and null filters decide the total too.
    const counted = buildNode(ctx, source, plan.query.select, { alias: "t0", params: ctx.plan.root, root: true, unranged: true });
    total = `, (select count(*) from (${counted.sql}) c)::text as total`;
  }
  const [agg] = await tx.unsafe<Agg[]>(`select ${aggregate(plan.media)} as body, count(*)::text as n${total} from (${root.sql}) r`, ctx.params.values as never[], UNPREPARED);
  return readOutcome(plan, agg);
}

export function read(tx: Tx, ctx: ReadContext, plan: Plan, table: Table): Promise<Outcome> {
  return readRows(tx, ctx, plan, { table, from: qualified(table.schema, table.name) });
}

export async function write(tx: Tx, ctx: ReadContext, plan: Plan, table: Table): Promise<Outcome> {
  const { prefs, query } = plan;
  const ret = prefs.return ?? "minimal";
  const returning = ret !== "minimal";
  let sql: string | null;
  if (plan.method === "POST") {
    const rows = bodyRows(plan.body);
    const upsert = prefs.resolution === "merge-duplicates" ? "merge" : prefs.resolution === "ignore-duplicates" ? "ignore" : undefined;
    sql = rows.length ? insertSql(ctx, table, rows, { columns: query.columns, upsert, onConflict: query.onConflict, missingDefault: prefs.missing === "default", returning }) : null;
  } else if (plan.method === "PATCH") {
    sql = updateSql(ctx, table, plan.body, returning, query.columns);
  } else {
    sql = deleteSql(ctx, table, returning);
  }
  let n = 0;
  let body: string | null = null;
  let inserted: number | null = null;
  if (sql && returning) {
    const select = ret === "headers-only" ? table.primaryKey.map((name) => ({ type: "column" as const, field: { name, path: [] } })) : query.select;
    ctx.plan = planRead(ctx.cache, query, select, table);
    const repr = buildNode(ctx, { table, from: "pgrst_source" }, select, { alias: "t0", params: ctx.plan.root, root: true, unranged: true, skipConditions: true });
    const ins = prefs.resolution ? ", (select count(*) from pgrst_source where pgrst_inserted)::text as inserted" : "";
    const [agg] = await tx.unsafe<Agg[]>(`with pgrst_source as (${sql}) select ${aggregate(plan.media === "object" ? "json" : "json")} as body, count(*)::text as n${ins} from (${repr.sql}) r`, ctx.params.values as never[], UNPREPARED);
    n = Number(agg.n);
    body = agg.body;
    inserted = agg.inserted === undefined || agg.inserted === null ? null : Number(agg.inserted);
  } else if (sql) {
    n = (await tx.unsafe(sql, ctx.params.values as never[], UNPREPARED)).count;
  } else {
    body = "[]";
  }
  if (plan.media === "object" && n !== 1) throw notSingular(n);
  if (prefs.maxAffected !== undefined && n > prefs.maxAffected && plan.method !== "POST") {
    throw new PgrstError(400, "PGRST124", "Query result exceeds max-affected preference constraint", `The query affects ${n} rows`);
  }
  const total = prefs.count ? n : null;
  const headers: Record<string, string> = {};
  if (plan.method === "PATCH") headers["Content-Range"] = contentRange(0, n, total);
  else headers["Content-Range"] = `*/${total ?? "*"}`;
  if (ret === "headers-only" && plan.method === "POST" && body && table.primaryKey.length) {
    const first = (JSON.parse(body) as Record<string, unknown>[])[0];
    if (first) headers["Location"] = `/${table.name}?${table.primaryKey.map((k) => `${k}=eq.${encodeURIComponent(String(first[k]))}`).join("&")}`;
  }
  if (ret === "representation") {
    if (plan.media === "object") body = JSON.stringify((JSON.parse(body ?? "[]") as unknown[])[0] ?? null);
    const status = plan.method === "POST" ? (inserted === 0 && prefs.resolution === "merge-duplicates" ? 200 : 201) : 200;
    return { status, body, headers };
  }
  return { status: plan.method === "POST" ? 201 : 204, body: null, headers };
}

export async function rpc(tx: Tx, ctx: ReadContext, plan: Plan, name: string, argsIn: Record<string, unknown>): Promise<Outcome> {
  const fn = findFunction(ctx.cache, plan.schema, name, Object.keys(argsIn));
  const { call, from } = callSql(ctx.params, fn, argsIn);
  // Sent now (catch() dispatches a postgres.js query) and not awaited: the call goes out right behind
  // it. Should it fail, the call fails with 25P02 and the transaction reports this statement's error.
  if (plan.method === "POST" && !fn.volatile) tx`set transaction read only`.catch(() => {});
  const fromClause = from ? ` from ${from}` : "";
  if (fn.returnKind === "void" && !fn.returnsSet) {
    await tx.unsafe(`select ${call}${fromClause}`, ctx.params.values as never[], UNPREPARED);
    return { status: 204, body: null, headers: {} };
  }
  const table = resultTable(ctx.cache, fn);
  const rowsFrom = `(select pgrst_call.* from ${from ? `${from} cross join lateral ` : ""}${call} pgrst_call)`;
  if (table) {
    if (fn.returnsSet) return readRows(tx, ctx, plan, { table, from: rowsFrom });
    const out = await readRows(tx, ctx, { ...plan, media: "object" }, { table, from: rowsFrom });
    return { status: 200, body: out.body, headers: {} };
  }
  if (hasAggregate(ctx.query.select)) throw aggregatesRefused();
  const hasShaping = [...ctx.query.nodes.values()].some((n) => n.conditions.length || n.order.length) || ctx.query.select.some((s) => s.type !== "star");
  if (hasShaping || fn.returnKind === "composite") throw notImplemented(`Filtering or selecting the result of ${fn.schema}.${fn.name} (a ${fn.returnsSet ? "set of " : ""}${fn.returnType})`);
  if (fn.returnsSet) {
    const lim = ctx.params.add(Math.min(plan.range.limit ?? ctx.maxRows, ctx.maxRows));
    const off = ctx.params.add(plan.range.offset);
    const [agg] = await tx.unsafe<Agg[]>(`select coalesce(json_agg(r.v), '[]')::text as body, count(*)::text as n from (select pgrst_call as v from ${from ? `${from} cross join lateral ` : ""}${call} pgrst_call limit ${lim}::bigint offset ${off}::bigint) r`, ctx.params.values as never[], UNPREPARED);
    return readOutcome({ ...plan, prefs: { ...plan.prefs, count: undefined } }, agg);
  }
  const [row] = await tx.unsafe<{ body: string | null }[]>(`select to_json(${call})::text as body${fromClause}`, ctx.params.values as never[], UNPREPARED);
  if (plan.media === "object") return { status: 200, body: row.body ?? "null", headers: {} };
  return { status: 200, body: row.body ?? "null", headers: {} };
}
