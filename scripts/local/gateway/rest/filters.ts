// SQL fragments of one node: a column with its JSON path, a cast, a filter (every operator of
// PostgREST's, values bound), a logic tree, an order term (a column of the node, or of one of its
// to-one embeds: `order=rel(col)`). Column names are checked against the cache (else 42703, as
// Postgres would answer); embed names in filters (`rel=is.null`) test the embed's row.
import { PgrstError, parseError } from "./errors.ts";
import { type Condition, type Field, type Filter, type JsonStep, type OrderTerm, parseInList } from "./grammar.ts";
import type { Column, SchemaCache, Table } from "./schema.ts";
import { arrayLiteral, ident, type Params } from "./sql.ts";

export interface SqlContext { cache: SchemaCache; params: Params }

/** An embed of the node being built, by its key (alias, else name), for embed filters and related orders. */
export interface EmbedRef { lateral: string; toOne: boolean; spread: boolean; keys: string[] }

const SIMPLE: Record<string, string> = { eq: "=", neq: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=", like: "like", ilike: "ilike",
  match: "~", imatch: "~*", cs: "@>", cd: "<@", ov: "&&", sl: "<<", sr: ">>", nxr: "&<", nxl: "&>", adj: "-|-" };
const FTS: Record<string, string> = { fts: "to_tsquery", plfts: "plainto_tsquery", phfts: "phraseto_tsquery", wfts: "websearch_to_tsquery" };
const TYPE_ALIASES: Record<string, string> = { int: "int4", integer: "int4", bigint: "int8", smallint: "int2", real: "float4", float: "float8", boolean: "bool", decimal: "numeric" };

export function column(table: Table, name: string): Column {
  const col = table.columns.get(name);
  if (!col) throw new PgrstError(400, "42703", `column ${table.name}.${name} does not exist`);
  return col;
}

/** `base -> $1::text ->> $2::int …`: JSON path keys and indexes are parameters too. */
function jsonPath(ctx: SqlContext, base: string, path: JsonStep[]): string {
  let sql = base;
  for (const step of path) {
    const k = /^-?\d{1,9}$/.test(step.key) ? `${ctx.params.add(Number(step.key))}::int` : `${ctx.params.add(step.key)}::text`;
    sql = `(${sql} ${step.arrow} ${k})`;
  }
  return sql;
}

export function fieldSql(ctx: SqlContext, table: Table, alias: string, field: Field): string {
  column(table, field.name);
  return jsonPath(ctx, `${alias}.${ident(field.name)}`, field.path);
}

export function castSql(ctx: SqlContext, cast: string): string {
  const m = /^([a-z_][a-z0-9_]*)(\[\])?$/.exec(cast.toLowerCase());
  const name = m && (TYPE_ALIASES[m[1]] ?? m[1]);
  const schema = name ? ctx.cache.types.get(name) : undefined;
  if (!m || !name || !schema) throw parseError(`select (::${cast})`, `unknown type ${cast}`);
  return `::${ident(schema)}.${ident(name)}${m[2] ?? ""}`;
}

function filterSql(ctx: SqlContext, table: Table, alias: string, f: Filter, embeds: Map<string, EmbedRef>): string {
  const p = (v: unknown) => ctx.params.add(v);
  const embed = !table.columns.has(f.field.name) && !f.field.path.length ? embeds.get(f.field.name) : undefined;
  if (embed) {
    const v = f.value.toLowerCase();
    if (f.op !== "is" || (v !== "null" && v !== "not_null")) {
      throw new PgrstError(400, "PGRST120", `Bad operator on the '${f.field.name}' embedded resource`, "Only is null or not is null filters are allowed on embedded resources");
    }
    return `${embed.lateral}.body is ${(v === "null") !== f.negate ? "" : "not "}null`;
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

export function conditionSql(ctx: SqlContext, table: Table, alias: string, c: Condition, embeds = new Map<string, EmbedRef>()): string {
  if (c.type === "filter") return filterSql(ctx, table, alias, c, embeds);
  const parts = c.children.map((child) => `(${conditionSql(ctx, table, alias, child, embeds)})`);
  const sql = parts.join(c.op === "and" ? " and " : " or ");
  return c.negate ? `not (${sql})` : sql;
}

/** ORDER BY terms; `rel(col)` orders by a selected column of a to-one embed (the plan checked it is one). */
export function orderSql(ctx: SqlContext, table: Table, alias: string, terms: OrderTerm[], embeds: Map<string, EmbedRef>): string {
  return terms.map((t) => {
    let expr: string;
    if (t.relation === undefined) {
      expr = fieldSql(ctx, table, alias, t.field);
    } else {
      const e = embeds.get(t.relation)!;
      // As in PostgREST, the column is one the embed selects (its output key), else Postgres's 42703.
      if (!e.keys.includes(t.field.name)) throw new PgrstError(400, "42703", `column ${t.relation}.${t.field.name} does not exist`);
      expr = jsonPath(ctx, e.spread ? `${e.lateral}.${ident(t.field.name)}` : `(${e.lateral}.pgrst_row).${ident(t.field.name)}`, t.field.path);
    }
    return `${expr}${t.dir ? ` ${t.dir}` : ""}${t.nulls ? ` nulls ${t.nulls}` : ""}`;
  }).join(", ");
}
