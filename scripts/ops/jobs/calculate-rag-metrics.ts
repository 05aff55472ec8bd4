/**
 * The daily RAG metrics job: runs private.calculate_daily_rag_metrics (calculate_rag_metrics for every
 * tenant and the platform-wide row) for yesterday (UTC) or the given day(s), and prints the metrics and
 * SLO compliance.
 *
 *   node --import tsx scripts/jobs/calculate-rag-metrics.ts   (the checklist's name; this file is its body) [--date=YYYY-MM-DD | --from=YYYY-MM-DD --to=YYYY-MM-DD]
 *        [--tenant=<uuid>] [--json]
 *
 * Uses DATABASE_URL, or the local stack's database. Recalculating a day replaces its rows.
 */
import postgres from 'postgres';
import { parseCli, runCli, targetDatabaseUrl, uuidArg } from '../../lib/cli.ts';
import { StackError } from '../../lib/stack-error.ts';

const USAGE = 'calculate-rag-metrics.ts [--date=YYYY-MM-DD | --from=YYYY-MM-DD --to=YYYY-MM-DD] [--tenant=<uuid>] [--json]';
const DAY_MS = 86_400_000;

function parseDay(name: string, raw: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? new Date(`${raw}T00:00:00Z`) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== raw) {
    throw new StackError(`--${name} must be a date as YYYY-MM-DD, got "${raw}"`);
  }
  return d;
}

/** The days to compute, oldest first. */
export function daysToCompute(values: { date?: string; from?: string; to?: string }, today: Date): string[] {
  if (values.date && (values.from || values.to)) throw new StackError('give either --date or --from/--to, not both', `usage: ${USAGE}`);
  if (Boolean(values.from) !== Boolean(values.to)) throw new StackError('--from and --to go together', `usage: ${USAGE}`);
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const from = values.date ? parseDay('date', values.date) : values.from ? parseDay('from', values.from) : new Date(todayUtc - DAY_MS);
  const to = values.date ? from : values.to ? parseDay('to', values.to) : from;
  if (to < from) throw new StackError(`--from (${values.from}) is after --to (${values.to})`);
  if (to.getTime() > todayUtc) throw new StackError(`${to.toISOString().slice(0, 10)} is in the future (UTC)`);
  const count = (to.getTime() - from.getTime()) / DAY_MS + 1;
  if (count > 366) throw new StackError(`at most 366 days at a time, asked for ${count}`);
  return Array.from({ length: count }, (_, i) => new Date(from.getTime() + i * DAY_MS).toISOString().slice(0, 10));
}

interface MetricsRow {
  tenant_id: string | null; date: Date; total_queries: number; unique_users: number; citation_count: number;
  citation_rate: string | null; latency_p50_ms: string | null; latency_p95_ms: string | null; latency_p99_ms: string | null;
  cost_per_answer_jpy: string | null; slo_compliance: Record<string, unknown>;
}

const show = (v: string | null, unit = '') => (v === null ? '-' : `${Number(v)}${unit}`);

/** The job; its number is the exit code. */
export async function main(): Promise<number> {
  const values = parseCli({ date: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, tenant: { type: 'string' }, json: { type: 'boolean', default: false } }, USAGE);
  const days = daysToCompute(values, new Date());
  const tenantFilter = values.tenant ? uuidArg('tenant', values.tenant) : null;
  const sql = postgres(await targetDatabaseUrl(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    // One call a day: every tenant (by slug) and the platform row, or only --tenant's
    // (private.calculate_daily_rag_metrics writes them and returns them labelled).
    const rows: (MetricsRow & { label: string })[] = [];
    let perDay = 0;
    for (const day of days) {
      try {
        const dayRows = await sql<(MetricsRow & { label: string })[]>`
          select (m.metrics).*, m.label from private.calculate_daily_rag_metrics(${day}::date, ${tenantFilter}::uuid) m`;
        perDay ||= dayRows.length;
        rows.push(...dayRows);
      } catch (err) {
        if (tenantFilter && (err as { code?: string }).code === '23503') throw new StackError(`tenant ${tenantFilter} does not exist`);
        throw err;
      }
    }
    if (values.json) {
      console.log(JSON.stringify(rows.map((r) => ({ ...r, date: r.date.toISOString().slice(0, 10) })), null, 2));
      return 0;
    }
    console.log(`RAG metrics for ${days[0]}${days.length > 1 ? ` .. ${days.at(-1)}` : ''} (UTC days), ${perDay} row(s) a day`);
    const width = Math.max(...rows.map((r) => r.label.length));
    for (const r of rows) {
      const s = r.slo_compliance as Record<string, boolean | null>;
      console.log(`${r.date.toISOString().slice(0, 10)} ${r.label.padEnd(width)}  queries ${r.total_queries}  users ${r.unique_users}  citations ${r.citation_count}`
        + `  citation rate ${show(r.citation_rate)}  p50 ${show(r.latency_p50_ms, ' ms')}  p95 ${show(r.latency_p95_ms, ' ms')}`
        + `  p99 ${show(r.latency_p99_ms, ' ms')}  cost/answer ${show(r.cost_per_answer_jpy, ' JPY')}`);
      console.log(`${' '.repeat(11 + width)}  SLO citationRateMet: ${s.citationRateMet}, latencyMet: ${s.latencyMet}, costMet: ${s.costMet}, overallMet: ${s.overallMet}`);
    }
    return 0;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runCli('calculate-rag-metrics', main);
