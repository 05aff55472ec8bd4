// SELECT statements from a read plan (plan.ts), as PostgREST builds them: one node per resource
// with its columns, filters, order and range; each embed a LEFT JOIN LATERAL on the relationship's
// column pairs (through the junction for many-to-many), aggregated with json_agg (to-many, [] when
// empty) or row_to_json (to-one, null when none); !inner keeps only parents with a match; a to-one
// embed ordered by (`order=rel(col)`) also exposes its row. Identifiers from the cache, values as
// parameters (filters.ts).
import { notImplemented } from "./errors.ts";
import { castSql, conditionSql, type EmbedRef, fieldSql, orderSql, type SqlContext } from "./filters.ts";
import type { SelectItem } from "./grammar.ts";
import type { NodeParams, RequestQuery } from "./params.ts";
import type { ReadPlan } from "./plan.ts";
import { isToOne } from "./relationships.ts";
import type { Table } from "./schema.ts";
import { ident, qualified } from "./sql.ts";

/** What a node reads from: a table or view, or a CTE / function call standing for one. */
export interface Source { table: Table; from: string }

export interface ReadContext extends SqlContext {
  query: RequestQuery;
  maxRows: number;
  /** The plan of the select being built (set before buildNode). */
  plan: ReadPlan;
  aliases: number;
}

export interface NodeOptions {
  alias: string;
  /** This node's filters, order and range. */
  params: NodeParams;
  root?: boolean;
  /** Join conditions of an embed. */
  where?: string[];
  /** FROM items after the source (a many-to-many embed's junction). */
  join?: string;
  /** Root range (already intersected with the Range header); embeds use their own. */
  limit?: number;
  offset?: number;
  /** Build without limit/offset/order (for the count and write representations). */
  unranged?: boolean;
  /** Leave out the query string's root filters (a write representation: the write applied them). */
  skipConditions?: boolean;
}

const keyOf = (item: Extract<SelectItem, { type: "column" }>) => item.alias ?? (item.field.path.length ? item.field.path.at(-1)!.key : item.field.name);

/** A node's SELECT (its output columns named by their JSON keys) and those keys. */
export function buildNode(ctx: ReadContext, source: Source, select: SelectItem[], opts: NodeOptions): { sql: string; keys: string[] } {
  const { table } = source;
  const a = opts.alias;
  const node = opts.params;
  const items: string[] = [];
  const keys: string[] = [];
  const joins: string[] = [];
  const where = [...(opts.where ?? [])];
  const embeds = new Map<string, EmbedRef>();
  const orderedBy = new Set(node.order.flatMap((t) => (t.relation === undefined ? [] : [t.relation])));
  for (const item of select) {
    if (item.type === "star") {
      for (const name of table.columns.keys()) { items.push(`${a}.${ident(name)} as ${ident(name)}`); keys.push(name); }
    } else if (item.type === "column") {
      const key = keyOf(item);
      items.push(`${fieldSql(ctx, table, a, item.field)}${item.cast ? castSql(ctx, item.cast) : ""} as ${ident(key)}`);
      keys.push(key);
    } else {
      const { rel, target, params } = ctx.plan.embeds.get(item)!;
      const key = item.alias ?? item.name;
      const c = `t${++ctx.aliases}`;
      let on: string[];
      let join: string | undefined;
      if (rel.junction) {
        const j = `${c}_j`;
        join = `join ${qualified(rel.junction.schema, rel.junction.table)} ${j} on ${rel.junction.target.map(([f, jc]) => `${j}.${ident(jc)} = ${c}.${ident(f)}`).join(" and ")}`;
        on = rel.junction.source.map(([o, jc]) => `${j}.${ident(jc)} = ${a}.${ident(o)}`);
      } else {
        on = rel.columns.map(([o, f]) => `${c}.${ident(f)} = ${a}.${ident(o)}`);
      }
      const child = buildNode(ctx, { table: target, from: qualified(target.schema, target.name) }, item.select, { alias: c, params, where: on, join });
      const lateral = `${c}_e`;
      const toOne = isToOne(rel);
      embeds.set(key, { lateral, toOne, spread: item.spread, keys: child.keys });
      if (item.spread) {
        if (!toOne) throw notImplemented("Spreading a to-many embedded resource");
        joins.push(`${item.join === "inner" ? "" : "left "}join lateral (${child.sql}) ${lateral} on true`);
        for (const k of child.keys) { items.push(`${lateral}.${ident(k)} as ${ident(k)}`); keys.push(k); }
        continue;
      }
      if (!child.keys.length) {
        // rel() selects nothing: the embed only filters (with !inner) and is left out of the output.
        joins.push(`left join lateral (select 1 as body from (${child.sql}) ${c}_r limit 1) ${lateral} on true`);
        if (item.join === "inner") where.push(`${lateral}.body is not null`);
        continue;
      }
      const agg = toOne ? `row_to_json(${c}_r)` : `json_agg(${c}_r)`;
      const row = toOne && orderedBy.has(key) ? `, ${c}_r as pgrst_row` : "";
      joins.push(`left join lateral (select ${agg} as body${row} from (${child.sql}) ${c}_r) ${lateral} on true`);
      items.push(toOne ? `${lateral}.body as ${ident(key)}` : `coalesce(${lateral}.body, '[]'::json) as ${ident(key)}`);
      keys.push(key);
      if (item.join === "inner") where.push(`${lateral}.body is not null`);
    }
  }
  for (const c of opts.skipConditions ? [] : node.conditions) where.push(conditionSql(ctx, table, a, c, embeds));
  let sql = `select ${items.length ? items.join(", ") : "1 as pgrst_none"} from ${source.from} ${a}${opts.join ? ` ${opts.join}` : ""}`
    + `${joins.length ? ` ${joins.join(" ")}` : ""}${where.length ? ` where ${where.map((w) => `(${w})`).join(" and ")}` : ""}`;
  if (!opts.unranged) {
    if (node.order.length) sql += ` order by ${orderSql(ctx, table, a, node.order, embeds)}`;
    const limit = Math.min(opts.root ? opts.limit ?? ctx.maxRows : node.limit ?? ctx.maxRows, ctx.maxRows);
    const offset = opts.root ? opts.offset ?? 0 : node.offset ?? 0;
    sql += ` limit ${ctx.params.add(limit)}::bigint`;
    if (offset) sql += ` offset ${ctx.params.add(offset)}::bigint`;
  }
  return { sql, keys: items.length ? keys : [] };
}
