/**
 * refresh-views' monitor step end to end: a gateway of the test's own on a scratch database, with
 * the function secret ALERT_WEBHOOK_URL pointing at a real HTTP server started here (the third
 * party receiving the alerts; it answers 200, 500 or not at all as the case needs). Opened and
 * resolved alerts arrive once as Slack-compatible JSON; a failed delivery fails the step (logged,
 * the other steps still run) and is delivered again by the next run; a receiver that does not
 * answer is given up after ALERT_WEBHOOK_TIMEOUT_MS; a refresh in progress does not hold the
 * monitor back. The fault is a failed run of the daily job.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Sql } from 'postgres';
import { Gateway } from '../../scripts/local/stack/gateway-process.ts';
import { freePort } from '../../scripts/local/stack/postgres-server.ts';
import { anonKey, serviceRoleKey } from '../helpers/api.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';

interface Received { method: string; path: string; contentType: string; body: { text: string; alerts: Record<string, unknown>[] } }

/** The webhook's receiver: records each request and answers as `mode` says. */
async function startReceiver() {
  const received: Received[] = [];
  let mode: 'ok' | 'error' | 'hang' = 'ok';
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => {
      received.push({ method: req.method!, path: req.url!, contentType: String(req.headers['content-type']), body: JSON.parse(data) });
      if (mode === 'hang') return;
      res.writeHead(mode === 'ok' ? 200 : 500, { 'Content-Type': 'text/plain' }).end(mode === 'ok' ? 'ok' : 'internal_error');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    received, port,
    url: `http://127.0.0.1:${port}/services/T000/B000/secret-token`,
    set: (m: typeof mode) => { mode = m; },
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); },
  };
}

async function dailyRun(sql: Sql, status: 'failed' | 'succeeded', minutesAgo: number) {
  const [r] = await sql`insert into private.job_runs (job, trigger, status, started_at, finished_at)
    values ('daily', 'test', ${status}, now() - make_interval(mins => ${minutesAgo}), now() - make_interval(mins => ${minutesAgo})) returning id`;
  await sql`insert into private.job_run_steps (run_id, step, status, started_at, finished_at, error)
    values (${r.id}, 'rag_metrics_yesterday', ${status}, now() - make_interval(mins => ${minutesAgo}), now() - make_interval(mins => ${minutesAgo}),
            ${status === 'failed' ? 'no SLO targets' : null})`;
}

describe('refresh-views monitor step and the alert webhook', () => {
  it('posts opened and resolved alerts once, fails only its own step when delivery fails, and delivers them on the next run', async () => {
    const receiver = await startReceiver();
    try {
      await withScratchDatabase('monitor_webhook', { migrate: true, seed: true }, async (db) => {
        const sql = db.open(2);
        // Connections are counted server-wide (other test files share the cluster): not this test's business.
        await sql`update private.alert_rules set enabled = false where alert_key = 'connections'`;
        const root = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-platform-monitor-'));
        const envFile = path.join(root, 'functions.env');
        fs.writeFileSync(envFile, `ALERT_WEBHOOK_URL=${receiver.url}\nALERT_WEBHOOK_TIMEOUT_MS=1000\n`);
        const port = await freePort();
        const host = new URL(db.url).host;
        const gateway = new Gateway({
          host: '127.0.0.1', port, apiUrl: `http://127.0.0.1:${port}`, jwtSecret: process.env.TEST_JWT_SECRET!,
          anonKey: anonKey(), serviceRoleKey: serviceRoleKey(), dbUrl: db.url,
          storageDbUrl: `postgresql://supabase_storage_admin:postgres@${host}/${new URL(db.url).pathname.slice(1)}`,
          storageRoot: root, logFile: path.join(root, 'gateway.log'), envFile, schedules: false,
        });
        await gateway.start();
        const call = async (job: string) => {
          const res = await fetch(`${gateway.url}/functions/v1/refresh-views`, {
            method: 'POST', headers: { Authorization: `Bearer ${serviceRoleKey()}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ job }),
          });
          assert.equal(res.status, 200);
          return await res.json() as { status: string; run_id: string; steps: { step: string; status: string; rows: number | null; error: string | null }[] };
        };
        const openEvents = async () => (await sql`select alert_key, subject from private.alert_events where resolved_at is null order by alert_key, subject`).map((e) => ({ ...e }));
        try {
          await dailyRun(sql, 'failed', 30);
          const first = await call('monitor');
          assert.deepEqual([first.status, first.steps.map((s) => [s.step, s.status, s.rows])], ['succeeded', [['monitor', 'succeeded', 1]]]);
          assert.equal(receiver.received.length, 1);
          const [opened] = receiver.received;
          assert.deepEqual([opened.method, opened.path, opened.contentType], ['POST', '/services/T000/B000/secret-token', 'application/json']);
          assert.match(opened.body.text, /^\[127\.0\.0\.1:\d+\] 1 alert\(s\) opened \(1 critical\), 0 resolved\nCRITICAL job_failed · daily-rag-metrics: the latest daily run .*no SLO targets/);
          assert.deepEqual(opened.body.alerts.map(({ opened_at, detail, ...rest }) => ({ ...rest, opened: typeof opened_at, detail: typeof detail })), [{
            change: 'opened', alert_key: 'job_failed', severity: 'critical', subject: 'daily-rag-metrics', value: 1, threshold: null,
            resolved_at: null, opened: 'string', detail: 'string',
          }]);
          const [{ days }] = await sql`select count(*)::int as days from private.table_size_snapshots where day = (now() at time zone 'UTC')::date`;
          assert.ok(days > 10, 'the day\'s table sizes are recorded');

          const quiet = await call('monitor');
          assert.deepEqual(quiet.steps.map((s) => [s.status, s.rows]), [['succeeded', 0]]);
          assert.equal(receiver.received.length, 1, 'an alert still firing is not posted again');

          await dailyRun(sql, 'succeeded', 20);
          await call('monitor');
          assert.equal(receiver.received.length, 2);
          assert.deepEqual(receiver.received[1].body.alerts.map((a) => [a.change, a.alert_key, a.subject, typeof a.resolved_at]),
            [['resolved', 'job_failed', 'daily-rag-metrics', 'string']]);
          assert.match(receiver.received[1].body.text, /0 alert\(s\) opened, 1 resolved\nRESOLVED job_failed · daily-rag-metrics \(open since /);

          // The receiver fails: the monitor step fails and says why (its host, never the secret URL); the other steps run.
          receiver.set('error');
          await dailyRun(sql, 'failed', 10);
          const all = await call('all');
          assert.equal(all.status, 'partial');
          const monitor = all.steps.find((s) => s.step === 'monitor')!;
          assert.equal(monitor.status, 'failed');
          assert.match(monitor.error!, /^alert webhook 127\.0\.0\.1:\d+ answered HTTP 500$/);
          assert.deepEqual(all.steps.filter((s) => s.status === 'failed').map((s) => s.step), ['monitor'], 'refresh, metrics and vacuum still ran');
          const [logged] = await sql`select status::text, error from private.job_run_steps where run_id = ${all.run_id} and step = 'monitor'`;
          assert.deepEqual({ ...logged }, { status: 'failed', error: monitor.error });
          assert.deepEqual(await openEvents(), [], 'the undelivered alert was not recorded as open');

          receiver.set('ok');
          await call('monitor');
          assert.equal(receiver.received.length, 4);
          assert.deepEqual(receiver.received[3].body.alerts.map((a) => [a.change, a.subject]), [['opened', 'daily-rag-metrics']], 'delivered on the next run');
          assert.deepEqual((await openEvents()).map((e) => e.subject), ['daily-rag-metrics']);

          // A receiver that never answers is given up after ALERT_WEBHOOK_TIMEOUT_MS (1 s here).
          receiver.set('hang');
          await dailyRun(sql, 'succeeded', 5);
          const hung = await call('monitor');
          assert.equal(hung.status, 'failed');
          assert.match(hung.steps[0].error!, /^alert webhook 127\.0\.0\.1:\d+: no answer within 1000 ms$/);
          assert.deepEqual((await openEvents()).map((e) => e.subject), ['daily-rag-metrics'], 'still open until the resolution is delivered');

          // The monitor has a lock of its own: a refresh in progress does not make it skip; another monitor does.
          receiver.set('ok');
          const holder = db.open(1);
          await holder.begin(async (tx) => {
            await tx`select pg_advisory_xact_lock(hashtext('assistant-platform:refresh-views'))`;
            assert.equal((await call('monitor')).status, 'succeeded');
          });
          assert.deepEqual(receiver.received.at(-1)!.body.alerts.map((a) => [a.change, a.alert_key, a.subject]),
            [['opened', 'job_failed', 'monitor'], ['resolved', 'job_failed', 'daily-rag-metrics']], 'the resolution, and that the last monitor run failed');
          await holder.begin(async (tx) => {
            await tx`select pg_advisory_xact_lock(hashtext('assistant-platform:refresh-views:monitor'))`;
            assert.equal((await call('monitor')).status, 'skipped');
          });
        } finally {
          await gateway.stop();
          fs.rmSync(root, { recursive: true, force: true });
        }
      });
    } finally {
      await receiver.close();
    }
  });
});
