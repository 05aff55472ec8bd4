// The schema cache's relationships, built as PostgREST's SchemaCache builds them: every foreign key
// (many-to-one, or one-to-one when its columns are a primary key or unique constraint); the same
// keys for views, through the base-table columns a view selects (read from pg_rewrite and followed
// through views of views: view-keys.sql.ts); many-to-many through a junction, a table or view with
// foreign keys to both sides whose columns all lie in its primary key; and the inverse of each
// to-one (one-to-many, or the parent side of a one-to-one). Only relationships between tables of
// the exposed schemas are kept (a junction too). Views also get their base tables' primary keys.
import type postgres from "postgres";
import { VIEW_KEY_DEPENDENCIES } from "./view-keys.sql.ts";

/** What this needs of the cache's tables (keyed schema.name): a view's primary key is filled in here. */
interface KeyedTable { kind: "table" | "view"; primaryKey: string[] }
const key = (schema: string, name: string) => `${schema}.${name}`;

export type Cardinality = "one-to-many" | "many-to-one" | "one-to-one" | "many-to-many";
type Pairs = [string, string][];

export interface Junction {
  schema: string;
  table: string;
  constraint1: string;
  constraint2: string;
  /** [origin column, junction column] pairs. */
  source: Pairs;
  /** [foreign table column, junction column] pairs. */
  target: Pairs;
}

export interface Relationship {
  schema: string;
  table: string;
  foreignSchema: string;
  foreignTable: string;
  isSelf: boolean;
  cardinality: Cardinality;
  /** The foreign key's name ("" for many-to-many). */
  constraint: string;
  /** [origin column, foreign column] pairs to join on (none for many-to-many). */
  columns: Pairs;
  junction?: Junction;
  tableIsView: boolean;
  foreignTableIsView: boolean;
}

export const isToOne = (r: Relationship) => r.cardinality === "many-to-one" || r.cardinality === "one-to-one";

interface KeyDep { table_schema: string; table_name: string; view_schema: string; view_name: string; constraint_name: string; constraint_type: "p" | "f" | "f_ref"; deps: [string, string[]][] }

/** Every choice of one view column per key column (a view may select a column more than once). */
const expand = (deps: [string, string[]][]): string[][] =>
  deps.reduce<string[][]>((acc, [, cols]) => acc.flatMap((prefix) => cols.map((c) => [...prefix, c])), [[]]);

export async function loadRelationships(sql: postgres.Sql, schemas: string[], tables: Map<string, KeyedTable>): Promise<Map<string, Relationship[]>> {
  const fks = await sql<{ schema: string; table: string; foreign_schema: string; foreign_table: string; is_self: boolean; name: string; pairs: Pairs; one_to_one: boolean }[]>`
    with pks_uniques_cols as (
      select conrelid, array_agg(k order by k) as cols from pg_constraint, lateral unnest(conkey) as u(k)
      where contype in ('p', 'u') and connamespace <> 'pg_catalog'::regnamespace group by oid, conrelid)
    select ns1.nspname as schema, tab.relname as table, ns2.nspname as foreign_schema, other.relname as foreign_table,
           k.conrelid = k.confrelid as is_self, k.conname as name, info.pairs,
           info.cols in (select cols from pks_uniques_cols where conrelid = k.conrelid) as one_to_one
    from pg_constraint k
    join lateral (
      select json_agg(json_build_array(cols.attname, refs.attname) order by ord) as pairs, array_agg(cols.attnum order by cols.attnum) as cols
      from unnest(k.conkey, k.confkey) with ordinality as u(col, ref, ord)
      join pg_attribute cols on cols.attrelid = k.conrelid and cols.attnum = u.col
      join pg_attribute refs on refs.attrelid = k.confrelid and refs.attnum = u.ref) info on true
    join pg_namespace ns1 on ns1.oid = k.connamespace
    join pg_class tab on tab.oid = k.conrelid
    join pg_class other on other.oid = k.confrelid
    join pg_namespace ns2 on ns2.oid = other.relnamespace
    where k.contype = 'f' and k.conparentid = 0
    order by k.conrelid, k.conname`;
  const keyDeps = await sql.unsafe<KeyDep[]>(VIEW_KEY_DEPENDENCIES, [schemas, [...schemas, "public", "extensions"]] as never[]);
  keyDeps.sort((a, b) => `${a.table_schema}.${a.table_name}`.localeCompare(`${b.table_schema}.${b.table_name}`));

  // A view's primary key: its base tables' primary key columns, as the view names them (the first name of each).
  for (const d of keyDeps) {
    const view = tables.get(key(d.view_schema, d.view_name));
    if (d.constraint_type === "p" && view?.kind === "view") view.primaryKey.push(...d.deps.map(([, cols]) => cols[0]));
  }

  const base: Relationship[] = fks.map((f) => ({
    schema: f.schema, table: f.table, foreignSchema: f.foreign_schema, foreignTable: f.foreign_table, isSelf: f.is_self,
    cardinality: f.one_to_one ? "one-to-one" : "many-to-one", constraint: f.name, columns: f.pairs, tableIsView: false, foreignTableIsView: false,
  }));
  const deps = new Map<string, KeyDep[]>();
  for (const d of keyDeps) {
    const k = `${d.table_schema}.${d.table_name}|${d.constraint_name}|${d.constraint_type}`;
    deps.set(k, [...(deps.get(k) ?? []), d]);
  }
  // Views holding a foreign key's columns relate to its target; views holding the referenced columns, to its source; and to each other.
  const viewRels = base.flatMap((r) => {
    const holdsFk = (deps.get(`${r.schema}.${r.table}|${r.constraint}|f`) ?? []).flatMap((d) => expand(d.deps).map((cols) => ({ d, cols })));
    const holdsRef = (deps.get(`${r.foreignSchema}.${r.foreignTable}|${r.constraint}|f_ref`) ?? []).flatMap((d) => expand(d.deps).map((cols) => ({ d, cols })));
    return [
      ...holdsFk.map(({ d, cols }): Relationship => ({ ...r, schema: d.view_schema, table: d.view_name, isSelf: false, tableIsView: true,
        columns: cols.map((c, i) => [c, r.columns[i][1]]) })),
      ...holdsRef.map(({ d, cols }): Relationship => ({ ...r, foreignSchema: d.view_schema, foreignTable: d.view_name, isSelf: false, foreignTableIsView: true,
        columns: r.columns.map(([c], i) => [c, cols[i]]) })),
      ...holdsFk.flatMap((a) => holdsRef.map((b): Relationship => ({ ...r, schema: a.d.view_schema, table: a.d.view_name, foreignSchema: b.d.view_schema,
        foreignTable: b.d.view_name, isSelf: a.d.view_schema === b.d.view_schema && a.d.view_name === b.d.view_name, tableIsView: true, foreignTableIsView: true,
        columns: a.cols.map((c, i) => [c, b.cols[i]]) }))),
    ];
  });
  const direct = [...base, ...viewRels];

  // Many-to-many: two different many-to-one keys of one junction whose columns are all in its primary key.
  const fromTable = new Map<string, Relationship[]>();
  for (const r of direct) fromTable.set(key(r.schema, r.table), [...(fromTable.get(key(r.schema, r.table)) ?? []), r]);
  const m2m: Relationship[] = [];
  for (const r1 of direct) {
    if (r1.cardinality !== "many-to-one") continue;
    const pk = tables.get(key(r1.schema, r1.table))?.primaryKey ?? [];
    for (const r2 of fromTable.get(key(r1.schema, r1.table)) ?? []) {
      if (r2.cardinality !== "many-to-one" || r2.constraint === r1.constraint) continue;
      if (![...r1.columns, ...r2.columns].every(([c]) => pk.includes(c))) continue;
      m2m.push({
        schema: r1.foreignSchema, table: r1.foreignTable, foreignSchema: r2.foreignSchema, foreignTable: r2.foreignTable,
        isSelf: r1.foreignSchema === r2.foreignSchema && r1.foreignTable === r2.foreignTable, cardinality: "many-to-many", constraint: "", columns: [],
        junction: { schema: r1.schema, table: r1.table, constraint1: r1.constraint, constraint2: r2.constraint,
          source: r1.columns.map(([j, t]) => [t, j]), target: r2.columns.map(([j, f]) => [f, j]) },
        tableIsView: r1.foreignTableIsView, foreignTableIsView: r2.foreignTableIsView,
      });
    }
  }
  // The other side of each to-one.
  const inverse = direct.map((r): Relationship => ({
    ...r, schema: r.foreignSchema, table: r.foreignTable, foreignSchema: r.schema, foreignTable: r.table,
    cardinality: r.cardinality === "many-to-one" ? "one-to-many" : "one-to-one", columns: r.columns.map(([a, b]) => [b, a]),
    tableIsView: r.foreignTableIsView, foreignTableIsView: r.tableIsView,
  }));

  const exposed = (s: string) => schemas.includes(s);
  const out = new Map<string, Relationship[]>();
  for (const r of [...direct, ...m2m, ...inverse]) {
    if (!exposed(r.schema) || !exposed(r.foreignSchema) || (r.junction && !exposed(r.junction.schema))) continue;
    out.set(key(r.schema, r.table), [...(out.get(key(r.schema, r.table)) ?? []), r]);
  }
  return out;
}

const ORDER: Cardinality[] = ["one-to-many", "many-to-one", "one-to-one", "many-to-many"];
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** PostgREST's order of relationships (its derived Ord), in which ambiguity errors list them. */
export function compareRelationships(a: Relationship, b: Relationship): number {
  return cmp(a.foreignSchema, b.foreignSchema) || cmp(a.foreignTable, b.foreignTable) || Number(a.isSelf) - Number(b.isSelf)
    || ORDER.indexOf(a.cardinality) - ORDER.indexOf(b.cardinality)
    || cmp(a.junction ? `${a.junction.schema}.${a.junction.table}|${a.junction.constraint1}|${a.junction.constraint2}` : a.constraint,
      b.junction ? `${b.junction.schema}.${b.junction.table}|${b.junction.constraint1}|${b.junction.constraint2}` : b.constraint)
    || cmp(JSON.stringify(a.columns), JSON.stringify(b.columns)) || Number(a.tableIsView) - Number(b.tableIsView)
    || Number(a.foreignTableIsView) - Number(b.foreignTableIsView);
}
