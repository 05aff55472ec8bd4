/**
 * What `npm run ops:alerts` reads, in one read-only transaction: the alerts firing now
 * (private.evaluate_alerts, with the time an open event in private.alert_events has been open) and
 * the monitoring report (table sizes and their week-over-week growth, unused indexes, statements
 * slower than 100 ms where pg_stat_statements can be read, connections). Writes nothing: the alert
 * log is kept by the scheduled monitor job only.
 */
import type { Sql } from 'postgres';
import { StackError } from '../../lib/stack-error.ts';

export interface FiringAlert {
  alert_key: string;
  severity: 'critical' | 'warning';
  subject: string;
  value: number | null;
  threshold: number | null;
  detail: string;
  /** When the monitor job opened its event, if it has (null: not recorded yet). */
  open_since: string | null;
}

export interface TableSize {
  table: string;
  bytes: number;
  row_estimate: number;
  /** The newest daily snapshot at least 7 days old, if any. */
  base_day: string | null;
  base_bytes: number | null;
  growth_pct: number | null;
}

export interface UnusedIndex { index: string; table: string; bytes: number; stats_reset: string | null }
export interface SlowStatement { queryid: string | null; query: string; calls: number; mean_ms: number; total_ms: number; rows: number }

export interface Connections {
  connections: number;
  max_connections: number;
  used_pct: number;
  active: number;
  idle: number;
  idle_in_transaction: number;
  other: number;
  longest_query_s: number | null;
  longest_transaction_s: number | null;
}

export interface MonitoringReport {
  alerts: FiringAlert[];
  tables: TableSize[];
  unused_indexes: UnusedIndex[];
  slow_statements: { status: string; schema: string | null; threshold_ms: number; rows: SlowStatement[] };
  connections: Connections;
}

/** The report's line for slow statements, as the checklist draws it. */
export const SLOW_STATEMENT_MS = 100;

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v === null ? null : String(v));
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null ? null : String(v));

export async function monitoringReport(sql: Sql): Promise<MonitoringReport> {
  const [probe] = await sql`select to_regprocedure('private.evaluate_alerts()') is not null as migrated`;
  if (!probe.migrated) {
    throw new StackError('this database has no alert rules (private.evaluate_alerts() does not exist)',
      'apply the migrations first: npm run db:push -- --db-url <url>');
  }
  return await sql.begin('read only', async (tx) => {
    const alerts = await tx`
      select f.alert_key, f.severity::text as severity, f.subject, f.value, f.threshold, f.detail, e.opened_at
      from private.evaluate_alerts() f
      left join private.alert_events e on e.alert_key = f.alert_key and e.subject = f.subject and e.resolved_at is null
      order by f.severity, f.alert_key, f.subject`;
    const tables = await tx`select * from private.table_growth()`;
    const unused = await tx`select * from private.unused_indexes()`;
    const [pss] = await tx`select status, schema_name from private.pg_stat_statements_status()`;
    const slow = await tx`select * from private.slow_statements(${SLOW_STATEMENT_MS})`;
    const [c] = await tx`select * from private.connection_summary()`;
    return {
      alerts: alerts.map((a) => ({
        alert_key: a.alert_key, severity: a.severity, subject: a.subject, value: n(a.value), threshold: n(a.threshold),
        detail: a.detail, open_since: iso(a.opened_at),
      })),
      tables: tables.map((t) => ({
        table: t.table_name, bytes: Number(t.total_bytes), row_estimate: Number(t.row_estimate), base_day: day(t.base_day),
        base_bytes: n(t.base_bytes), growth_pct: n(t.growth_pct),
      })),
      unused_indexes: unused.map((u) => ({ index: u.index_name, table: u.table_name, bytes: Number(u.index_bytes), stats_reset: iso(u.stats_reset) })),
      slow_statements: {
        status: pss.status, schema: pss.schema_name, threshold_ms: SLOW_STATEMENT_MS,
        rows: slow.map((s) => ({
          queryid: s.queryid === null ? null : String(s.queryid), query: s.query, calls: Number(s.calls), mean_ms: Number(s.mean_ms),
          total_ms: Number(s.total_ms), rows: Number(s.rows),
        })),
      },
      connections: {
        connections: c.connections, max_connections: c.max_connections, used_pct: Number(c.used_pct), active: c.active, idle: c.idle,
        idle_in_transaction: c.idle_in_transaction, other: c.other, longest_query_s: n(c.longest_query_s),
        longest_transaction_s: n(c.longest_transaction_s),
      },
    };
  });
}

export function size(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** Rows as aligned columns under a header. */
function columns(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export function formatReport(r: MonitoringReport): string {
  const critical = r.alerts.filter((a) => a.severity === 'critical').length;
  const out: string[] = [`alerts: ${r.alerts.length} firing, ${critical} critical`];
  if (r.alerts.length) {
    out.push(...columns(['severity', 'alert', 'subject', 'value', 'threshold', 'since', 'detail'], r.alerts.map((a) => [
      a.severity === 'critical' ? 'CRITICAL' : 'warning', a.alert_key, clip(a.subject, 40), a.value === null ? '-' : String(a.value),
      a.threshold === null ? '-' : String(a.threshold), a.open_since ? a.open_since.slice(0, 16).replace('T', ' ') : 'not recorded', clip(a.detail, 160),
    ])));
  }
  out.push('', 'table sizes (growth: live size against the newest daily snapshot at least 7 days old)');
  out.push(...columns(['table', 'size', 'rows (est.)', 'week-ago size', 'snapshot of', 'growth'], r.tables.map((t) => [
    t.table, size(t.bytes), String(t.row_estimate), t.base_bytes === null ? '-' : size(t.base_bytes), t.base_day ?? '-',
    t.growth_pct === null ? '-' : `${t.growth_pct > 0 ? '+' : ''}${t.growth_pct} %`,
  ])));
  const since = r.unused_indexes[0]?.stats_reset;
  out.push('', `unused indexes (no scan since ${since ? `the statistics reset of ${since}` : 'statistics began'}; primary keys and unique indexes left out): ${r.unused_indexes.length}`);
  if (r.unused_indexes.length) out.push(...columns(['index', 'table', 'size'], r.unused_indexes.map((u) => [u.index, u.table, size(u.bytes)])));
  const ss = r.slow_statements;
  out.push('', ss.status === 'available'
    ? `slow statements (mean over ${ss.threshold_ms} ms since pg_stat_statements was last reset, ${ss.schema}.pg_stat_statements): ${ss.rows.length}`
    : `slow statements: pg_stat_statements ${ss.status}${ss.schema ? ` (in ${ss.schema})` : ''}, so none can be listed`);
  if (ss.rows.length) {
    out.push(...columns(['mean ms', 'calls', 'total ms', 'query'], ss.rows.map((s) => [String(s.mean_ms), String(s.calls), String(s.total_ms), clip(s.query.replace(/\s+/g, ' '), 120)])));
  }
  const c = r.connections;
  out.push('', `connections: ${c.connections} of ${c.max_connections} (${c.used_pct} %): ${c.active} active, ${c.idle} idle, `
    + `${c.idle_in_transaction} idle in transaction, ${c.other} other; longest query ${c.longest_query_s ?? 0} s, longest transaction ${c.longest_transaction_s ?? 0} s`);
  return out.join('\n');
}
