/**
 * `npm run ops:alerts` (scripts/ops/alerts.ts) against scratch databases: the firing alerts and the
 * monitoring report as a table and as JSON, exit 1 only for a critical alert, nothing written;
 * slow statements from a server with pg_stat_statements preloaded and installed in `extensions`,
 * as on Supabase; and one clear line for each way it cannot run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import postgres from 'postgres';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { embeddedUrls, prepareDatabase } from '../../scripts/local/stack/database.ts';
import { serverIdentity } from '../../scripts/local/stack/os-user.ts';
import type { PgMajor } from '../../scripts/local/stack/pg-binaries.ts';
import { freePort, PostgresServer } from '../../scripts/local/stack/postgres-server.ts';
import { throwawayParent } from '../../scripts/local/stack/shared-dirs.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';

const alerts = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/ops/alerts.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });

describe('npm run ops:alerts', () => {
  it('prints the alerts and the report, exits 1 only while a critical alert fires, and writes nothing', async () => {
    await withScratchDatabase('alerts_command', { migrate: true, seed: true }, async (db) => {
      const sql = db.open();
      const healthy = alerts('--db-url', db.url);
      assert.equal(healthy.status, 0, healthy.stdout + healthy.stderr);
      assert.match(healthy.stdout, /^alerts: \d+ firing, 0 critical$/m);
      assert.match(healthy.stdout, /^table sizes \(growth: live size against the newest daily snapshot at least 7 days old\)\ntable +size +rows \(est\.\) +week-ago size +snapshot of +growth$/m);
      assert.match(healthy.stdout, /^public\.messages +\d+\.\d kB +\d+ +- +- +-$/m);
      assert.match(healthy.stdout, /^unused indexes \(no scan since statistics began; primary keys and unique indexes left out\): \d+$/m);
      assert.match(healthy.stdout, /^slow statements: pg_stat_statements not installed, so none can be listed$/m);
      assert.match(healthy.stdout, /^connections: \d+ of \d+ \([\d.]+ %\): \d+ active, \d+ idle, \d+ idle in transaction, \d+ other; /m);

      // A critical alert: the daily job's latest run failed.
      const [r] = await sql`insert into private.job_runs (job, trigger, status, started_at, finished_at)
        values ('daily', 'cron', 'failed', now() - interval '1 hour', now() - interval '1 hour') returning id`;
      await sql`insert into private.job_run_steps (run_id, step, status, error) values (${r.id}, 'rag_metrics_yesterday', 'failed', 'no SLO targets')`;
      const written = async () => (await sql`select (select count(*) from private.alert_events) + (select count(*) from private.table_size_snapshots) as n`)[0].n;
      const before = await written();
      const critical = alerts('--db-url', db.url);
      assert.equal(critical.status, 1, critical.stderr);
      assert.match(critical.stdout, /^alerts: \d+ firing, 1 critical\nseverity +alert +subject +value +threshold +since +detail$/m);
      assert.match(critical.stdout, /^CRITICAL +job_failed +daily-rag-metrics +1 +- +not recorded +the latest daily run \(cron, started .*no SLO targets$/m);
      assert.equal(await written(), before, 'the command only reads');

      // Once the monitor job has recorded it, the alert shows since when it is open; JSON has it all.
      const [opened] = await sql`select opened_at from private.sync_alert_events() where alert_key = 'job_failed'`;
      const json = alerts('--db-url', db.url, '--json');
      assert.equal(json.status, 1, json.stderr);
      const report = JSON.parse(json.stdout);
      assert.equal(report.critical, 1);
      assert.deepEqual(report.alerts.filter((a: { alert_key: string }) => a.alert_key === 'job_failed').map(({ detail, ...a }: { detail: string }) => ({ ...a, detail: typeof detail })), [{
        alert_key: 'job_failed', severity: 'critical', subject: 'daily-rag-metrics', value: 1, threshold: null, detail: 'string', open_since: opened.opened_at.toISOString(),
      }]);
      const messages = report.tables.find((t: { table: string }) => t.table === 'public.messages');
      assert.ok(messages.bytes > 0 && messages.growth_pct === null);
      assert.ok(report.unused_indexes.length > 0 && report.unused_indexes.every((u: { index: string }) => !u.index.endsWith('_pkey')));
      assert.deepEqual(report.slow_statements, { status: 'not installed', schema: null, threshold_ms: 100, rows: [] });
      assert.equal(typeof report.connections.max_connections, 'number');
    });
  });

  it('lists slow statements and alerts on a mean over 1 s where pg_stat_statements is preloaded, as on Supabase', async () => {
    const root = fs.mkdtempSync(path.join(throwawayParent(serverIdentity()), 'assistant-platform-pss-'));
    if (process.getuid?.() === 0) fs.chmodSync(root, 0o755);
    const server = new PostgresServer({
      dataDir: path.join(root, 'data'), host: '127.0.0.1', port: await freePort(), password: 'postgres',
      major: Number(process.env.TEST_PG_MAJOR ?? 17) as PgMajor, ephemeral: true, settings: { shared_preload_libraries: 'pg_stat_statements' },
    });
    try {
      await server.initialise();
      await server.start();
      const urls = embeddedUrls(server, 'postgres');
      await prepareDatabase(urls, { dbPassword: 'postgres', seed: true });
      const su = postgres(urls.superuserUrl, { max: 1, onnotice: () => {} });
      const pg = postgres(urls.postgresUrl, { max: 1, onnotice: () => {} });
      try {
        await su`create extension if not exists pg_stat_statements with schema extensions`;
        await pg`select pg_sleep(0.15) as short_sleep`;
        await pg`select 1 as long_sleep from pg_sleep(1.05)`; // another statement: aliases alone do not change the queryid
      } finally {
        await Promise.all([su.end({ timeout: 5 }), pg.end({ timeout: 5 })]);
      }
      const table = alerts('--db-url', urls.postgresUrl);
      assert.equal(table.status, 0, table.stdout + table.stderr);
      assert.match(table.stdout, /^slow statements \(mean over 100 ms since pg_stat_statements was last reset, extensions\.pg_stat_statements\): \d+$/m);
      assert.match(table.stdout, /^warning +slow_statement +queryid -?\d+ +1\d{3}(\.\d)? +1000 +not recorded +mean 1\d{3}(\.\d)? ms over 1 calls .*as long_sleep from pg_sleep\(\$2\)$/m);
      const report = JSON.parse(alerts('--db-url', urls.postgresUrl, '--json').stdout);
      assert.deepEqual([report.slow_statements.status, report.slow_statements.schema], ['available', 'extensions']);
      const mean = (name: string) => report.slow_statements.rows.find((s: { query: string }) => s.query.includes(name))?.mean_ms;
      assert.ok(mean('long_sleep') >= 1000, `long: ${mean('long_sleep')}`);
      assert.ok(mean('short_sleep') >= 100 && mean('short_sleep') < 1000, `short: ${mean('short_sleep')}`);
      assert.deepEqual(report.alerts.filter((a: { alert_key: string }) => a.alert_key === 'slow_statement').map((a: { detail: string }) => /long_sleep/.test(a.detail)), [true],
        'only the statement over 1 s alerts');
    } finally {
      await server.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('says in one line why it cannot run: unreachable, not migrated, bad arguments', async () => {
    const down = alerts('--db-url', 'postgresql://postgres:postgres@127.0.0.1:1/postgres');
    assert.equal(down.status, 1);
    assert.match(down.stderr, /^ops:alerts: cannot reach the database/m);
    await withScratchDatabase('alerts_unmigrated', { migrate: false }, async (db) => {
      const bare = alerts('--db-url', db.url);
      assert.equal(bare.status, 1);
      assert.match(bare.stderr, /^ops:alerts: this database has no alert rules \(private\.evaluate_alerts\(\) does not exist\)\nhint: apply the migrations first: npm run db:push/m);
    });
    const flag = alerts('--everything');
    assert.equal(flag.status, 1);
    assert.match(flag.stderr, /Unknown option '--everything'[\s\S]*usage: npm run ops:alerts -- \[--db-url <url>\] \[--json\]/);
    const url = alerts('--db-url', 'not a url');
    assert.equal(url.status, 1);
    assert.match(url.stderr, /the database URL is not a postgresql:\/\/ URL/);
  });
});
