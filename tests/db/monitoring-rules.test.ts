/**
 * private.evaluate_alerts(), rule by rule, on a scratch database of its own (migrated and seeded;
 * no other test writes job runs, ingestions or metrics there), each case in a rolled-back
 * transaction, called as service_role. Times that rules judge are set explicitly in the data;
 * only the running-query rule waits, because it is about time spent now.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import postgres, { type Sql } from 'postgres';
import { rolledBack } from '../../scripts/lib/db-role.ts';
import type { Tx } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { CONVERSATION, TENANT, USER } from '../helpers/seed-ids.ts';

interface Alert { alert_key: string; severity: string; subject: string; value: number | null; threshold: number | null; detail: string }

async function firing(tx: Tx, key?: string): Promise<Alert[]> {
  await tx`set local role service_role`;
  const rows = await tx`select alert_key, severity::text as severity, subject, value, threshold, detail from private.evaluate_alerts() order by alert_key, subject`;
  await tx`reset role`;
  return rows.map((r) => ({ ...r, value: r.value === null ? null : Number(r.value), threshold: r.threshold === null ? null : Number(r.threshold) }) as Alert)
    .filter((a) => !key || a.alert_key === key);
}

/** A finished refresh-views run of job, started minutesAgo, with its steps. */
async function run(tx: Tx, job: string, status: string, minutesAgo: number, steps: [string, 'succeeded' | 'failed', string?][]) {
  const [r] = await tx`insert into private.job_runs (job, trigger, status, started_at, finished_at)
    values (${job}, 'test', ${status}, now() - make_interval(mins => ${minutesAgo}), now() - make_interval(mins => ${minutesAgo}) + interval '1 second') returning id`;
  for (const [i, [step, stepStatus, error]] of steps.entries()) {
    await tx`insert into private.job_run_steps (run_id, step, status, started_at, finished_at, error)
      values (${r.id}, ${step}, ${stepStatus}, now() - make_interval(mins => ${minutesAgo}) + make_interval(secs => ${i}), now() - make_interval(mins => ${minutesAgo}) + make_interval(secs => ${i}), ${error ?? null})`;
  }
}

let ingestionCount = 0;
async function ingestions(tx: Tx, status: string, count: number, created = "now() - interval '1 hour'") {
  for (let i = 0; i < count; i++) {
    await tx.unsafe(`insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes,
        storage_path, pending_raw_text, status, created_at)
      values ($1, $2, $3, $4, repeat('a', 64), 2, $5, $6, $7, ${created})`,
    [TENANT.acme, CONVERSATION.c2, USER.bob, `monitoring-${++ingestionCount}`, status === 'storage_pending' ? null : 'p/x', status === 'storage_pending' ? 'kept' : null, status]);
  }
}

describe('alert rules (private.evaluate_alerts)', () => {
  it('each rule fires on its fault, at its threshold, and stays quiet otherwise', async (t) => {
    await withScratchDatabase('monitoring_rules', { migrate: true, seed: true }, async (db) => {
      const sql: Sql = db.open(2);
      const inTx = (fn: (tx: Tx) => Promise<void>) => rolledBack(sql, fn);

      await t.test('a healthy, freshly migrated database fires nothing (connections, a server-wide count, aside)', () => inTx(async (tx) => {
        assert.deepEqual((await firing(tx)).filter((a) => a.alert_key !== 'connections'), []);
      }));

      await t.test('table_growth: over 50 % against the newest snapshot at least 7 days old, 8 MB and up, tunable', () => inTx(async (tx) => {
        await tx`create table private.monitoring_probe (id integer, filler text)`;
        await tx`insert into private.monitoring_probe select g, md5(g::text) || md5((g + 1)::text) from generate_series(1, 100000) g`;
        const [{ bytes }] = await tx`select pg_total_relation_size('private.monitoring_probe')::bigint as bytes`;
        assert.ok(Number(bytes) >= 8 * 1024 * 1024, `probe is ${bytes} bytes`);
        const snapshot = (table: string, daysAgo: number, total: number) => tx`
          insert into private.table_size_snapshots (day, table_name, total_bytes, table_bytes, index_bytes, row_estimate)
          values ((now() at time zone 'UTC')::date - ${daysAgo}::int, ${table}, ${Math.round(total)}, ${Math.round(total)}, 0, 0)`;
        await snapshot('private.monitoring_probe', 8, Number(bytes) / 1.4);
        await snapshot('private.monitoring_probe', 3, Number(bytes) / 4); // under 7 days old: not the base
        await snapshot('public.tenants', 7, 1); // grew enormously, but is under the 8 MB floor
        assert.deepEqual(await firing(tx, 'table_growth'), [], '40 % is under the threshold');
        await tx`update private.table_size_snapshots set total_bytes = ${Math.round(Number(bytes) / 2)} where table_name = 'private.monitoring_probe' and day = (now() at time zone 'UTC')::date - 8`;
        const [alert] = await firing(tx, 'table_growth');
        assert.deepEqual([alert.subject, alert.severity, alert.value, alert.threshold], ['private.monitoring_probe', 'warning', 100, 50]);
        assert.match(alert.detail, /100\.0% more than the .* of \d{4}-\d{2}-\d{2}/);
        await tx`update private.alert_rules set threshold = 150 where alert_key = 'table_growth'`;
        assert.deepEqual(await firing(tx, 'table_growth'), [], 'an operator raised the threshold');
        await tx`update private.alert_rules set threshold = 50, enabled = false where alert_key = 'table_growth'`;
        assert.deepEqual(await firing(tx, 'table_growth'), [], 'a disabled rule never fires');
      }));

      await t.test('long_running_query: active over 1 s, literals masked, idle sessions left out', async () => {
        const sleeper = db.open(1);
        const idler = db.open(1);
        const reserved = await idler.reserve();
        await reserved`begin`;
        const [{ pid: idlePid }] = await reserved`select pg_backend_pid() as pid`;
        const sleeping = sleeper`select pg_sleep(30), 'secret-value' as v`.catch(() => null);
        try {
          let alerts: Alert[] = [];
          for (let i = 0; i < 100 && !alerts.some((a) => a.detail.includes('pg_sleep')); i++) {
            await new Promise((r) => setTimeout(r, 100));
            alerts = await rolledBack(sql, (tx) => firing(tx, 'long_running_query'));
          }
          const alert = alerts.find((a) => a.detail.includes('pg_sleep'));
          assert.ok(alert, 'the sleeping query fires');
          assert.match(alert.subject, /^pid \d+$/);
          assert.ok(alert.value! > 1000 && alert.threshold === 1000, `${alert.value} ms`);
          assert.match(alert.detail, /^running [\d.]+ s as postgres .*pg_sleep\(30\), '\?' as v/);
          assert.doesNotMatch(alert.detail, /secret-value/);
          assert.ok(!alerts.some((a) => a.subject === `pid ${idlePid}`), 'idle in transaction is not a running query');
          await sql`select pg_cancel_backend(${Number(alert.subject.slice(4))})`;
          await sleeping;
          const after = await rolledBack(sql, (tx) => firing(tx, 'long_running_query'));
          assert.ok(!after.some((a) => a.subject === alert.subject), 'no longer fires once the query ended');
        } finally {
          await reserved`rollback`;
          reserved.release();
        }
      });

      await t.test('slow_statement: no pg_stat_statements, or one that is not preloaded, is no failure', async () => {
        // CREATE EXTENSION needs the cluster's superuser here (Supabase lets postgres do it).
        const su = postgres(db.superuserUrl, { max: 1, onnotice: () => {} });
        await rolledBack(su, async (tx) => {
          assert.deepEqual(await firing(tx, 'slow_statement'), []);
          await tx`create extension if not exists pg_stat_statements with schema extensions`;
          await tx`set local role service_role`;
          const [status] = await tx`select * from private.pg_stat_statements_status()`;
          assert.deepEqual({ ...status }, { status: 'not loaded', schema_name: 'extensions' });
          await tx`reset role`;
          assert.deepEqual(await firing(tx, 'slow_statement'), []);
        }).finally(() => su.end({ timeout: 5 }));
      });

      await t.test('summary_refresh_failed: the newest refresh_summaries step failed; a later success clears it', () => inTx(async (tx) => {
        await run(tx, 'refresh', 'partial', 10, [['refresh_summaries', 'failed', 'could not refresh: boom'], ['upload_pending_responses', 'succeeded']]);
        const [alert] = await firing(tx, 'summary_refresh_failed');
        assert.deepEqual([alert.subject, alert.severity], ['refresh_summaries', 'critical']);
        assert.match(alert.detail, /refresh run .*could not refresh: boom/);
        await run(tx, 'all', 'succeeded', 5, [['refresh_summaries', 'succeeded']]);
        assert.deepEqual(await firing(tx, 'summary_refresh_failed'), []);
      }));

      await t.test('summary_refresh_stale: older than twice the refreshing schedule, or never recorded', () => inTx(async (tx) => {
        await tx`update private.summary_refreshes set refreshed_at = now() - interval '31 minutes' where summary = 'monthly_usage_summary'`;
        await tx`update private.summary_refreshes set refreshed_at = now() - interval '29 minutes' where summary = 'message_feedback_summary'`;
        const [alert] = await firing(tx, 'summary_refresh_stale');
        assert.deepEqual([alert.subject, alert.severity, alert.value, alert.threshold], ['private.monthly_usage_summary', 'critical', 31, 30]);
        assert.match(alert.detail, /31\.0 min ago; its schedule refreshes it every 00:15:00/);
        await tx`update private.job_schedules set schedule = '0 * * * *' where name = 'refresh-summaries'`;
        assert.deepEqual(await firing(tx, 'summary_refresh_stale'), [], 'hourly: stale after 2 hours');
        await tx`delete from private.summary_refreshes where summary = 'message_feedback_summary'`;
        assert.deepEqual((await firing(tx, 'summary_refresh_stale')).map((a) => [a.subject, a.detail]),
          [['private.message_feedback_summary', 'never refreshed (no row in private.summary_refreshes)']]);
        await tx`update private.job_schedules set enabled = false where name = 'refresh-summaries'`;
        assert.deepEqual(await firing(tx, 'summary_refresh_stale'), [], 'nothing schedules a refresh: nothing to judge');
      }));

      await t.test('job_failed and job_partial: the latest finished run of each scheduled job', () => inTx(async (tx) => {
        await run(tx, 'daily', 'failed', 30, [['rag_metrics_yesterday', 'failed', 'no SLO targets']]);
        await run(tx, 'daily', 'running', 1, []);
        await run(tx, 'refresh', 'partial', 20, [['refresh_summaries', 'succeeded'], ['upload_pending_responses', 'failed', '2 of 2 pending responses still not stored']]);
        await run(tx, 'all', 'failed', 10, [['vacuum_analyze', 'failed', 'x']]); // no schedule runs job all
        const alerts = (await firing(tx)).filter((a) => a.alert_key.startsWith('job_'));
        assert.deepEqual(alerts.map((a) => [a.alert_key, a.severity, a.subject, a.value]),
          [['job_failed', 'critical', 'daily-rag-metrics', 1], ['job_partial', 'warning', 'refresh-summaries', 1]]);
        assert.match(alerts[0].detail, /latest daily run \(test, started .*\) was failed: 1 of 1 steps failed: rag_metrics_yesterday: no SLO targets/);
        await run(tx, 'daily', 'succeeded', 2, [['rag_metrics_yesterday', 'succeeded']]);
        assert.deepEqual((await firing(tx)).filter((a) => a.alert_key.startsWith('job_')).map((a) => a.subject), ['refresh-summaries']);
      }));

      await t.test('ingestion_error_rate: over 1 % of the last 24 hours\' ended ingestions, from 20 on', () => inTx(async (tx) => {
        await ingestions(tx, 'completed', 2);
        await ingestions(tx, 'failed', 1);
        assert.deepEqual(await firing(tx, 'ingestion_error_rate'), [], '1 of 3 does not page');
        await ingestions(tx, 'completed', 97);
        await ingestions(tx, 'needs_review', 5, "now() - interval '25 hours'"); // outside the window
        await ingestions(tx, 'raw_stored', 3); // not ended yet
        assert.deepEqual(await firing(tx, 'ingestion_error_rate'), [], '1 of 100 is not over 1 %');
        await ingestions(tx, 'needs_review', 1);
        const [alert] = await firing(tx, 'ingestion_error_rate');
        assert.deepEqual([alert.subject, alert.severity, alert.value, alert.threshold], ['raw_response_ingestions', 'critical', 1.98, 1]);
        assert.match(alert.detail, /^2 of 101 raw responses .* \(1 needs_review, 1 failed\)$/);
      }));

      await t.test('storage_pending_stale: kept for storage longer than 15 minutes', () => inTx(async (tx) => {
        await ingestions(tx, 'storage_pending', 1, "now() - interval '14 minutes'");
        assert.deepEqual(await firing(tx, 'storage_pending_stale'), []);
        await ingestions(tx, 'storage_pending', 1, "now() - interval '16 minutes'");
        const [alert] = await firing(tx, 'storage_pending_stale');
        assert.deepEqual([alert.subject, alert.severity, alert.value, alert.threshold], ['raw_response_ingestions', 'critical', 16, 15]);
        assert.match(alert.detail, /^1 raw responses have waited in storage_pending over 15 minutes/);
      }));

      await t.test('connections: above the share of max_connections the rule allows', () => inTx(async (tx) => {
        assert.deepEqual(await firing(tx, 'connections'), []);
        await tx`update private.alert_rules set threshold = 0 where alert_key = 'connections'`;
        const [alert] = await firing(tx, 'connections');
        assert.deepEqual([alert.subject, alert.severity, alert.threshold], ['server', 'warning', 0]);
        assert.match(alert.detail, /^\d+ of \d+ connections in use \(active \d+, idle \d+, idle in transaction \d+\)$/);
      }));

      await t.test('rag_slo_missed: yesterday\'s rows per tenant and platform whose SLO was not met', () => inTx(async (tx) => {
        const row = (tenant: string | null, daysAgo: number, slo: Record<string, unknown>) => tx`
          insert into public.rag_metrics_history (tenant_id, date, total_queries, slo_compliance)
          values (${tenant}, (now() at time zone 'UTC')::date - ${daysAgo}::int, 12, ${tx.json(slo as never)})`;
        await row(TENANT.acme, 1, { overallMet: false, citationRateMet: false, latencyMet: true, costMet: true, citationRate: { value: 0.5, target: 0.8 } });
        await row(null, 1, { overallMet: false, citationRateMet: true, latencyMet: false, costMet: true,
          latencyP50: { value: 2500, target: 2000 }, latencyP95: { value: 4000, target: 5000 } });
        await row(TENANT.globex, 1, { overallMet: true });
        await row(TENANT.initech, 1, { overallMet: null });
        await row(TENANT.initech, 2, { overallMet: false });
        const alerts = await firing(tx, 'rag_slo_missed');
        assert.deepEqual(alerts.map((a) => [a.subject, a.severity]), [['platform', 'warning'], ['test-acme', 'warning']]);
        assert.match(alerts[0].detail, /\(12 answers\): latency p50 2500 ms, p95 4000 ms \(targets 2000, 5000\)$/);
        assert.match(alerts[1].detail, /: citation rate 0\.5 below 0\.8$/);
      }));
    });
  });
});

