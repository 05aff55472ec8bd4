/**
 * Benchmark: private.refresh_summaries() (both summaries, CONCURRENTLY) on the seed data and
 * after generating a given number of messages. Figures are medians of repeated runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';

const generator = path.join(path.dirname(fileURLToPath(import.meta.url)), 'generate-chat-data.sql');

export interface RefreshFigures {
  scale: string;
  messages: number;
  feedback: number;
  usage_rows: number;
  feedback_summary_rows: number;
  monthly_summary_rows: number;
  refresh_median_ms: number;
  refresh_min_ms: number;
  refresh_max_ms: number;
  runs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(sql: Sql, scale: string, runs: number): Promise<RefreshFigures> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await sql`select private.refresh_summaries()`;
    times.push(performance.now() - t0);
  }
  const [c] = await sql`
    select (select count(*) from public.messages)::int as messages, (select count(*) from public.feedback)::int as feedback,
           (select count(*) from public.usage_metrics)::int as usage_rows,
           (select count(*) from private.message_feedback_summary)::int as fs, (select count(*) from private.monthly_usage_summary)::int as ms`;
  return {
    scale, messages: c.messages, feedback: c.feedback, usage_rows: c.usage_rows,
    feedback_summary_rows: c.fs, monthly_summary_rows: c.ms,
    refresh_median_ms: Number(median(times).toFixed(1)), refresh_min_ms: Number(Math.min(...times).toFixed(1)),
    refresh_max_ms: Number(Math.max(...times).toFixed(1)), runs,
  };
}

/** `sql` is a single-connection pool as postgres on a seeded database. */
export async function benchSummaryRefresh(sql: Sql, opts: { messages: number; runs: number }): Promise<RefreshFigures[]> {
  const results = [await measure(sql, 'seed', opts.runs)];
  const t0 = performance.now();
  await sql.begin(async (tx) => {
    await tx`select setseed(0.42), set_config('bench.messages', ${String(opts.messages)}, true), set_config('bench.users_per_tenant', '60', true)`;
    await tx.unsafe(fs.readFileSync(generator, 'utf8'));
  });
  await sql`analyze`;
  console.log(`generated ${opts.messages} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  results.push(await measure(sql, `${opts.messages} messages`, opts.runs));
  return results;
}
