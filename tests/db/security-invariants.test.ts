/**
 * Invariants every migration must keep, checked on the catalog (DESIGN.md decision 9), including
 * splinter lints 0028/0029 that the CLI's bundled advisors do not have yet.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asOwner } from '../helpers/db.ts';

describe('security invariants', () => {
  it('every table in public has RLS enabled', async () => {
    const rows = await asOwner((tx) => tx`
      select c.relname from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity`);
    assert.deepEqual(rows.map((r) => r.relname), []);
  });

  it('no SECURITY DEFINER function in an exposed schema is executable by anon or authenticated (lints 0028/0029)', async () => {
    const rows = await asOwner((tx) => tx`
      select n.nspname || '.' || p.proname as fn
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where p.prosecdef
        and n.nspname = any(string_to_array(current_setting('pgrst.db_schemas'), ','))
        and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute'))`);
    assert.deepEqual(rows.map((r) => r.fn), []);
  });

  it('anon can execute no function in private, and every project function pins its search_path', async () => {
    const rows = await asOwner((tx) => tx`
      select n.nspname || '.' || p.proname as fn,
             has_function_privilege('anon', p.oid, 'execute') as anon_exec,
             coalesce(array_to_string(p.proconfig, ','), '') like '%search_path=%' as pinned
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('public', 'private')
        and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')`);
    assert.ok(rows.length > 0);
    assert.deepEqual(rows.filter((r) => r.fn.startsWith('private.') && r.anon_exec).map((r) => r.fn), []);
    assert.deepEqual(rows.filter((r) => !r.pinned).map((r) => r.fn), []);
  });

  it('no materialized view is readable by anon or authenticated', async () => {
    const rows = await asOwner((tx) => tx`
      select n.nspname || '.' || c.relname as mv from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'm' and (has_table_privilege('anon', c.oid, 'select') or has_table_privilege('authenticated', c.oid, 'select'))`);
    assert.deepEqual(rows.map((r) => r.mv), []);
  });

  it('every table, column and function of the project is documented with a comment', async () => {
    const rows = await asOwner((tx) => tx`
      select 'table ' || c.oid::regclass as what from pg_class c
      where c.relnamespace in ('public'::regnamespace, 'private'::regnamespace) and c.relkind in ('r', 'p', 'v', 'm')
        and obj_description(c.oid, 'pg_class') is null
      union all
      select 'column ' || c.oid::regclass || '.' || a.attname from pg_class c join pg_attribute a on a.attrelid = c.oid
      where c.relnamespace in ('public'::regnamespace, 'private'::regnamespace) and c.relkind in ('r', 'p', 'v', 'm')
        and a.attnum > 0 and not a.attisdropped and col_description(c.oid, a.attnum) is null
      union all
      select 'function ' || p.oid::regprocedure from pg_proc p
      where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace) and obj_description(p.oid, 'pg_proc') is null`);
    assert.deepEqual(rows.map((r) => r.what), []);
  });
});
