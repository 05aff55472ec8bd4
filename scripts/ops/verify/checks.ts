/**
 * The checks of `npm run verify`, by section. Each returns items {section, name, ok, evidence}.
 * Structure expectations come from supabase/expected-schema.json (written by npm run gen:types from
 * the migrations) plus the named items the deployment checklists call out.
 */
import fs from 'node:fs';
import type { Sql } from 'postgres';
import { actingAs, rolledBack } from '../../lib/db-role.ts';
import { explainPlan } from '../../lib/plan.ts';
import { diffSnapshots, EXPECTED_SCHEMA_FILE, schemaSnapshot } from '../../lib/schema-snapshot.ts';
import { cliUrl, runSupabaseCli } from '../../lib/supabase-cli.ts';

export interface CheckItem { section: string; name: string; ok: boolean; evidence: string; ms?: number }
export const SECTIONS = ['preflight', 'structure', 'smoke', 'performance', 'advisors'] as const;
export type Section = typeof SECTIONS[number];

const item = (section: string, name: string, ok: boolean, evidence: string, ms?: number): CheckItem => ({ section, name, ok, evidence, ms });
const list = (xs: string[], max = 8) => xs.length ? xs.slice(0, max).join('; ') + (xs.length > max ? `; … (${xs.length} in all)` : '') : 'none';

export async function preflight(sql: Sql): Promise<CheckItem[]> {
  const [info] = await sql`select current_setting('server_version_num')::int as num, current_setting('server_version') as version,
                                  current_database() as db, current_user as usr`;
  const roles = await sql`select rolname from pg_roles where rolname = any(${['anon', 'authenticated', 'service_role', 'authenticator']})`;
  const schemas = await sql`select nspname from pg_namespace where nspname = any(${['public', 'private', 'auth', 'storage', 'extensions']})`;
  const tables = await sql`select relname from pg_class where relnamespace = 'public'::regnamespace and relname = any(${['tenants', 'users', 'conversations', 'messages']})`;
  const missing = (want: string[], got: { [k: string]: string }[], key: string) => want.filter((w) => !got.some((g) => g[key] === w));
  const mr = missing(['anon', 'authenticated', 'service_role', 'authenticator'], roles, 'rolname');
  const ms = missing(['public', 'private', 'auth', 'storage', 'extensions'], schemas, 'nspname');
  const mt = missing(['tenants', 'users', 'conversations', 'messages'], tables, 'relname');
  return [
    item('preflight', 'connection', true, `database ${info.db} as ${info.usr}`),
    item('preflight', 'server version 15 or later', info.num >= 150000, `PostgreSQL ${info.version}`),
    item('preflight', 'Supabase roles', mr.length === 0, mr.length ? `missing ${mr.join(', ')}` : 'anon, authenticated, service_role, authenticator'),
    item('preflight', 'schemas', ms.length === 0, ms.length ? `missing ${ms.join(', ')}` : 'public, private, auth, storage, extensions'),
    item('preflight', 'base tables', mt.length === 0, mt.length ? `missing ${mt.join(', ')}` : 'tenants, users, conversations, messages'),
  ];
}

export async function structure(sql: Sql): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  const expected = JSON.parse(fs.readFileSync(EXPECTED_SCHEMA_FILE, 'utf8')) as Record<string, string[]>;
  const diff = diffSnapshots(expected, await schemaSnapshot(sql));
  for (const [category, d] of Object.entries(diff)) {
    const ok = d.missing.length === 0 && d.unexpected.length === 0;
    items.push(item('structure', `${category} as the migrations define them`, ok,
      ok ? `${expected[category].length} match` : `missing: ${list(d.missing, 4)} | unexpected: ${list(d.unexpected, 4)}`));
  }
  const named = ['idx_ai_dialogue_user_created', 'idx_ai_dialogue_created_at', 'idx_provenance_expiring', 'idx_rag_metrics_date_unique',
    'idx_plugin_enabled_healthy', 'idx_conversations_requires_review', 'idx_conversations_parse_attempts'];
  const idx = await sql`select indexname from pg_indexes where schemaname = 'public' and indexname = any(${named})`;
  const missingIdx = named.filter((n) => !idx.some((r) => r.indexname === n));
  items.push(item('structure', 'checklist indexes by name', missingIdx.length === 0, missingIdx.length ? `missing ${missingIdx.join(', ')}` : named.join(', ')));
  const fks = await sql`select conname from pg_constraint where conname = any(${['fk_ai_dialogue_user', 'fk_provenance_acquired_by', 'fk_provenance_content']})`;
  const fkNames = fks.map((r) => r.conname);
  items.push(item('structure', 'foreign keys fk_ai_dialogue_user and fk_provenance_acquired_by, and no fk_provenance_content',
    fkNames.includes('fk_ai_dialogue_user') && fkNames.includes('fk_provenance_acquired_by') && !fkNames.includes('fk_provenance_content'), `found ${list(fkNames)}`));
  const noRls = await sql`select relname from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') and not relrowsecurity`;
  items.push(item('structure', 'RLS enabled on every public table', noRls.length === 0, noRls.length ? `RLS off: ${list(noRls.map((r) => r.relname))}` : 'all tables'));
  const mv = await sql`select n.nspname || '.' || c.relname as mv from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'm' and (has_table_privilege('anon', c.oid, 'select') or has_table_privilege('authenticated', c.oid, 'select'))`;
  items.push(item('structure', 'materialized views not selectable by anon or authenticated', mv.length === 0, mv.length ? `selectable: ${list(mv.map((r) => r.mv))}` : 'none exposed'));
  const sd = await sql`select n.nspname || '.' || p.proname as fn from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where p.prosecdef and n.nspname in ('public', 'private') and has_function_privilege('anon', p.oid, 'execute')`;
  items.push(item('structure', 'no SECURITY DEFINER function executable by anon', sd.length === 0, sd.length ? `executable by anon: ${list(sd.map((r) => r.fn))}` : 'none'));
  const rpcs = await sql`
    select p.proname, pg_get_function_identity_arguments(p.oid) as args, p.prorettype::regtype::text as returns,
           has_function_privilege('anon', p.oid, 'execute') as anon, has_function_privilege('authenticated', p.oid, 'execute') as auth,
           has_function_privilege('service_role', p.oid, 'execute') as service
    from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname in ('increment_usage_metrics', 'atomic_update_user_behavior')`;
  const rpc = (name: string) => rpcs.find((r) => r.proname === name);
  const inc = rpc('increment_usage_metrics');
  items.push(item('structure', 'increment_usage_metrics: signature, returns usage_metrics, service_role only',
    !!inc && inc.returns === 'usage_metrics' && !inc.anon && !inc.auth && inc.service, inc ? `(${inc.args}) -> ${inc.returns}; anon ${inc.anon}, authenticated ${inc.auth}, service_role ${inc.service}` : 'missing'));
  const atomic = rpc('atomic_update_user_behavior');
  items.push(item('structure', 'atomic_update_user_behavior: 5 arguments (platform a moderation_platform), returns jsonb, authenticated and service_role',
    !!atomic && atomic.returns === 'jsonb' && atomic.args.split(',').length === 5 && atomic.args.includes('p_platform moderation_platform')
      && !atomic.anon && atomic.auth && atomic.service,
    atomic ? `(${atomic.args}) -> ${atomic.returns}; anon ${atomic.anon}, authenticated ${atomic.auth}, service_role ${atomic.service}` : 'missing'));
  const [bucket] = await sql`select public, file_size_limit from storage.buckets where id = 'conversation-files'`;
  const bucketPolicies = await sql`select count(*)::int as n from pg_policies where schemaname = 'storage' and policyname like 'conversation-files:%'`;
  items.push(item('structure', 'private bucket conversation-files with its folder policies', !!bucket && !bucket.public && bucketPolicies[0].n >= 2,
    bucket ? `public ${bucket.public}, limit ${bucket.file_size_limit}, ${bucketPolicies[0].n} policies` : 'missing'));
  const plugins = await sql`select source from public.plugin_registry where source in ('note', 'local') order by source`;
  items.push(item('structure', 'default plugins note and local', plugins.length === 2, `found ${list(plugins.map((r) => r.source))}`));
  return items;
}

/** The RPCs and a feedback and ingest round, in one transaction that is rolled back; proves no trace. */
export async function smoke(sql: Sql): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  let tenantId = '';
  let userId = '';
  await rolledBack(sql, async (tx) => {
    const step = async (name: string, fn: () => Promise<string>) => {
      const t0 = performance.now();
      try {
        const evidence = await tx.savepoint(async () => await fn());
        items.push(item('smoke', name, true, evidence, performance.now() - t0));
      } catch (err) {
        items.push(item('smoke', name, false, (err as Error).message, performance.now() - t0));
      }
    };
    const [t] = await tx`insert into public.tenants (slug, name) values ('verify-smoke', 'Verify smoke') returning id`;
    const [u] = await tx`insert into auth.users (id, aud, role, email) values (gen_random_uuid(), 'authenticated', 'authenticated', 'verify-smoke@example.test') returning id`;
    tenantId = t.id;
    userId = u.id;
    await tx`insert into public.users (id, tenant_id, role) values (${u.id}, ${t.id}, 'admin')`;
    const [c] = await tx`insert into public.conversations (tenant_id, user_id, title) values (${t.id}, ${u.id}, 'smoke') returning id`;
    const [m] = await tx`insert into public.messages (conversation_id, tenant_id, role, content) values (${c.id}, ${t.id}, 'assistant', 'smoke answer') returning id`;
    await step('increment_usage_metrics', async () => {
      const [r] = await tx`select * from public.increment_usage_metrics(${t.id}, ${u.id}, current_date, 100, 200, 0.015)`;
      if (Number(r.total_tokens) !== 300) throw new Error(`total_tokens ${r.total_tokens}`);
      return `total_tokens ${r.total_tokens}, requests ${r.request_count}`;
    });
    await step('atomic_update_user_behavior', async () => {
      const [r] = await tx`select public.atomic_update_user_behavior(${t.id}, 'twitter', 'smoke_user', 'smoke', '{"severity": "medium", "toxicity_score": 0.75, "comment_id": "test_comment", "action_tags": ["warning"]}') as r`;
      if (r.r.total_violations !== 1) throw new Error(JSON.stringify(r.r));
      return `total_violations ${r.r.total_violations}, severity_counts ${JSON.stringify(r.r.severity_counts)}`;
    });
    await step('feedback round as the user (RLS)', async () => {
      const s = await actingAs(tx, { role: 'authenticated', claims: { sub: u.id, role: 'authenticated' } }, async (user) => {
        await user`insert into public.feedback (message_id, rating) values (${m.id}, 1)`;
        const [row] = await user`select count(*)::int as n from public.feedback where message_id = ${m.id}`;
        return row;
      });
      if (s.n !== 1) throw new Error(`feedback rows ${s.n}`);
      return 'one feedback row written and read back under RLS';
    });
    await step('ingest round (stored, parsed, completed)', async () => {
      await tx`insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, storage_path, status)
               values (${t.id}, ${c.id}, ${u.id}, 'smoke', ${'0'.repeat(64)}, 2, ${`raw/${u.id}/${c.id}/smoke.json`}, 'raw_stored')`;
      await tx`update public.conversations set raw_response_path = ${`raw/${u.id}/${c.id}/smoke.json`}, raw_response_size = 2, raw_stored_at = now(),
                 processing_status = 'completed', parse_method_used = 'direct', parse_attempts = 1, last_parse_attempt_at = now() where id = ${c.id}`;
      const [h] = await tx`select completed_count from public.raw_storage_health where tenant_id = ${t.id}`;
      if (h.completed_count !== 1) throw new Error(`completed_count ${h.completed_count}`);
      return 'raw_storage_health counts it';
    });
    await step('calculate_rag_metrics and refresh_summaries', async () => {
      const [r] = await tx`select * from public.calculate_rag_metrics(current_date - 1, ${t.id})`;
      const [s] = await tx`select private.refresh_summaries() as s`;
      return `metrics row for ${r.date.toISOString().slice(0, 10)}; summaries ${JSON.stringify(s.s)}`;
    });
  });
  // No trace: no row of any public table refers to the smoke tenant, and its account is gone.
  const tables = await sql`select c.relname from pg_class c join pg_attribute a on a.attrelid = c.oid
    where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and a.attname = 'tenant_id' and not a.attisdropped`;
  const traces: string[] = [];
  for (const { relname } of tables) {
    const [r] = await sql`select count(*)::int as n from ${sql('public')}.${sql(relname)} where tenant_id = ${tenantId}`;
    if (r.n > 0) traces.push(`${relname}: ${r.n}`);
  }
  const [tenantRow] = await sql`select (select count(*) from public.tenants where id = ${tenantId})::int + (select count(*) from auth.users where id = ${userId})::int as n`;
  if (tenantRow.n > 0) traces.push(`tenant or account: ${tenantRow.n}`);
  items.push(item('smoke', 'the smoke transaction left no trace', traces.length === 0,
    traces.length ? `left behind: ${traces.join(', ')}` : `no row of ${tables.length} tenant tables, the tenant or the account remains`));
  return items;
}

/** A checklist query, and the index (or any of the indexes) that serves it. */
const PERFORMANCE_QUERIES: [string, string, string | string[]][] = [
  ["a user's recent dialogues", `select id from public.ai_dialogue_log where user_id = (select id from public.users limit 1) order by created_at desc limit 20`, 'idx_ai_dialogue_user_created'],
  ['the 7-day aggregation', `select date_trunc('day', created_at), count(*), avg(latency_ms) from public.ai_dialogue_log where created_at >= now() - interval '7 days' group by 1`, 'idx_ai_dialogue_created_at'],
  ['the provenance of a licensed material', `select license_type from public.provenance where content_type = 'material' and content_id = '00000000-0000-4000-8000-000000000000' and license_type <> 'unknown'`, 'provenance_content_idx'],
  ['the conversation list', `select id from public.conversations where tenant_id = (select id from public.tenants limit 1) and not is_archived order by updated_at desc limit 50`,
    ['conversations_tenant_archived_updated_idx', 'conversations_tenant_updated_idx']], // either serves it, by the planner's estimate
  ['the manual review queue', `select id from public.conversations where tenant_id = (select id from public.tenants limit 1) and requires_manual_review order by last_parse_attempt_at limit 50`, 'idx_conversations_requires_review'],
  ["today's usage", `select * from public.usage_metrics where date = current_date`, 'usage_metrics_date_idx'],
];

/** EXPLAIN ANALYZE of the checklists' queries with sequential scans discouraged: the index each should use, and the time. */
export async function performanceChecks(sql: Sql): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  for (const [name, query, index] of PERFORMANCE_QUERIES) {
    try {
      const plan = await rolledBack(sql, async (tx) => {
        await tx`set local enable_seqscan = off`;
        return await explainPlan(tx, query, [], { analyze: true });
      });
      const ms = plan.executionMs ?? NaN;
      const wanted = typeof index === 'string' ? [index] : index;
      items.push(item('performance', `${name} uses ${wanted.join(' or ')}`, wanted.some((i) => plan.indexes.includes(i)), `indexes: ${list(plan.indexes)}; ${ms.toFixed(2)} ms`, ms));
    } catch (err) {
      items.push(item('performance', name, false, (err as Error).message));
    }
  }
  return items;
}

export async function advisors(url: string): Promise<CheckItem[]> {
  const { stdout } = await runSupabaseCli(['db', 'advisors', `--remote=${cliUrl(url)}`, '--yes', '--output-format', 'json']);
  const results = (JSON.parse(stdout.slice(stdout.indexOf('{'))).results ?? []) as { level: string; name: string; detail: string }[];
  const serious = results.filter((r) => r.level === 'ERROR' || r.level === 'WARN');
  return [item('advisors', 'supabase db advisors: no ERROR or WARN', serious.length === 0,
    serious.length ? list(serious.map((r) => `${r.level} ${r.name}: ${r.detail}`), 5) : `${results.length} INFO finding(s)`)];
}
