/**
 * Benchmark: increment_usage_metrics on one hot (tenant, user, day) row at 1, 8 and 32
 * connections, next to a plain single-statement upsert on a comparable table (the ceiling), and
 * its single-connection latency.
 */
import postgres, { type Sql } from 'postgres';
import { againstCeiling, latency, type LatencyFigures, type ThroughputRow } from './measure.ts';

const TENANT = '10000000-0000-4000-8000-000000000001';
const USER = '20000000-0000-4000-8000-000000000001';

export interface UsageFigures { throughput: ThroughputRow[]; latency_ms: LatencyFigures }

export async function benchUsageRpc(url: string, opts: { seconds: number; runs: number }): Promise<UsageFigures> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin`create schema if not exists bench`;
    await admin`create table if not exists bench.plain_usage (tenant_id uuid, user_id uuid, date date, input_tokens bigint not null default 0,
                 output_tokens bigint not null default 0, cost numeric(14, 6) not null default 0, request_count integer not null default 0,
                 primary key (tenant_id, user_id, date))`;
    const rpc = (sql: Sql) => sql`select public.increment_usage_metrics(${TENANT}, ${USER}, '2026-12-31', 120, 30, 0.0021)`;
    const plain = (sql: Sql) => sql`insert into bench.plain_usage values (${TENANT}, ${USER}, '2026-12-31', 120, 30, 0.0021, 1)
      on conflict (tenant_id, user_id, date) do update set input_tokens = bench.plain_usage.input_tokens + excluded.input_tokens,
        output_tokens = bench.plain_usage.output_tokens + excluded.output_tokens, cost = bench.plain_usage.cost + excluded.cost,
        request_count = bench.plain_usage.request_count + 1`;
    const rows = await againstCeiling(url, opts, rpc, plain);
    return { throughput: rows, latency_ms: await latency(url, opts.seconds * opts.runs, rpc) };
  } finally {
    await admin`drop schema if exists bench cascade`;
    await admin`delete from public.usage_metrics where date = '2026-12-31'`;
    await admin.end({ timeout: 5 });
  }
}
