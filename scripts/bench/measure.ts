/** Measuring helpers shared by the benchmarks: medians, percentiles, throughput and latency samples. */
import postgres, { type Sql } from 'postgres';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
export const round3 = (x: number) => Number(x.toFixed(3));

/** Calls per second of `call` with `connections` loops running for `seconds`. */
export async function throughput(url: string, connections: number, seconds: number, call: (sql: Sql) => Promise<unknown>): Promise<number> {
  const sql = postgres(url, { max: connections, onnotice: () => {} });
  try {
    await Promise.all(Array.from({ length: connections }, () => sql`select 1`)); // open every connection first
    let done = 0;
    const deadline = performance.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        await call(sql);
        done++;
      }
    }));
    return done / ((performance.now() - t0) / 1000);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export interface LatencyFigures { p50: number; p95: number; p99: number; calls: number }

/** p50/p95/p99 (ms) of `call` on one connection for `seconds` (at least 100 calls). */
export async function latency(url: string, seconds: number, call: (sql: Sql) => Promise<unknown>): Promise<LatencyFigures> {
  const samples: number[] = [];
  const one = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await call(one);
    const deadline = performance.now() + seconds * 1000;
    while (performance.now() < deadline || samples.length < 100) {
      const t0 = performance.now();
      await call(one);
      samples.push(performance.now() - t0);
    }
  } finally {
    await one.end({ timeout: 5 });
  }
  samples.sort((a, b) => a - b);
  return { p50: round3(percentile(samples, 50)), p95: round3(percentile(samples, 95)), p99: round3(percentile(samples, 99)), calls: samples.length };
}

export interface ThroughputRow { connections: number; rpc_per_s: number; plain_per_s: number; ratio: number }

/** An RPC against its ceiling (a plain statement) at 1, 8 and 32 connections: medians of `runs` runs, interleaved. */
export async function againstCeiling(url: string, opts: { seconds: number; runs: number }, rpc: (sql: Sql) => Promise<unknown>, plain: (sql: Sql) => Promise<unknown>): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const connections of [1, 8, 32]) {
    const rpcRuns: number[] = [];
    const plainRuns: number[] = [];
    for (let r = 0; r < opts.runs; r++) {
      rpcRuns.push(await throughput(url, connections, opts.seconds, rpc));
      plainRuns.push(await throughput(url, connections, opts.seconds, plain));
    }
    const rpcPerS = median(rpcRuns);
    const plainPerS = median(plainRuns);
    rows.push({ connections, rpc_per_s: Math.round(rpcPerS), plain_per_s: Math.round(plainPerS), ratio: Number((rpcPerS / plainPerS).toFixed(2)) });
  }
  return rows;
}
