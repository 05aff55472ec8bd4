/**
 * What a restored database must show to pass: every counted table with the manifest's row count
 * (and no application table the backup did not have), the manifest's migration version, RLS on
 * every public table, every public function (the RPCs) present, the publication memberships and the
 * app's policies on the platform tables back, and exactly the privileges the source had.
 */
import postgres from 'postgres';
import { APP_SCHEMAS, qualified } from './contents.ts';
import { privilegesOf } from './privileges.ts';
import type { Manifest } from './manifest.ts';

export interface RestoreCheck { name: string; ok: boolean; evidence: string }

export async function checkRestored(url: string, manifest: Manifest): Promise<RestoreCheck[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10, idle_timeout: 5 });
  const checks: RestoreCheck[] = [];
  try {
    await sql.unsafe("set search_path = ''"); // one connection: every name below is schema-qualified, as in the manifest
    const present = new Set((await sql<{ t: string }[]>`
      select n.nspname || '.' || c.relname as t from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and n.nspname = any(${[...APP_SCHEMAS, 'supabase_migrations', 'auth', 'storage']})`).map((r) => r.t));
    for (const [table, expected] of Object.entries(manifest.rowCounts)) {
      if (!present.has(table)) {
        checks.push({ name: `rows of ${table}`, ok: false, evidence: `missing (${expected} in the backup)` });
        continue;
      }
      const [{ n }] = await sql.unsafe(`select count(*)::bigint as n from ${qualified(table)}`);
      const got = Number(n);
      checks.push({ name: `rows of ${table}`, ok: got === expected, evidence: got === expected ? `${got}` : `${got} restored, ${expected} in the backup` });
    }
    const extra = [...present].filter((t) => APP_SCHEMAS.some((s) => t.startsWith(`${s}.`)) && !(t in manifest.rowCounts));
    checks.push({ name: 'no application table the backup did not have', ok: extra.length === 0, evidence: extra.length ? `also present: ${extra.join(', ')}` : 'none' });

    const [history] = await sql<{ version: string | null }[]>`
      select case when to_regclass('supabase_migrations.schema_migrations') is null then null
        else (select max(version) from supabase_migrations.schema_migrations) end as version`.catch(() => [{ version: null }]);
    const version = history?.version ?? null;
    checks.push({ name: 'migration version', ok: version === manifest.migrationVersion, evidence: `${version ?? 'none'}${version === manifest.migrationVersion ? '' : ` (backup: ${manifest.migrationVersion ?? 'none'})`}` });

    const noRls = (await sql<{ t: string }[]>`
      select 'public.' || c.relname as t from pg_catalog.pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity order by 1`).map((r) => r.t);
    const lost = manifest.rlsTables.filter((t) => noRls.includes(t) || !present.has(t));
    checks.push({ name: 'RLS enabled on every public table', ok: noRls.length === 0 && lost.length === 0, evidence: noRls.length || lost.length ? `off or missing: ${[...new Set([...noRls, ...lost])].join(', ')}` : `${manifest.rlsTables.length} tables` });

    const functions = new Set((await sql<{ sig: string }[]>`
      select p.oid::regprocedure::text as sig from pg_catalog.pg_proc p where p.pronamespace = 'public'::regnamespace`).map((r) => r.sig));
    const missingFns = manifest.functions.filter((f) => !functions.has(f));
    checks.push({ name: 'the RPCs exist', ok: missingFns.length === 0, evidence: missingFns.length ? `missing: ${missingFns.join(', ')}` : `${manifest.functions.length} functions` });

    const pubs = new Set((await sql<{ m: string }[]>`
      select pubname || ':' || schemaname || '.' || tablename as m from pg_catalog.pg_publication_tables`).map((r) => r.m));
    const missingPubs = manifest.publications.filter((p) => !pubs.has(p));
    checks.push({ name: 'publication memberships', ok: missingPubs.length === 0, evidence: missingPubs.length ? `missing: ${missingPubs.join(', ')}` : `${manifest.publications.length}` });

    const policies = new Set((await sql<{ p: string }[]>`
      select schemaname || '.' || tablename || ':' || policyname as p from pg_catalog.pg_policies where schemaname in ('auth', 'storage')`).map((r) => r.p));
    const missingPolicies = manifest.platformPolicies.filter((p) => !policies.has(p));
    checks.push({ name: 'policies on auth and storage tables', ok: missingPolicies.length === 0, evidence: missingPolicies.length ? `missing: ${missingPolicies.join('; ')}` : `${manifest.platformPolicies.length}` });

    const granted = await privilegesOf(sql);
    const expected = new Set(manifest.privileges);
    const extraGrants = granted.filter((p) => !expected.has(p));
    const have = new Set(granted);
    const lostGrants = manifest.privileges.filter((p) => !have.has(p));
    checks.push({
      name: 'privileges as in the backup', ok: extraGrants.length === 0 && lostGrants.length === 0,
      evidence: extraGrants.length || lostGrants.length
        ? [extraGrants.length ? `${extraGrants.length} extra (${extraGrants.slice(0, 3).join('; ')})` : '', lostGrants.length ? `${lostGrants.length} missing (${lostGrants.slice(0, 3).join('; ')})` : ''].filter(Boolean).join(', ')
        : `${granted.length} grants`,
    });
    return checks;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function printChecks(checks: RestoreCheck[]): void {
  const width = Math.min(60, Math.max(...checks.map((c) => c.name.length)));
  for (const c of checks) console.log(`${c.ok ? 'pass' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.evidence.slice(0, 200)}`);
}
