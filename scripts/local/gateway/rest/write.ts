// INSERT / upsert / UPDATE / DELETE statements from a parsed body and the query string, as
// PostgREST builds them: rows from json_populate_recordset over the body (one bind parameter),
// columns checked against the cache (PGRST204), the conflict target the primary key unless
// on_conflict names one, and UPDATE / DELETE refused without a filter as Supabase's safeupdate does.
import { PgrstError, unknownColumn } from "./errors.ts";
import { conditionSql } from "./filters.ts";
import type { ReadContext } from "./read.ts";
import type { Table } from "./schema.ts";
import { ident, qualified } from "./sql.ts";

export interface InsertOptions {
  columns?: string[];
  upsert?: "merge" | "ignore";
  onConflict?: string[];
  missingDefault: boolean;
  returning: boolean;
}

type Row = Record<string, unknown>;

export const badBody = (message: string, details: string | null = null) => new PgrstError(400, "PGRST102", message, details);

/** The columns a body writes: columns= when given, else the keys every object shares. */
export function bodyColumns(table: Table, rows: Row[], columns?: string[]): string[] {
  let cols = columns;
  if (!cols) {
    const first = Object.keys(rows[0] ?? {});
    for (const row of rows) {
      const keys = Object.keys(row);
      if (keys.length !== first.length || keys.some((k) => !first.includes(k))) throw badBody("All object keys must match");
    }
    cols = first;
  }
  for (const c of cols) if (!table.columns.has(c)) throw unknownColumn(c, table.name);
  return [...new Set(cols)];
}

/** The body as rows: an object or an array of objects. */
export function bodyRows(body: unknown): Row[] {
  const rows = Array.isArray(body) ? body : [body];
  if (body === null || rows.some((r) => typeof r !== "object" || r === null || Array.isArray(r))) {
    throw badBody("Empty or invalid json");
  }
  return rows as Row[];
}

export function insertSql(ctx: ReadContext, table: Table, rows: Row[], opts: InsertOptions): string {
  const target = qualified(table.schema, table.name);
  const cols = bodyColumns(table, rows, opts.columns);
  const body = ctx.params.add(JSON.stringify(rows));
  let select: string;
  if (opts.missingDefault) {
    const values = cols.map((c) => {
      const dflt = table.columns.get(c)!.default;
      return dflt ? `case when e.j::jsonb ? ${ctx.params.add(c)}::text then r.${ident(c)} else ${dflt} end` : `r.${ident(c)}`;
    });
    select = `select ${values.join(", ")} from json_array_elements(${body}::json) with ordinality e(j, n) cross join lateral json_populate_record(null::${target}, e.j) r order by e.n`;
  } else {
    select = `select ${cols.map((c) => `r.${ident(c)}`).join(", ")} from json_populate_recordset(null::${target}, ${body}::json) r`;
  }
  let sql = `insert into ${target} as t0 ${cols.length ? `(${cols.map(ident).join(", ")}) ` : ""}${select}`;
  if (opts.upsert) {
    const conflict = opts.onConflict ?? table.primaryKey;
    for (const c of conflict) if (!table.columns.has(c)) throw unknownColumn(c, table.name);
    if (!conflict.length) throw new PgrstError(400, "PGRST100", "\"failed to parse on_conflict\"", "an upsert needs on_conflict or a primary key");
    const updates = cols.filter((c) => !conflict.includes(c));
    sql += ` on conflict (${conflict.map(ident).join(", ")}) `;
    sql += opts.upsert === "ignore" || !updates.length ? "do nothing" : `do update set ${updates.map((c) => `${ident(c)} = excluded.${ident(c)}`).join(", ")}`;
  }
  if (opts.returning) sql += ` returning t0.*${opts.upsert ? ", (t0.xmax = 0) as pgrst_inserted" : ""}`;
  return sql;
}

function filters(ctx: ReadContext, table: Table, verb: string): string {
  const node = ctx.query.nodes.get("");
  const where = (node?.conditions ?? []).map((c) => `(${conditionSql(ctx, table, "t0", c)})`);
  if (!where.length) throw new PgrstError(400, "21000", `${verb} requires a WHERE clause`);
  return where.join(" and ");
}

export function updateSql(ctx: ReadContext, table: Table, body: unknown, returning: boolean, columns?: string[]): string | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badBody("Empty or invalid json");
  const cols = bodyColumns(table, [body as Row], columns);
  const target = qualified(table.schema, table.name);
  const where = filters(ctx, table, "UPDATE");
  if (!cols.length) return null;
  const values = ctx.params.add(JSON.stringify(body));
  return `update ${target} as t0 set ${cols.map((c) => `${ident(c)} = r.${ident(c)}`).join(", ")} from json_populate_record(null::${target}, ${values}::json) r where ${where}${returning ? " returning t0.*" : ""}`;
}

export function deleteSql(ctx: ReadContext, table: Table, returning: boolean): string {
  return `delete from ${qualified(table.schema, table.name)} as t0 where ${filters(ctx, table, "DELETE")}${returning ? " returning t0.*" : ""}`;
}
