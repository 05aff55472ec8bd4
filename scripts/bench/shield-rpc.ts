/**
 * Benchmark: atomic_update_user_behavior under load, next to the ceiling (a plain single-statement
 * upsert on a comparable table) and the naive read-modify-write it replaces.
 *   - throughput at 1, 8 and 32 connections, one hot account (the contended case), median of runs;
 *   - the variant matrix (scripts/bench/shield-variants.ts, issue 20) at 8 connections, each in the
 *     same runs as its ceiling: one hot account, and distinct accounts (each call one of 10,000,
 *     against the plain upsert on one of 10,000 keys);
 *   - server-side cost per call of every variant: a PL/pgSQL loop on one connection committing
 *     each call (synchronous_commit off, so no WAL flush is timed), in batches, all variants
 *     interleaved: wall µs per call and the backend's CPU µs per call (/proc/<pid>/schedstat),
 *     min and p10 over batches (CPU time is what other load on the machine inflates least);
 *   - what each part of the kept RPC's work costs: kept's CPU µs minus that of the same function
 *     without the part (validation, ring slot, result, blocking rule);
 *   - single-connection latency p50 / p95 / p99;
 *   - naive select + compute in TypeScript + update on 8 connections: updates lost.
 * The load average is recorded at the start and the end of the section.
 */
import fs from 'node:fs';
import os from 'node:os';
import postgres, { type Sql } from 'postgres';
import { againstCeiling, latency, median, percentile, throughput, type LatencyFigures, type ThroughputRow } from './measure.ts';
import { ABLATIONS, VARIANTS, variantsSql } from './shield-variants.ts';

export interface ServerCost { wall_min_us: number; wall_p10_us: number; cpu_min_us: number | null; cpu_p10_us: number | null; calls: number }
export interface MatrixRow {
  variant: string;
  label: string;
  hot: { per_s: number; ratio: number; server: ServerCost };
  distinct: { per_s: number; ratio: number; server: ServerCost };
}
/** What one part of the kept RPC's work costs: kept's server CPU µs per call minus that of kept without it. */
export interface PartCost {
  part: string;
  label: string;
  hot_cpu_us: number | null;
  distinct_cpu_us: number | null;
  without: { hot: ServerCost; distinct: ServerCost };
}
export interface ShieldFigures {
  throughput: ThroughputRow[];
  matrix: MatrixRow[];
  parts: PartCost[];
  ceiling: { hot: { per_s: number; server: ServerCost }; distinct: { per_s: number; server: ServerCost } };
  matrix_connections: number;
  distinct_accounts: number;
  latency_ms: LatencyFigures;
  naive: { connections: number; attempted: number; counted: number; lost: number; lost_pct: number };
  load_average: { start: number[]; end: number[] };
  seconds_per_run: number;
  runs: number;
}

const TENANT = '10000000-0000-4000-8000-000000000001';
const PAYLOAD = { severity: 'medium', toxicity_score: 0.75, comment_id: 'bench', action_tags: ['warning'] };
const ACCOUNTS = 10_000;
const MATRIX_CONNECTIONS = 8;
const HOT = 'bench_hot';
const account = (distinct: boolean) => (distinct ? `acct_${Math.floor(Math.random() * ACCOUNTS)}` : HOT);
const loadAverage = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const round1 = (x: number) => Number(x.toFixed(1));

type Call = (sql: Sql) => Promise<unknown>;
const callFn = (fn: string, distinct: boolean): Call => (sql) =>
  sql.unsafe(`select ${fn}($1, $2, $3, $4, $5)`, [TENANT, 'twitter', account(distinct), 'bench_user', PAYLOAD as never], { prepare: true });
const plainUpsert = (distinct: boolean): Call => (sql) =>
  sql`insert into bench.plain_counter values (${TENANT}, 'twitter', ${account(distinct)}, 1)
      on conflict (tenant_id, platform, platform_user_id) do update set total_violations = bench.plain_counter.total_violations + 1`;

/** The statement a server-side loop runs `n` times, committing each (account: hot, or one of 10,000). */
function loopStatement(fn: string | null, accountExpr: string): string {
  return fn === null
    ? `insert into bench.plain_counter values ('${TENANT}', 'twitter', ${accountExpr}, 1)
       on conflict (tenant_id, platform, platform_user_id) do update set total_violations = bench.plain_counter.total_violations + 1`
    : `perform ${fn}('${TENANT}', 'twitter', ${accountExpr}, 'bench_user', '${JSON.stringify(PAYLOAD)}')`;
}

/** CPU time of a backend so far, in µs (null where /proc is not readable: another host). */
function backendCpuUs(pid: number): number | null {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    return null;
  }
}

/** One connection looping `fn` (null: the ceiling's upsert) in a PL/pgSQL procedure that commits every call. */
async function serverLoop(url: string, key: string, fn: string | null, distinct: boolean) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const proc = `bench.loop_${key}_${distinct ? 'distinct' : 'hot'}`;
  const accountExpr = distinct ? `'acct_' || floor(random() * ${ACCOUNTS})::int` : `'${HOT}'`;
  await sql.unsafe(`create or replace procedure ${proc}(n integer) language plpgsql as $$
    begin
      for i in 1..n loop
        ${loopStatement(fn, accountExpr)};
        commit;
      end loop;
    end $$`);
  await sql`set synchronous_commit = off`;
  const [{ pid }] = await sql`select pg_backend_pid() as pid`;
  await sql.unsafe(`call ${proc}(20)`); // plans cached, pages warm
  return {
    /** One batch of `n` calls: wall and backend CPU µs per call. */
    async batch(n: number): Promise<{ wall: number; cpu: number | null }> {
      const c0 = backendCpuUs(pid);
      const t0 = performance.now();
      await sql.unsafe(`call ${proc}(${n})`);
      const wall = ((performance.now() - t0) * 1000) / n;
      const c1 = backendCpuUs(pid);
      return { wall, cpu: c0 !== null && c1 !== null ? (c1 - c0) / n : null };
    },
    end: () => sql.end({ timeout: 5 }),
  };
}

/**
 * Server-side cost per call of each variant and the ceiling, hot and distinct: `rounds` rounds
 * interleaving all of them (so a burst of load on the machine hits every variant alike), each
 * `batches` batches of `perBatch` committed calls. Wall µs per call: min and p10 over the batches;
 * backend CPU µs per call (schedstat): min and p10.
 */
export async function serverCosts(url: string, variants: { key: string; fn: string | null }[], opts: { rounds: number; batches: number; perBatch: number }): Promise<Record<string, { hot: ServerCost; distinct: ServerCost }>> {
  const loops = [];
  for (const v of variants) for (const distinct of [false, true]) loops.push({ key: v.key, distinct, loop: await serverLoop(url, v.key, v.fn, distinct), wall: [] as number[], cpu: [] as number[] });
  try {
    for (let r = 0; r < opts.rounds; r++) {
      for (const l of loops) {
        for (let b = 0; b < opts.batches; b++) {
          const { wall, cpu } = await l.loop.batch(opts.perBatch);
          l.wall.push(wall);
          if (cpu !== null) l.cpu.push(cpu);
        }
      }
    }
  } finally {
    await Promise.all(loops.map((l) => l.loop.end()));
  }
  const out: Record<string, { hot: ServerCost; distinct: ServerCost }> = {};
  for (const l of loops) {
    const wall = [...l.wall].sort((a, b) => a - b);
    const cpu = [...l.cpu].sort((a, b) => a - b);
    const cost: ServerCost = {
      wall_min_us: round1(wall[0]), wall_p10_us: round1(percentile(wall, 10)),
      cpu_min_us: cpu.length ? round1(cpu[0]) : null, cpu_p10_us: cpu.length ? round1(percentile(cpu, 10)) : null,
      calls: wall.length * opts.perBatch,
    };
    out[l.key] = { ...out[l.key], [l.distinct ? 'distinct' : 'hot']: cost } as { hot: ServerCost; distinct: ServerCost };
  }
  return out;
}

/**
 * Schema `bench` with the ceiling's table and every variant, and the fixtures: the distinct
 * accounts (no violation yet) in every variant's table and the ceiling's 10,000 keys; each
 * variant's hot account past its first 50 violations (ring full, blocked at its tenth), as a hot
 * account soon is.
 */
export async function installShieldBench(admin: Sql): Promise<void> {
  await admin`drop schema if exists bench cascade`;
  await admin`create schema bench`;
  await admin.unsafe(variantsSql());
  await admin`insert into bench.plain_counter select ${TENANT}, 'twitter', 'acct_' || i, 0 from generate_series(0, ${ACCOUNTS - 1}) i`;
  for (const v of VARIANTS) {
    if (v.behaviors) {
      await admin.unsafe(`insert into ${v.behaviors} (tenant_id, platform, platform_user_id)
        select $1, 'twitter', 'acct_' || i from generate_series(0, ${ACCOUNTS - 1}) i on conflict do nothing`, [TENANT]);
    }
    for (let i = 0; i < 60; i++) await callFn(v.fn, false)(admin);
  }
  await admin`vacuum analyze`;
}

export async function benchShieldRpc(url: string, opts: { seconds: number; runs: number }): Promise<ShieldFigures> {
  const loadStart = loadAverage();
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await installShieldBench(admin);

    const rpc = callFn('public.atomic_update_user_behavior', false);
    const rows = await againstCeiling(url, opts, rpc, plainUpsert(false));

    // The matrix: every variant and the ceiling in the same runs, interleaved, per case.
    const perS: Record<string, { hot: number[]; distinct: number[] }> = {};
    const keys = ['ceiling', ...VARIANTS.map((v) => v.key)];
    for (const k of keys) perS[k] = { hot: [], distinct: [] };
    for (let r = 0; r < opts.runs; r++) {
      for (const distinct of [false, true]) {
        for (const k of keys) {
          const v = VARIANTS.find((x) => x.key === k);
          const call = v ? callFn(v.fn, distinct) : plainUpsert(distinct);
          perS[k][distinct ? 'distinct' : 'hot'].push(await throughput(url, MATRIX_CONNECTIONS, opts.seconds, call));
        }
      }
    }
    // The ablations run right after kept in every round, on kept's own tables.
    const loops = [{ key: 'ceiling', fn: null as string | null }, ...VARIANTS.map((v) => ({ key: v.key, fn: v.fn }))];
    loops.splice(loops.findIndex((l) => l.key === 'kept') + 1, 0, ...ABLATIONS.map((a) => ({ key: a.key, fn: a.fn })));
    const server = await serverCosts(url, loops,
      { rounds: opts.runs, batches: 5, perBatch: Math.max(20, Math.round((150 * opts.seconds) / 3)) });
    const ceilingHot = median(perS.ceiling.hot);
    const ceilingDistinct = median(perS.ceiling.distinct);
    const matrix: MatrixRow[] = VARIANTS.map((v) => ({
      variant: v.key,
      label: v.label,
      hot: { per_s: Math.round(median(perS[v.key].hot)), ratio: Number((median(perS[v.key].hot) / ceilingHot).toFixed(2)), server: server[v.key].hot },
      distinct: { per_s: Math.round(median(perS[v.key].distinct)), ratio: Number((median(perS[v.key].distinct) / ceilingDistinct).toFixed(2)), server: server[v.key].distinct },
    }));

    const less = (a: number | null, b: number | null) => (a === null || b === null ? null : round1(a - b));
    const parts: PartCost[] = ABLATIONS.map((a) => ({
      part: a.omit, label: a.label,
      hot_cpu_us: less(server.kept.hot.cpu_min_us, server[a.key].hot.cpu_min_us),
      distinct_cpu_us: less(server.kept.distinct.cpu_min_us, server[a.key].distinct.cpu_min_us),
      without: server[a.key],
    }));

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
    const figures: ShieldFigures = {
      throughput: rows,
      matrix,
      parts,
      ceiling: { hot: { per_s: Math.round(ceilingHot), server: server.ceiling.hot }, distinct: { per_s: Math.round(ceilingDistinct), server: server.ceiling.distinct } },
      matrix_connections: MATRIX_CONNECTIONS,
      distinct_accounts: ACCOUNTS,
      latency_ms: latencyMs,
      naive: { connections: 8, attempted, counted, lost: attempted - counted, lost_pct: Number((((attempted - counted) / attempted) * 100).toFixed(1)) },
      load_average: { start: loadStart, end: loadAverage() },
      seconds_per_run: opts.seconds,
      runs: opts.runs,
    };
    printMatrix(figures);
    return figures;
  } finally {
    await admin`drop schema if exists bench cascade`;
    await admin.end({ timeout: 5 });
  }
}

/** The matrix as a table (bench.ts prints the rest of the section). */
function printMatrix(f: ShieldFigures): void {
  const cost = (s: ServerCost) => `${s.wall_min_us} / ${s.wall_p10_us}${s.cpu_min_us === null ? '' : ` (cpu ${s.cpu_min_us} / ${s.cpu_p10_us})`}`;
  console.log(`\natomic_update_user_behavior variants at ${f.matrix_connections} connections, ${f.seconds_per_run} s per run, median of ${f.runs}, `
    + `each in the same runs as its ceiling (hot: one account; distinct: one of ${f.distinct_accounts} per call); `
    + 'server µs per call on one connection: wall min / p10 over batches (backend CPU min / p10)');
  console.table([
    { variant: 'ceiling: plain upsert', 'hot /s': f.ceiling.hot.per_s, 'hot ×': 1, 'hot server µs': cost(f.ceiling.hot.server),
      'distinct /s': f.ceiling.distinct.per_s, 'distinct ×': 1, 'distinct server µs': cost(f.ceiling.distinct.server) },
    ...f.matrix.map((m) => ({
      variant: m.label, 'hot /s': m.hot.per_s, 'hot ×': m.hot.ratio, 'hot server µs': cost(m.hot.server),
      'distinct /s': m.distinct.per_s, 'distinct ×': m.distinct.ratio, 'distinct server µs': cost(m.distinct.server),
    })),
  ]);
  console.log('what each part of the kept RPC costs: its server CPU µs per call minus that of the same function without the part');
  console.table(f.parts.map((p) => ({ part: p.part, 'hot µs': p.hot_cpu_us, 'distinct µs': p.distinct_cpu_us })));
  console.log(`load average (1, 5, 15 min): ${f.load_average.start.join(', ')} at the start, ${f.load_average.end.join(', ')} at the end`);
}
