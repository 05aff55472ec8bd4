/**
 * The privileges on the application's objects, twice: as a set (one line per grantee and
 * privilege, which the restore checks compare) and as the stored ACLs in their order (which a
 * restore replays, so `npm run verify`'s textual comparison sees the same ACLs).
 */
import type { Sql, TransactionSql } from 'postgres';
import { APP_SCHEMAS } from './contents.ts';

/**
 * One line per grantee and privilege (a NULL ACL read as the owner's default, PUBLIC for grantee
 * 0): what a restore must reproduce. The target's default privileges would otherwise add grants
 * the source never had.
 */
export async function privilegesOf(sql: Sql | TransactionSql): Promise<string[]> {
  const rows = await sql<{ p: string }[]>`
    with ns as (select oid from pg_catalog.pg_namespace where nspname = any(${[...APP_SCHEMAS]})),
    acls as (
      select 'schema ' || n.nspname as obj, coalesce(n.nspacl, pg_catalog.acldefault('n'::"char", n.nspowner)) as acl
        from pg_catalog.pg_namespace n where n.oid in (select oid from ns)
      union all
      select c.oid::regclass::text, coalesce(c.relacl, pg_catalog.acldefault((case c.relkind when 'S' then 's' else 'r' end)::"char", c.relowner))
        from pg_catalog.pg_class c where c.relnamespace in (select oid from ns) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
      union all
      select c.oid::regclass::text || '.' || a.attname, a.attacl from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid
        where c.relnamespace in (select oid from ns) and a.attnum > 0 and not a.attisdropped and a.attacl is not null
      union all
      select p.oid::regprocedure::text, coalesce(p.proacl, pg_catalog.acldefault('f'::"char", p.proowner))
        from pg_catalog.pg_proc p where p.pronamespace in (select oid from ns)
      union all
      select t.oid::regtype::text, coalesce(t.typacl, pg_catalog.acldefault('T'::"char", t.typowner))
        from pg_catalog.pg_type t where t.typnamespace in (select oid from ns) and t.typtype in ('e', 'd', 'r', 'm'))
    select acls.obj || ': ' || case x.grantee when 0 then 'PUBLIC' else x.grantee::regrole::text end || ' ' || x.privilege_type
           || case when x.is_grantable then ' (grantable)' else '' end as p
    from acls, pg_catalog.aclexplode(acls.acl) x order by 1`;
  return rows.map((r) => r.p);
}

export interface AclEntry { kind: 'table' | 'sequence' | 'routine' | 'schema' | 'type' | 'column'; name: string; column?: string; acl: string }

/** The stored ACLs of the application's schemas, relations, columns, routines and types (columns last). */
export async function aclsOf(sql: Sql | TransactionSql): Promise<AclEntry[]> {
  const rows = await sql<(AclEntry & { column: string | null })[]>`
    with ns as (select oid from pg_catalog.pg_namespace where nspname = any(${[...APP_SCHEMAS]})), acls as (
    select 'schema' as kind, n.nspname::text as name, null::text as "column", n.nspacl::text as acl
      from pg_catalog.pg_namespace n where n.oid in (select oid from ns) and n.nspacl is not null
    union all
    select case c.relkind when 'S' then 'sequence' else 'table' end, c.oid::regclass::text, null, c.relacl::text from pg_catalog.pg_class c
      where c.relnamespace in (select oid from ns) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f') and c.relacl is not null
    union all
    select 'column', c.oid::regclass::text, a.attname::text, a.attacl::text from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid
      where c.relnamespace in (select oid from ns) and a.attnum > 0 and not a.attisdropped and a.attacl is not null
    union all
    select 'routine', p.oid::regprocedure::text, null, p.proacl::text from pg_catalog.pg_proc p where p.pronamespace in (select oid from ns) and p.proacl is not null
    union all
    select 'type', t.oid::regtype::text, null, t.typacl::text from pg_catalog.pg_type t
      where t.typnamespace in (select oid from ns) and t.typtype in ('e', 'd', 'r', 'm') and t.typacl is not null)
    select * from acls order by kind = 'column', kind, name, "column"`;
  return rows.map((r) => (r.column === null ? { kind: r.kind, name: r.name, acl: r.acl } : { ...r, column: r.column }));
}

