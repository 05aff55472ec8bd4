/**
 * `npm run ops:alerts -- [--db-url <url>] [--json]`: the checklists' alerts and monitoring report
 * against the local stack, a staging database or a Supabase project (the postgres login). Prints
 * the alerts firing now (private.evaluate_alerts: the rules of private.alert_rules) and the report:
 * table sizes with their week-over-week growth, unused indexes, statements slower than 100 ms
 * (where pg_stat_statements can be read) and connections; as a table, or JSON with --json. Reads
 * only (one read-only transaction); the alert log is the scheduled monitor job's.
 * Exit 0 when no critical alert fires, 1 when one does, or on any error (one line on stderr).
 */
import postgres from 'postgres';
import { parseCli, runCli, targetDatabaseUrl } from '../lib/cli.ts';
import { StackError } from '../lib/stack-error.ts';
import { formatReport, monitoringReport } from './alerts/report.ts';

const USAGE = 'npm run ops:alerts -- [--db-url <url>] [--json]';

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('ops:alerts', async () => {
    const values = parseCli({ 'db-url': { type: 'string' }, json: { type: 'boolean', default: false } }, USAGE);
    const url = values['db-url'] ?? (await targetDatabaseUrl());
    if (!URL.canParse(url) || !['postgres:', 'postgresql:'].includes(new URL(url).protocol)) {
      throw new StackError('the database URL is not a postgresql:// URL', `usage: ${USAGE}`);
    }
    const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
    try {
      const report = await monitoringReport(sql);
      const critical = report.alerts.filter((a) => a.severity === 'critical').length;
      if (values.json) {
        console.log(JSON.stringify({ target: new URL(url).host, firing: report.alerts.length, critical, ...report }, null, 2));
      } else {
        console.log(formatReport(report));
      }
      return critical ? 1 : 0;
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
}
