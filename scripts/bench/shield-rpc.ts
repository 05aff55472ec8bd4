/**
 * Benchmark: atomic_update_user_behavior under load, next to the ceiling (a plain single-statement
 * upsert on a comparable table) and the naive read-modify-write it replaces.
 *   - throughput at 1, 8 and 32 connections, one hot account (the contended case), median of runs;
 *   - single-connection latency p50 / p95 / p99;
 *   - naive select + compute in TypeScript + update on 8 connections: updates lost.
 */
import postgres, { type Sql } from 'postgres';
import { againstCeiling, latency, type LatencyFigures, type ThroughputRow } from './measure.ts';

export interface ShieldFigures {
  throughput: ThroughputRow[];
  latency_ms: LatencyFigures;
  naive: { connections: number; attempted: number; counted: number; lost: number; lost_pct: number };
  seconds_per_run: number;
  runs: number;
}

const TENANT = '10000000-0000-4000-8000-000000000001';
const PAYLOAD = { severity: 'medium', toxicity_score: 0.75, comment_id: 'bench', action_tags: ['warning'] };
export async function benchShieldRpc(url: string, opts: { seconds: number; runs: number }): Promise<ShieldFigures> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin`create schema if not exists bench`;
    await admin`create table if not exists bench.plain_counter (
      tenant_id uuid not null, platform text not null, platform_user_id text not null,
      total_violations integer not null default 0, primary key (tenant_id, platform, platform_user_id))`;

    const rpc = (sql: Sql) => sql`select public.atomic_update_user_behavior(${TENANT}, 'twitter', 'bench_hot', 'bench_user', ${sql.json(PAYLOAD)})`;
    const plain = (sql: Sql) => sql`insert into bench.plain_counter values (${TENANT}, 'twitter', 'bench_hot', 1)
      on conflict (tenant_id, platform, platform_user_id) do update set total_violations = bench.plain_counter.total_violations + 1`;

    const rows = await againstCeiling(url, opts, rpc, plain);

    const latencyMs = await latency(url, opts.seconds * opts.runs, rpc);

    // The naive way: read the row, compute the new counters in TypeScript, write them back.
    await admin`insert into public.user_behaviors (tenant_id, platform, platform_user_id) values (${TENANT}, 'twitter', 'bench_naive')
                on conflict do nothing`;
    const [start] = await admin`select total_violations from public.user_behaviors where platform_user_id = 'bench_naive'`;
    const naive = postgres(url, { max: 8, onnotice: () => {} });
    let attempted = 0;
    try {
      const deadline = performance.now() + opts.seconds * 1000;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (performance.now() < deadline) {
          const [row] = await naive`select total_violations, severity_counts from public.user_behaviors
                                    where tenant_id = ${TENANT} and platform = 'twitter' and platform_user_id = 'bench_naive'`;
          const counts = { ...row.severity_counts, medium: row.severity_counts.medium + 1 };
          await naive`update public.user_behaviors set total_violations = ${row.total_violations + 1}, severity_counts = ${naive.json(counts)}
                      where tenant_id = ${TENANT} and platform = 'twitter' and platform_user_id = 'bench_naive'`;
          attempted++;
        }
      }));
    } finally {
      await naive.end({ timeout: 5 });
    }
    const [end] = await admin`select total_violations from public.user_behaviors where platform_user_id = 'bench_naive'`;
    const counted = end.total_violations - start.total_violations;
    return {
      throughput: rows,
      latency_ms: latencyMs,
      naive: { connections: 8, attempted, counted, lost: attempted - counted, lost_pct: Number((((attempted - counted) / attempted) * 100).toFixed(1)) },
      seconds_per_run: opts.seconds,
      runs: opts.runs,
    };
  } finally {
    await admin`drop schema if exists bench cascade`;
    await admin.end({ timeout: 5 });
  }
}
