// The schema cache: what the Data API can serve, read from the catalog of the exposed schemas
// (config.toml [api] schemas): tables and views with their columns and primary keys, the
// relationships between them (relationships.ts: foreign keys, composite ones joining on every
// column pair, views' inherited keys, junctions), and functions with their arguments. Reloaded on
// NOTIFY pgrst, 'reload schema' (the LISTEN is the service's). Every identifier the stand-in puts
// into SQL comes from here.
import type postgres from "postgres";
import { loadRelationships, type Relationship } from "./relationships.ts";

export interface Column {
  name: string;
  /** format_type of the column's type, e.g. "uuid", "text[]". */
  type: string;
  /** The column's default expression (pg_get_expr), or null. */
  default: string | null;
  generated: boolean;
}

export interface Table {
  schema: string;
  name: string;
  kind: "table" | "view";
  columns: Map<string, Column>;
  /** A view's is its base tables' primary key, as far as it selects it (as PostgREST infers it). */
  primaryKey: string[];
  /** The rows of a function's OUT / TABLE columns: no relationships. */
  synthetic?: boolean;
}

export interface FunctionArg { name: string; type: string; hasDefault: boolean; variadic: boolean }

export interface DbFunction {
  schema: string;
  name: string;
  args: FunctionArg[];
  /** Unnamed or OUT-only arguments make a function unreachable by name. */
  callable: boolean;
  returnsSet: boolean;
  /** format_type of the return type. */
  returnType: string;
  /** 'c' composite (or a TABLE/OUT record), 'p' pseudo (void), else a scalar. */
  returnKind: "composite" | "void" | "scalar";
  /** For composite returns: the table whose row type it is, if exposed. */
  returnTable: string | null;
  /** OUT / TABLE columns of a record-returning function. */
  outColumns: Column[];
  volatile: boolean;
}

export interface SchemaCache {
  schemas: string[];
  tables: Map<string, Table>;
  /** Relationships by their origin table (schema.name). */
  relationships: Map<string, Relationship[]>;
  functions: Map<string, DbFunction[]>;
  /** Type names a select may cast to (::type), to the schema that holds them. */
  types: Map<string, string>;
}

export const key = (schema: string, name: string) => `${schema}.${name}`;

export async function loadSchemaCache(sql: postgres.Sql, schemas: string[]): Promise<SchemaCache> {
  const rels = await sql<{ schema: string; name: string; kind: string; columns: Column[] }[]>`
    select n.nspname as schema, c.relname as name, c.relkind as kind,
           coalesce((select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                       'default', pg_get_expr(d.adbin, d.adrelid), 'generated', a.attgenerated <> '' or a.attidentity = 'a')
                       order by a.attnum)
                     from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                     where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]') as columns
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any(${schemas}) and c.relkind in ('r', 'v', 'm', 'f', 'p')`;
  const keys = await sql<{ schema: string; table: string; columns: string[] }[]>`
    select n.nspname as schema, c.relname as table,
           array(select a.attname::text from unnest(k.conkey) with ordinality u(n, i) join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n order by u.i) as columns
    from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any(${schemas}) and k.contype = 'p'`;
  const fns = await sql<{ schema: string; name: string; args: FunctionArg[] | null; callable: boolean; returns_set: boolean; return_type: string; typtype: string; rel: string | null; volatile: boolean; outs: Column[] | null; type_columns: Column[] | null }[]>`
    select n.nspname as schema, p.proname as name, p.proretset as returns_set,
           format_type(p.prorettype, null) as return_type, t.typtype, r.relname as rel, p.provolatile = 'v' as volatile,
           (select json_agg(json_build_object('name', a.name, 'type', format_type(a.type, null),
                     'hasDefault', a.i > p.pronargs - p.pronargdefaults, 'variadic', a.mode = 'v') order by a.i)
              from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]), coalesce(p.proargmodes, array_fill('i'::"char", array[p.pronargs])),
                          coalesce(p.proargnames, array_fill(''::text, array[p.pronargs]))) with ordinality a(type, mode, name, i)
              where a.mode in ('i', 'b', 'v')) as args,
           (select json_agg(json_build_object('name', a.name, 'type', format_type(a.type, null), 'default', null, 'generated', false) order by a.i)
              from unnest(p.proallargtypes, p.proargmodes, p.proargnames) with ordinality a(type, mode, name, i)
              where a.mode in ('o', 'b', 't')) as outs,
           (select json_agg(json_build_object('name', c.attname, 'type', format_type(c.atttypid, c.atttypmod), 'default', null, 'generated', false) order by c.attnum)
              from pg_attribute c where c.attrelid = t.typrelid and c.attnum > 0 and not c.attisdropped) as type_columns,
           not exists (select 1 from unnest(coalesce(p.proargnames, array_fill(''::text, array[p.pronargs])), coalesce(p.proargmodes, array_fill('i'::"char", array[p.pronargs]))) m(name, mode)
                       where m.mode in ('i', 'b', 'v') and m.name = '') as callable
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_type t on t.oid = p.prorettype
    left join pg_class r on r.oid = t.typrelid and r.relnamespace = n.oid
    where n.nspname = any(${schemas}) and p.prokind = 'f'`;

  const tables = new Map<string, Table>();
  for (const r of rels) {
    tables.set(key(r.schema, r.name), {
      schema: r.schema, name: r.name, kind: r.kind === "r" || r.kind === "p" || r.kind === "f" ? "table" : "view",
      columns: new Map(r.columns.map((c) => [c.name, c])), primaryKey: [],
    });
  }
  for (const k of keys) {
    const table = tables.get(key(k.schema, k.table));
    if (table) table.primaryKey = k.columns;
  }
  const relationships = await loadRelationships(sql, schemas, tables);
  const functions = new Map<string, DbFunction[]>();
  for (const f of fns) {
    const out: DbFunction = {
      schema: f.schema, name: f.name, args: f.args ?? [], callable: f.callable, returnsSet: f.returns_set, returnType: f.return_type,
      returnKind: f.typtype === "c" || f.return_type === "record" ? "composite" : f.return_type === "void" ? "void" : "scalar",
      returnTable: f.rel, volatile: f.volatile,
      // OUT/TABLE columns, else the attributes of the composite type returned (a table's row type or a standalone type).
      outColumns: f.outs ?? f.type_columns ?? [],
    };
    const k = key(f.schema, f.name);
    functions.set(k, [...(functions.get(k) ?? []), out]);
  }
  const typeRows = await sql<{ name: string; schema: string }[]>`
    select t.typname as name, n.nspname as schema from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where (n.nspname = any(${schemas}) or n.nspname in ('pg_catalog', 'extensions')) and t.typname !~ '^_' and t.typtype in ('b', 'e', 'd', 'r', 'c')
    order by n.nspname = 'pg_catalog' desc`;
  const types = new Map<string, string>();
  for (const t of typeRows) if (!types.has(t.name)) types.set(t.name, t.schema);
  return { schemas, tables, relationships, functions, types };
}
