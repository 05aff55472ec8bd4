// SELECT statements from the syntax tree, as PostgREST builds them: one node per resource with its
// columns, filters, order and range; each embed a LEFT JOIN LATERAL on the foreign key's column
// pairs, aggregated with json_agg (to-many, [] when empty) or row_to_json (to-one, null when none);
// !inner keeps only parents with a match. Identifiers from the cache, values as parameters.
import { PgrstError, notImplemented, parseError } from "./errors.ts";
import { type Condition, type Field, type Filter, type OrderTerm, parseInList, type SelectItem } from "./grammar.ts";
import type { NodeParams, RequestQuery } from "./params.ts";
import { findRelationship } from "./relations.ts";
import type { Column, SchemaCache, Table } from "./schema.ts";
import { arrayLiteral, ident, type Params } from "./sql.ts";

/** What a node reads from: a table or view, or a CTE / function call standing for one. */
export interface Source { table: Table; from: string }

export interface ReadContext {
  cache: SchemaCache;
  params: Params;
  query: RequestQuery;
  maxRows: number;
  /** Embed paths met while building (a filter on any other path is PGRST108). */
  visited: Set<string>;
  aliases: number;
}

export interface NodeOptions {
  alias: string;
  path: string;
  /** Join conditions of an embed. */
  where?: string[];
  /** Root range (already intersected with the Range header); embeds use their own. */
  limit?: number;
  offset?: number;
  /** Build without limit/offset/order (for the count and write representations). */
  unranged?: boolean;
  /** Leave out the query string's root filters (a write representation: the write applied them). */
  skipConditions?: boolean;
}

const SIMPLE: Record<string, string> = { eq: "=", neq: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=", like: "like", ilike: "ilike",
  match: "~", imatch: "~*", cs: "@>", cd: "<@", ov: "&&", sl: "<<", sr: ">>", nxr: "&<", nxl: "&>", adj: "-|-" };
const FTS: Record<string, string> = { fts: "to_tsquery", plfts: "plainto_tsquery", phfts: "phraseto_tsquery", wfts: "websearch_to_tsquery" };
const TYPE_ALIASES: Record<string, string> = { int: "int4", integer: "int4", bigint: "int8", smallint: "int2", real: "float4", float: "float8", boolean: "bool", decimal: "numeric" };

function column(table: Table, name: string): Column {
  const col = table.columns.get(name);
  if (!col) throw new PgrstError(400, "42703", `column ${table.name}.${name} does not exist`);
  return col;
}

function fieldSql(ctx: ReadContext, table: Table, alias: string, field: Field): string {
  column(table, field.name);
  let sql = `${alias}.${ident(field.name)}`;
  for (const step of field.path) {
    const k = /^-?\d{1,9}$/.test(step.key) ? `${ctx.params.add(Number(step.key))}::int` : `${ctx.params.add(step.key)}::text`;
    sql = `(${sql} ${step.arrow} ${k})`;
  }
  return sql;
}

function castSql(ctx: ReadContext, cast: string): string {
  const m = /^([a-z_][a-z0-9_]*)(\[\])?$/.exec(cast.toLowerCase());
  const name = m && (TYPE_ALIASES[m[1]] ?? m[1]);
  const schema = name ? ctx.cache.types.get(name) : undefined;
  if (!m || !name || !schema) throw parseError(`select (::${cast})`, `unknown type ${cast}`);
  return `::${ident(schema)}.${ident(name)}${m[2] ?? ""}`;
}

function filterSql(ctx: ReadContext, table: Table, alias: string, f: Filter, embeds: Map<string, string>): string {
  const p = (v: unknown) => ctx.params.add(v);
  if (!table.columns.has(f.field.name) && embeds.has(f.field.name) && !f.field.path.length) {
    const v = f.value.toLowerCase();
    if (f.op !== "is" || (v !== "null" && v !== "not_null")) {
      throw new PgrstError(400, "PGRST120", "Only is null or not is null filters are allowed on embedded resources");
    }
    return `${embeds.get(f.field.name)}.body is ${(v === "null") !== f.negate ? "" : "not "}null`;
  }
  const col = column(table, f.field.name);
  const expr = fieldSql(ctx, table, alias, f.field);
  let sql: string;
  if (f.op === "in") {
    sql = `${expr} = any(${p(arrayLiteral(parseInList(f.value, `in.${f.value}`)))})`;
  } else if (f.op === "is") {
    const v = f.value.toLowerCase();
    const word = { null: "null", not_null: "not null", true: "true", false: "false", unknown: "unknown" }[v];
    if (!word) throw parseError(`filter (is.${f.value})`, "expecting null, not_null, true, false or unknown");
    sql = `${expr} is ${word}`;
  } else if (f.op === "isdistinct") {
    sql = `${expr} is distinct from ${p(f.value)}`;
  } else if (f.op in FTS) {
    const lang = f.lang !== undefined ? `${p(f.lang)}::regconfig, ` : "";
    const doc = col.type === "tsvector" && !f.field.path.length ? expr : `to_tsvector(${lang}${expr})`;
    sql = `${doc} @@ ${FTS[f.op]}(${lang}${p(f.value)})`;
  } else {
    const like = f.op === "like" || f.op === "ilike";
    const value = like ? f.value.replace(/\*/g, "%") : f.value;
    sql = f.quant ? `${expr} ${SIMPLE[f.op]} ${f.quant}(${p(value)})` : `${expr} ${SIMPLE[f.op]} ${p(value)}`;
  }
  return f.negate ? `not (${sql})` : sql;
}

export function conditionSql(ctx: ReadContext, table: Table, alias: string, c: Condition, embeds = new Map<string, string>()): string {
  if (c.type === "filter") return filterSql(ctx, table, alias, c, embeds);
  const parts = c.children.map((child) => `(${conditionSql(ctx, table, alias, child, embeds)})`);
  const sql = parts.join(c.op === "and" ? " and " : " or ");
  return c.negate ? `not (${sql})` : sql;
}

function orderSql(ctx: ReadContext, table: Table, alias: string, terms: OrderTerm[]): string {
  return terms.map((t) => `${fieldSql(ctx, table, alias, t.field)}${t.dir ? ` ${t.dir}` : ""}${t.nulls ? ` nulls ${t.nulls}` : ""}`).join(", ");
}

const keyOf = (item: Extract<SelectItem, { type: "column" }>) => item.alias ?? (item.field.path.length ? item.field.path.at(-1)!.key : item.field.name);

/** A node's SELECT (its output columns named by their JSON keys) and those keys. */
export function buildNode(ctx: ReadContext, source: Source, select: SelectItem[], opts: NodeOptions): { sql: string; keys: string[] } {
  const { table } = source;
  const a = opts.alias;
  const node: NodeParams = ctx.query.nodes.get(opts.path) ?? { conditions: [], order: [] };
  const items: string[] = [];
  const keys: string[] = [];
  const joins: string[] = [];
  const where = [...(opts.where ?? [])];
  const embeds = new Map<string, string>();
  for (const item of select) {
    if (item.type === "star") {
      for (const name of table.columns.keys()) { items.push(`${a}.${ident(name)} as ${ident(name)}`); keys.push(name); }
    } else if (item.type === "column") {
      const key = keyOf(item);
      items.push(`${fieldSql(ctx, table, a, item.field)}${item.cast ? castSql(ctx, item.cast) : ""} as ${ident(key)}`);
      keys.push(key);
    } else {
      const rel = findRelationship(ctx.cache, table, item.name, item.hint);
      const key = item.alias ?? item.name;
      const path = opts.path ? `${opts.path}.${key}` : key;
      ctx.visited.add(path);
      const c = `t${++ctx.aliases}`;
      const on = rel.pairs.map(([pc, tc]) => `${c}.${ident(tc)} = ${a}.${ident(pc)}`);
      const child = buildNode(ctx, { table: rel.target, from: `${ident(rel.target.schema)}.${ident(rel.target.name)}` }, item.select, { alias: c, path, where: on });
      const lateral = `${c}_e`;
      embeds.set(key, lateral);
      if (item.spread) {
        if (!rel.toOne) throw notImplemented("Spreading a to-many embedded resource");
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
      const agg = rel.toOne ? `row_to_json(${c}_r)` : `json_agg(${c}_r)`;
      joins.push(`left join lateral (select ${agg} as body from (${child.sql}) ${c}_r) ${lateral} on true`);
      items.push(rel.toOne ? `${lateral}.body as ${ident(key)}` : `coalesce(${lateral}.body, '[]'::json) as ${ident(key)}`);
      keys.push(key);
      if (item.join === "inner") where.push(`${lateral}.body is not null`);
    }
  }
  for (const c of opts.skipConditions ? [] : node.conditions) where.push(conditionSql(ctx, table, a, c, embeds));
  let sql = `select ${items.length ? items.join(", ") : "1 as pgrst_none"} from ${source.from} ${a}${joins.length ? ` ${joins.join(" ")}` : ""}${where.length ? ` where ${where.map((w) => `(${w})`).join(" and ")}` : ""}`;
  if (!opts.unranged) {
    if (node.order.length) sql += ` order by ${orderSql(ctx, table, a, node.order)}`;
    const isRoot = opts.path === "";
    const limit = Math.min(isRoot ? opts.limit ?? ctx.maxRows : node.limit ?? ctx.maxRows, ctx.maxRows);
    const offset = isRoot ? opts.offset ?? 0 : node.offset ?? 0;
    sql += ` limit ${ctx.params.add(limit)}::bigint`;
    if (offset) sql += ` offset ${ctx.params.add(offset)}::bigint`;
  }
  return { sql, keys: items.length ? keys : [] };
}

/** Every embed path the query string names must have been met (else PGRST108). */
export function checkVisited(ctx: ReadContext): void {
  for (const path of ctx.query.nodes.keys()) {
    if (path && !ctx.visited.has(path)) {
      throw new PgrstError(400, "PGRST108", `'${path.split(".").at(-1)}' is not an embedded resource in this request`,
        null, `Verify that '${path.split(".").at(-1)}' is included in the 'select' query parameter.`);
    }
  }
}
