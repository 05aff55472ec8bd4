/**
 * `npm run bench [-- --only shield|usage|scales|gateway|rest --scales small,medium --runs N --seconds S --calls N]`:
 * benchmarks on a throwaway embedded database with durable settings (fsync on), bootstrapped,
 * migrated and seeded: the two counter RPCs against a plain upsert, the checklists' queries and the
 * summary/metrics jobs at data scales (seed:load), the gateway's function round trips, and the Data
 * API (/rest/v1) against the same SQL run directly at data scales. Prints tables and writes JSON to
 * bench/results/. Figures are medians of repeated runs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { benchGatewayLatency, latencyRows, type LatencyRow } from './gateway-latency.ts';
import { benchRestLatency, type RestFigures } from './rest-latency.ts';
import { type ParseCorpusFigures, parseRateOnCorpus } from './parse-corpus.ts';
import { benchShieldRpc, type ShieldFigures } from './shield-rpc.ts';
import { benchScales, type ScalesFigures } from './scales.ts';
import { benchUsageRpc, type UsageFigures } from './usage-rpc.ts';
import { parseCli, positiveInt, runCli } from '../lib/cli.ts';
import { StackError } from '../lib/stack-error.ts';
import { DEFAULT_JWT_SECRET, repoRoot, signApiKey } from '../lib/stack-config.ts';
import { startThrowawayDatabase } from '../local/stack/database.ts';

const SECTIONS = ['shield', 'usage', 'scales', 'gateway', 'rest'];
/** What bench/results/*.json holds besides the machine, commit and server: one entry per section run. */
interface BenchFigures {
  shield_rpc?: ShieldFigures;
  usage_rpc?: UsageFigures;
  scales?: ScalesFigures;
  gateway_latency?: LatencyRow[];
  parse_corpus?: ParseCorpusFigures;
  rest_latency?: RestFigures;
}

const USAGE = 'npm run bench -- [--only shield|usage|scales|gateway|rest] [--scales small,medium[,large|<messages>]] [--runs N] [--seconds S] [--calls N]';

await runCli('bench', async () => {
  const values = parseCli({
    only: { type: 'string' }, scales: { type: 'string', default: 'small,medium' },
    runs: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' }, calls: { type: 'string', default: '1000' },
  }, USAGE);
  if (values.only !== undefined && !SECTIONS.includes(values.only)) {
    throw new StackError(`--only must be one of ${SECTIONS.join(', ')}, got "${values.only}"`, `usage: ${USAGE}`);
  }
  const scaleNames = values.scales!.split(',').map((x) => x.trim()).filter(Boolean);
  const calls = positiveInt('calls', values.calls);
  const runs = positiveInt('runs', values.runs);
  const seconds = Number(values.seconds);
  if (!(seconds > 0 && seconds <= 600)) throw new StackError(`--seconds must be a number of seconds between 0 and 600, got "${values.seconds}"`);
  const want = (name: string) => values.only === undefined || values.only === name;

  const db = await startThrowawayDatabase({ seed: true, durable: true });
  const sql = postgres(db.postgresUrl, { max: 1, onnotice: () => {} });
  try {
    const [server] = await sql`select version() as version, current_setting('shared_buffers') as shared_buffers,
      current_setting('work_mem') as work_mem, current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit`;
    const out: BenchFigures = {};
    if (want('shield')) {
      const shield = await benchShieldRpc(db.postgresUrl, { seconds, runs });
      out.shield_rpc = shield;
      console.log(`\natomic_update_user_behavior, one hot account, ${seconds} s per run, median of ${runs}; ceiling = plain single-statement upsert`);
      console.table(shield.throughput.map((r) => ({ connections: r.connections, 'RPC calls/s': r.rpc_per_s, 'plain upsert/s': r.plain_per_s, 'RPC / plain': r.ratio })));
      console.log(`single connection latency: p50 ${shield.latency_ms.p50} ms, p95 ${shield.latency_ms.p95} ms, p99 ${shield.latency_ms.p99} ms (${shield.latency_ms.calls} calls)`);
      console.log(`naive select + compute + update on ${shield.naive.connections} connections: ${shield.naive.attempted} updates, ${shield.naive.counted} counted, ${shield.naive.lost} lost (${shield.naive.lost_pct}%)`);
    }
    if (want('usage')) {
      const usage = await benchUsageRpc(db.postgresUrl, { seconds, runs });
      out.usage_rpc = usage;
      console.log(`\nincrement_usage_metrics, one hot (tenant, user, day) row, ${seconds} s per run, median of ${runs}; ceiling = plain single-statement upsert`);
      console.table(usage.throughput.map((r) => ({ connections: r.connections, 'RPC calls/s': r.rpc_per_s, 'plain upsert/s': r.plain_per_s, 'RPC / plain': r.ratio })));
      console.log(`single connection latency: p50 ${usage.latency_ms.p50} ms, p95 ${usage.latency_ms.p95} ms, p99 ${usage.latency_ms.p99} ms (${usage.latency_ms.calls} calls)`);
    }
    if (want('scales')) {
      const scaled = await benchScales(db.postgresUrl, { scales: scaleNames, runs: Math.max(runs * 10, 10) });
      out.scales = scaled;
      console.log('\ndata scales: load, summary refresh (concurrently) and calculate_rag_metrics for one day (median ms)');
      console.table(scaled.scales);
      console.log('checklist queries as a tenant user under RLS (p50/p95 ms), as service_role (p50), RLS overhead, index used');
      console.table(scaled.queries);
    }
    if (want('rest')) {
      const rest = await benchRestLatency({
        postgresUrl: db.postgresUrl, superuserUrl: db.superuserUrl, serverLog: db.server.logFile, jwtSecret: DEFAULT_JWT_SECRET,
        anonKey: await signApiKey('anon', DEFAULT_JWT_SECRET), serviceRoleKey: await signApiKey('service_role', DEFAULT_JWT_SECRET),
        scales: scaleNames, loaded: out.scales ? scaleNames[scaleNames.length - 1] : undefined, calls, seconds, runs,
      });
      out.rest_latency = rest;
      console.log(`\nData API: a user's 20 latest conversations with their messages through supabase-js, ${calls} calls, interleaved with the gateway's statement run directly as the user under RLS (ms)`);
      console.table(rest.reads.map((r) => ({
        scale: r.scale, messages: r.messages, 'rows (embedded)': `${r.rows} (${r.embedded})`, KB: r.response_kb,
        'gateway p50': r.gateway_p50_ms, 'gateway p95': r.gateway_p95_ms, 'direct p50': r.direct_p50_ms, 'direct p95': r.direct_p95_ms,
        'direct tx p50': r.direct_tx_p50_ms, 'gateway / direct': r.ratio,
      })));
      console.log(`messages inserted by ${rest.inserts[0]?.clients} concurrent clients (one row per request), ${seconds} s per run, median of ${runs}`);
      console.table(rest.inserts.map((r) => ({ scale: r.scale, 'Data API rows/s': r.gateway_rows_per_s, 'direct rows/s': r.direct_rows_per_s, 'Data API / direct': r.ratio })));
      console.log(`fixed costs at the ${rest.reads[rest.reads.length - 1]?.scale} scale (ms)`);
      console.table(rest.overhead.map((r) => ({ target: r.target, 'p50 ms': r.p50_ms, 'p95 ms': r.p95_ms })));
    }
    if (want('gateway')) {
      const latency = await benchGatewayLatency({
        postgresUrl: db.postgresUrl, superuserUrl: db.superuserUrl, jwtSecret: DEFAULT_JWT_SECRET,
        anonKey: await signApiKey('anon', DEFAULT_JWT_SECRET), serviceRoleKey: await signApiKey('service_role', DEFAULT_JWT_SECRET), calls,
        ingestCalls: Math.max(10, Math.floor(calls / 5)),
      });
      const rows = latencyRows(latency);
      out.gateway_latency = rows;
      const added = latency.noop.p50_ms - latency.baseline.p50_ms;
      console.log(`\ngateway latency, ${calls} sequential calls each (same client, loopback)`);
      console.table(rows.map((r) => ({ target: r.target, 'p50 ms': r.p50_ms, 'p95 ms': r.p95_ms })));
      console.log(`added by the gateway to a no-op function call: ${added.toFixed(3)} ms at p50`);
      for (const row of latency.ingest) console.log(`${row.target}: ${(row.p50_ms - latency.noop.p50_ms).toFixed(1)} ms over the no-op function at p50`);
      const parsing = parseRateOnCorpus();
      out.parse_corpus = parsing;
      console.log(`\nparser on the ${parsing.cases}-case corpus: ${parsing.direct} direct, ${parsing.jsonrepair} repaired, ${parsing.review} to review; `
        + `success rate ${parsing.success_rate_pct}% (${parsing.matching_expectation} of ${parsing.cases} as expected), ${parsing.mean_parse_us} µs per parse`);
    }
    let commit = 'unknown';
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    } catch { /* not a checkout */ }
    const machine = { cores: os.cpus().length, memory_gib: Math.round(os.totalmem() / 2 ** 30), cpu: os.cpus()[0]?.model };
    const result = { at: new Date().toISOString(), commit, machine, postgres: server, ...out };
    console.log(`\nmachine: ${machine.cores} cores, ${machine.memory_gib} GiB, ${machine.cpu}; ${String(server.version).split(',')[0]}; shared_buffers ${server.shared_buffers}, work_mem ${server.work_mem}, fsync ${server.fsync}, synchronous_commit ${server.synchronous_commit}; commit ${commit}`);
    const file = path.join(repoRoot, 'bench', 'results', `bench-${result.at.replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${path.relative(repoRoot, file)}`);
    return 0;
  } finally {
    await sql.end({ timeout: 5 });
    await db.stop();
  }
});
