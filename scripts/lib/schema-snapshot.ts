/**
 * A comparable description of everything the migrations create in the public and private
 * schemas (relations, columns, constraints, indexes, triggers, policies, functions, views, enums,
 * domains, comments and privileges) and the storage buckets and policies. Two equal snapshots mean the
 * same schema. The committed expectation is supabase/expected-schema.json (npm run gen:types).
 */
import path from 'node:path';
import type { Sql } from 'postgres';
import { repoRoot } from './stack-config.ts';

/** The catalog the migrations produce, committed beside them: what `npm run verify` expects. */
export const EXPECTED_SCHEMA_FILE = path.join(repoRoot, 'supabase', 'expected-schema.json');

export async function schemaSnapshot(sql: Sql): Promise<Record<string, string[]>> {
  const [row] = await sql`
    with ns as (select oid, nspname from pg_namespace where nspname in ('public', 'private'))
    select
      (select coalesce(array_agg(x order by x), '{}') from (
        select n.nspname || ' ' || coalesce(array_to_string(n.nspacl, ','), '') || ' ' || coalesce(obj_description(n.oid, 'pg_namespace'), '') as x
        from pg_namespace n join ns on ns.oid = n.oid) s) as schemas,
      (select coalesce(array_agg(x order by x), '{}') from (
        select c.relkind::text || ' ' || c.oid::regclass || ' rls=' || c.relrowsecurity || ' opts=' || coalesce(array_to_string(c.reloptions, ','), '')
               || ' acl=' || coalesce(array_to_string(c.relacl, ','), '') || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '')
               || case when c.relkind in ('v', 'm') then ' def=' || pg_get_viewdef(c.oid) else '' end as x
        from pg_class c join ns on ns.oid = c.relnamespace where c.relkind in ('r', 'p', 'v', 'm', 'S')) s) as relations,
      (select coalesce(array_agg(x order by x), '{}') from (
        select c.oid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull
               || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' gen=' || a.attgenerated::text
               || ' acl=' || coalesce(array_to_string(a.attacl, ','), '') || ' comment=' || coalesce(col_description(c.oid, a.attnum), '') as x
        from pg_attribute a join pg_class c on c.oid = a.attrelid join ns on ns.oid = c.relnamespace
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm')) s) as columns,
      (select coalesce(array_agg(x order by x), '{}') from (
        select conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(co.oid) as x
        from pg_constraint co join ns on ns.oid = co.connamespace) s) as constraints,
      (select coalesce(array_agg(x order by x), '{}') from (
        select pg_get_indexdef(i.indexrelid) as x
        from pg_index i join pg_class c on c.oid = i.indrelid join ns on ns.oid = c.relnamespace) s) as indexes,
      (select coalesce(array_agg(x order by x), '{}') from (
        select pg_get_triggerdef(t.oid) as x from pg_trigger t join pg_class c on c.oid = t.tgrelid join ns on ns.oid = c.relnamespace
        where not t.tgisinternal) s) as triggers,
      (select coalesce(array_agg(x order by x), '{}') from (
        select p.schemaname || '.' || p.tablename || ' ' || p.policyname || ' ' || p.cmd || ' ' || array_to_string(p.roles, ',')
               || ' using=' || coalesce(p.qual, '') || ' check=' || coalesce(p.with_check, '') as x
        from pg_policies p where p.schemaname in ('public', 'private')) s) as policies,
      (select coalesce(array_agg(x order by x), '{}') from (
        select p.oid::regprocedure || ' ' || md5(pg_get_functiondef(p.oid)) || ' acl=' || coalesce(array_to_string(p.proacl, ','), '')
               || ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '') as x
        from pg_proc p join ns on ns.oid = p.pronamespace) s) as functions,
      (select coalesce(array_agg(x order by x), '{}') from (
        select t.typnamespace::regnamespace || '.' || t.typname || ' = ' || string_agg(e.enumlabel, ',' order by e.enumsortorder)
               || ' comment=' || coalesce(obj_description(t.oid, 'pg_type'), '') as x
        from pg_type t join ns on ns.oid = t.typnamespace join pg_enum e on e.enumtypid = t.oid
        group by t.oid, t.typnamespace, t.typname) s) as enums,
      (select coalesce(array_agg(x order by x), '{}') from (
        select t.typnamespace::regnamespace || '.' || t.typname || ' = ' || format_type(t.typbasetype, t.typtypmod)
               || ' notnull=' || t.typnotnull || ' default=' || coalesce(t.typdefault, '')
               || ' checks=' || coalesce((select string_agg(co.conname || ' ' || pg_get_constraintdef(co.oid), '; ' order by co.conname)
                                          from pg_constraint co where co.contypid = t.oid), '')
               || ' comment=' || coalesce(obj_description(t.oid, 'pg_type'), '') as x
        from pg_type t join ns on ns.oid = t.typnamespace where t.typtype = 'd') s) as domains,
      (select coalesce(array_agg(x order by x), '{}') from (
        select pg_get_userbyid(d.defaclrole) || ' ' || coalesce(n.nspname, '*') || ' ' || d.defaclobjtype::text || ' ' || array_to_string(d.defaclacl, ',') as x
        from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace
        where d.defaclnamespace = 0 or n.nspname in ('public', 'private', 'storage')) s) as default_privileges`;
  const storage = await sql`
    select
      (select coalesce(array_agg(x order by x), '{}') from (
        select p.policyname || ' ' || p.cmd || ' ' || array_to_string(p.roles, ',') || ' using=' || coalesce(p.qual, '')
               || ' check=' || coalesce(p.with_check, '') as x
        from pg_policies p where p.schemaname = 'storage') s) as storage_policies,
      (select coalesce(array_agg(x order by x), '{}') from (
        select b.id || ' public=' || coalesce(b.public, false) || ' limit=' || coalesce(b.file_size_limit::text, '')
               || ' mime=' || coalesce(array_to_string(b.allowed_mime_types, ','), '') as x
        from storage.buckets b) s) as storage_buckets`.catch(() => [{ storage_policies: [], storage_buckets: [] }]);
  const snapshot = { ...Object.fromEntries(Object.entries(row)), ...storage[0] } as Record<string, string[]>;
  snapshot.relations = snapshot.relations.map((x) => sameOnBothMajors(x.replace(/ acl=(\S*) comment=/, (_, acl: string) => ` acl=${withoutMaintain(acl)} comment=`)));
  snapshot.default_privileges = snapshot.default_privileges.map((x) => x.replace(/\S+$/, withoutMaintain));
  return snapshot;
}

/**
 * The snapshot must be the same on PostgreSQL 15 and 17 (a project on either passes verify against
 * one expected-schema.json): ACLs without MAINTAIN (`m`, a PostgreSQL 17 privilege that `grant all`
 * includes there), and view definitions over one relation without its alias on the columns, as
 * PostgreSQL 16+ prints them (15 writes `f.rating` for `... from feedback f`).
 */
export function withoutMaintain(acl: string): string {
  return acl.split(',').map((item) => item.replace(/^([^=]*=)([^/]*)/, (_, who: string, privs: string) => who + privs.replace(/m\*?/, ''))).join(',');
}

function sameOnBothMajors(relation: string): string {
  const at = relation.indexOf(' def= ');
  if (at < 0) return relation;
  const def = relation.slice(at + 6);
  const from = [...def.matchAll(/\bFROM\s+([\w.]+)\s+(\w+)\b/g)];
  if (from.length !== 1 || /\bJOIN\b/.test(def) || (def.match(/\bSELECT\b/g) ?? []).length !== 1) return relation;
  const alias = from[0][2];
  if (/^[A-Z]+$/.test(alias)) return relation; // no alias: WHERE, GROUP, ...
  return relation.slice(0, at + 6) + def.replace(new RegExp(`(?<![\\w."])${alias}\\.(?=[\\w"])`, 'g'), '');
}

/** What is in `expected` and not in `actual` (missing), and the reverse (unexpected), per category. */
export function diffSnapshots(expected: Record<string, string[]>, actual: Record<string, string[]>): Record<string, { missing: string[]; unexpected: string[] }> {
  const out: Record<string, { missing: string[]; unexpected: string[] }> = {};
  for (const key of Object.keys(expected)) {
    const a = new Set(actual[key] ?? []);
    const e = new Set(expected[key]);
    out[key] = { missing: [...e].filter((x) => !a.has(x)), unexpected: [...a].filter((x) => !e.has(x)) };
  }
  return out;
}
