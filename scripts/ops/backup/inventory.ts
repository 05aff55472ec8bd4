/**
 * The facts a manifest records, read in the dump's own snapshot: which schemas and tables are
 * dumped, every table's row count, the migration version, the RPCs, RLS, publications, policies on
 * the platform tables, extensions and privileges.
 */
import type { Sql, TransactionSql } from 'postgres';
import { APP_SCHEMAS, HISTORY_SCHEMA, PLATFORM_SCHEMAS, PLATFORM_TABLES, quoteIdent } from './contents.ts';
import { type AclEntry, aclsOf, privilegesOf } from './privileges.ts';

export interface Inventory {
  /** Schemas that exist and are dumped whole or in part (pg_dump -n). */
  schemas: string[];
  /** Tables of auth and storage that are not kept (pg_dump -T). */
  excludedTables: string[];
  /** "schema.table" → rows, every table whose rows the archive holds. */
  rowCounts: Record<string, number>;
  migrationVersion: string | null;
  migrations: number;
  /** Public functions as regprocedure text ("public.create_tenant(text, text)"). */
  functions: string[];
  /** Public tables with row-level security on. */
  rlsTables: string[];
  /** "publication:schema.table" memberships of dumped tables (pg_dump with -n leaves them out). */
  publications: string[];
  /** Policies on the kept platform tables ("storage.objects:<policy name>"). */
  platformPolicies: string[];
  /** Extensions the database has ("name@schema"), for a drill's scratch database. */
  extensions: string[];
  /** Every privilege on the application's objects ("public.tenants: authenticated SELECT"). */
  privileges: string[];
  /** The ACLs as stored, in order, of the app's objects that have one: a restore replays that order. */
  acls: AclEntry[];
}

const DUMPED = [...APP_SCHEMAS, HISTORY_SCHEMA, ...PLATFORM_SCHEMAS];

/** Everything the manifest records, read in the caller's transaction (the dump's snapshot). */
export async function takeInventory(tx: TransactionSql): Promise<Inventory> {
  const schemas = (await tx<{ nspname: string }[]>`
    select nspname from pg_catalog.pg_namespace where nspname = any(${DUMPED}) order by nspname`).map((r) => r.nspname);
  const tables = await tx<{ schema: string; name: string }[]>`
    select n.nspname as schema, c.relname as name from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname = any(${DUMPED}) order by 1, 2`;
  const kept = (t: { schema: string; name: string }) =>
    !(PLATFORM_SCHEMAS as readonly string[]).includes(t.schema) || (PLATFORM_TABLES as readonly string[]).includes(`${t.schema}.${t.name}`);
  const rowCounts: Record<string, number> = {};
  for (const t of tables.filter(kept)) {
    const [row] = await tx.unsafe(`select count(*)::bigint as n from ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
    rowCounts[`${t.schema}.${t.name}`] = Number(row.n);
  }
  const history = rowCounts[`${HISTORY_SCHEMA}.schema_migrations`] !== undefined
    ? (await tx`select max(version) as version, count(*)::int as n from supabase_migrations.schema_migrations`)[0]
    : { version: null, n: 0 };
  const functions = (await tx<{ sig: string }[]>`
    select p.oid::regprocedure::text as sig from pg_catalog.pg_proc p
    where p.pronamespace = 'public'::regnamespace and p.prokind = 'f'
      and not exists (select 1 from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e') order by 1`).map((r) => r.sig);
  const rlsTables = (await tx<{ t: string }[]>`
    select 'public.' || c.relname as t from pg_catalog.pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and c.relrowsecurity order by 1`).map((r) => r.t);
  const publications = (await tx<{ m: string }[]>`
    select pubname || ':' || schemaname || '.' || tablename as m from pg_catalog.pg_publication_tables
    where schemaname = any(${[...APP_SCHEMAS]}) order by 1`).map((r) => r.m);
  const platformPolicies = (await tx<{ p: string }[]>`
    select schemaname || '.' || tablename || ':' || policyname as p from pg_catalog.pg_policies
    where schemaname || '.' || tablename = any(${[...PLATFORM_TABLES]}) order by 1`).map((r) => r.p);
  const extensions = (await tx<{ e: string }[]>`
    select e.extname || '@' || n.nspname as e from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
    where e.extname <> 'plpgsql' order by 1`).map((r) => r.e);
  return {
    schemas,
    excludedTables: tables.filter((t) => !kept(t)).map((t) => `${t.schema}.${t.name}`),
    rowCounts,
    migrationVersion: history.version ?? null,
    migrations: history.n,
    functions, rlsTables, publications, platformPolicies, extensions,
    privileges: await privilegesOf(tx),
    acls: await aclsOf(tx),
  };
}

