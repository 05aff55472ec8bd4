/**
 * Benchmark at data scales: loads each scale with the seed loader (seed/load.ts, what seed:load
 * runs), then times the checklists' queries as a tenant user under RLS (p50/p95, the index the plan
 * used) and as service_role (the RLS overhead), the summary refresh and calculate_rag_metrics.
 */
import postgres, { type Sql } from 'postgres';
import { asRole } from '../lib/db-role.ts';
import { explainPlan } from '../lib/plan.ts';
import { median, percentile, round3 } from './measure.ts';
import { loadSeed } from './seed/load.ts';

export interface QueryRow { scale: string; query: string; user_p50_ms: number; user_p95_ms: number; service_p50_ms: number; rls_overhead: number; indexes: string }
export interface ScaleRow { scale: string; load_seconds: number; messages: number; dialogues: number; refresh_ms: number; rag_metrics_platform_ms: number; rag_metrics_tenant_ms: number }
export interface ScalesFigures { scales: ScaleRow[]; queries: QueryRow[] }

type Ids = { user: string; material: string; tenant: string };
const QUERIES: [string, string, (ids: Ids) => string[]][] = [
  ["a user's recent dialogues", 'select id, query, created_at from public.ai_dialogue_log where user_id = $1::uuid order by created_at desc limit 20', (i) => [i.user]],
  ['the 7-day aggregation', "select date_trunc('day', created_at) as day, count(*), avg(latency_ms), avg(citation_rate), sum(token_cost_jpy) from public.ai_dialogue_log where created_at >= timestamptz '2026-11-14' and created_at < timestamptz '2026-11-21' group by 1 order by 1", () => []],
  ['the provenance lookup', "select license_type, attribution_text, expires_at from public.provenance where content_type = 'material' and content_id = $1::uuid and license_type <> 'unknown'", (i) => [i.material]],
  ['the conversation list', 'select id, title, updated_at from public.conversations where tenant_id = $1::uuid and not is_archived order by updated_at desc limit 50', (i) => [i.tenant]],
  ['the manual review queue', 'select * from public.manual_review_queue limit 50', () => []],
  ["today's usage", 'select * from public.current_day_usage', () => []],
];

type Role = 'authenticated' | 'service_role';
const claimsOf = (role: Role, userId: string) => (role === 'authenticated' ? { sub: userId, role } : { role });

async function timeQuery(sql: Sql, role: Role, userId: string, query: string, params: string[], runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    await asRole(sql, role, claimsOf(role, userId), async (tx) => {
      const t0 = performance.now();
      await tx.unsafe(query, params);
      samples.push(performance.now() - t0);
    });
  }
  return samples.sort((a, b) => a - b);
}

export async function benchScales(url: string, opts: { scales: string[]; runs: number }): Promise<ScalesFigures> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const scales: ScaleRow[] = [];
  const queries: QueryRow[] = [];
  try {
    for (const scale of opts.scales) {
      const loaded = await loadSeed(url, scale, { replace: true });
      const [who] = await sql`select u.id as user_id, u.tenant_id from public.users u join public.tenants t on t.id = u.tenant_id
                              where t.slug = 'load-1' and u.role = 'owner' limit 1`;
      const [material] = await sql`select id from public.materials where tenant_id = ${who.tenant_id} limit 1`;
      const ids: Ids = { user: who.user_id, material: material?.id ?? '00000000-0000-4000-8000-000000000000', tenant: who.tenant_id };
      for (const [name, query, paramsOf] of QUERIES) {
        const params = paramsOf(ids);
        const user = await timeQuery(sql, 'authenticated', who.user_id, query, params, opts.runs);
        const service = await timeQuery(sql, 'service_role', who.user_id, query, params, opts.runs);
        const plan = await asRole(sql, 'authenticated', claimsOf('authenticated', who.user_id), (tx) => explainPlan(tx, query, params));
        const userP50 = percentile(user, 50);
        const serviceP50 = percentile(service, 50);
        queries.push({ scale, query: name, user_p50_ms: round3(userP50), user_p95_ms: round3(percentile(user, 95)), service_p50_ms: round3(serviceP50),
          rls_overhead: Number((userP50 / serviceP50).toFixed(2)), indexes: plan.indexes.join(', ') || 'seq scan' });
      }
      const time = async (fn: () => Promise<unknown>) => {
        const xs: number[] = [];
        for (let i = 0; i < Math.max(3, Math.min(opts.runs, 5)); i++) {
          const t0 = performance.now();
          await fn();
          xs.push(performance.now() - t0);
        }
        return round3(median(xs));
      };
      const [counts] = await sql`select (select count(*) from public.messages)::int as messages, (select count(*) from public.ai_dialogue_log)::int as dialogues`;
      scales.push({
        scale, load_seconds: Number(loaded.seconds.toFixed(1)), messages: counts.messages, dialogues: counts.dialogues,
        refresh_ms: await time(() => sql`select private.refresh_summaries()`),
        rag_metrics_platform_ms: await time(() => sql`select public.calculate_rag_metrics('2026-11-19'::date, null)`),
        rag_metrics_tenant_ms: await time(() => sql`select public.calculate_rag_metrics('2026-11-19'::date, ${who.tenant_id}::uuid)`),
      });
    }
    return { scales, queries };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
