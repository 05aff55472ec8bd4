/**
 * refresh-views (service_role only) through the gateway: the run summary and job log, refusals,
 * overlapping runs, a failing step, and the local schedule firing it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FunctionsHttpError } from '@supabase/supabase-js';
import { Gateway } from '../../scripts/local/stack/gateway-process.ts';
import { freePort } from '../../scripts/local/stack/postgres-server.ts';
import { anonKey, apiUrl, client, serviceClient, serviceRoleKey, userToken } from '../helpers/api.ts';
import { connect, dbUrl, superuserUrl } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { USER } from '../helpers/seed-ids.ts';

const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

async function statusOf(promise: Promise<{ error: unknown }>): Promise<number> {
  const { error } = await promise;
  return error instanceof FunctionsHttpError ? (error.context as Response).status : 200;
}

/**
 * One run of a job, waiting out the runs other test files start meanwhile (the harness runs two
 * files at once and any service_role call may hold the one-run-at-a-time lock for a moment).
 */
async function runToCompletion(body: Record<string, unknown>) {
  for (let attempt = 0; ; attempt++) {
    const result = await serviceClient().functions.invoke('refresh-views', { body });
    if (result.error || result.data.status !== 'skipped' || attempt >= 100) return result;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('refresh-views', () => {
  it('refreshes, computes yesterday\'s metrics, vacuums, prunes the logs, monitors, and logs the run and each step', async () => {
    const { data, error } = await runToCompletion({ job: 'all', include_today: true });
    assert.equal(error, null);
    assert.equal(data.status, 'succeeded', JSON.stringify(data.steps));
    assert.deepEqual(data.steps.map((s: { step: string }) => s.step),
      ['refresh_summaries', 'upload_pending_responses', 'rag_metrics_yesterday', 'rag_metrics_today', 'vacuum_analyze', 'prune_logs', 'monitor']);
    for (const s of data.steps) assert.equal(s.status, 'succeeded', `${s.step}: ${s.error}`);
    const admin = connect(superuserUrl());
    const [run] = await admin`select job, trigger, status, duration_ms, finished_at is not null as finished from private.job_runs where id = ${data.run_id}`;
    assert.deepEqual({ ...run, duration_ms: typeof run.duration_ms }, { job: 'all', trigger: 'manual', status: 'succeeded', duration_ms: 'number', finished: true });
    const steps = await admin`select step, status, rows, duration_ms >= 0 as timed from private.job_run_steps where run_id = ${data.run_id} order by started_at`;
    assert.equal(steps.length, data.steps.length, "every step logged");
    assert.ok(steps.every((s) => s.status === 'succeeded' && s.timed));
    const [platform] = await admin`select count(*)::int as n from public.rag_metrics_history where date = ${yesterday()} and tenant_id is null`;
    assert.equal(platform.n, 1, "yesterday's platform row");
  });

  it('refuses every caller but service_role with 403 (user JWT, anon key) and no token with 401', async () => {
    assert.equal(await statusOf(client(await userToken(USER.alice)).functions.invoke('refresh-views', { body: {} })), 403);
    assert.equal(await statusOf(client().functions.invoke('refresh-views', { body: {} })), 403);
    const res = await fetch(`${apiUrl()}/functions/v1/refresh-views`, { method: 'POST' });
    assert.equal(res.status, 401);
    const bad = await serviceClient().functions.invoke('refresh-views', { body: { job: 'everything' } });
    assert.equal(((bad.error as FunctionsHttpError).context as Response).status, 422);
  });

  it('answers "skipped" while another run holds the lock, and never deadlocks when two overlap', async () => {
    const holder = connect(dbUrl());
    await holder.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('assistant-platform:refresh-views'))`;
      const { data } = await serviceClient().functions.invoke('refresh-views', { body: { job: 'refresh' } });
      assert.equal(data.status, 'skipped');
    });
    const both = await Promise.all([0, 1].map(() => serviceClient().functions.invoke('refresh-views', { body: { job: 'refresh' } })));
    const statuses = both.map((r) => r.data.status).sort();
    assert.ok(statuses.includes('succeeded'), statuses.join(','));
    assert.ok(statuses.every((s) => s === 'succeeded' || s === 'skipped'), statuses.join(','));
    const [skipped] = await connect(superuserUrl())`select count(*)::int as n from private.job_runs where status = 'skipped'`;
    assert.ok(skipped.n >= 1, 'skipped runs are logged too');
  });

  it('logs a failing step and still runs the others; the local schedule fires the function', async () => {
    await withScratchDatabase('refresh_views', { migrate: true, seed: true }, async (db) => {
      const sql = db.open();
      // A real failure: without SLO targets calculate_rag_metrics refuses to compute.
      await sql`delete from public.rag_slo_targets`;
      // Every second, for the test; the other schedules off.
      await sql`update private.job_schedules set enabled = false`;
      await sql`insert into private.job_schedules (name, schedule, function_name, body) values ('test-every-second', '* * * * * *', 'refresh-views', '{"job": "refresh"}')`;
      const port = await freePort();
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-platform-refresh-'));
      const host = new URL(db.url).host;
      const gateway = new Gateway({
        host: '127.0.0.1', port, apiUrl: `http://127.0.0.1:${port}`, jwtSecret: process.env.TEST_JWT_SECRET!,
        anonKey: anonKey(), serviceRoleKey: serviceRoleKey(), dbUrl: db.url,
        storageDbUrl: `postgresql://supabase_storage_admin:postgres@${host}/${new URL(db.url).pathname.slice(1)}`,
        storageRoot: root, logFile: path.join(root, 'gateway.log'),
      });
      await gateway.start();
      try {
        const res = await fetch(`${gateway.url}/functions/v1/refresh-views`, {
          method: 'POST', headers: { Authorization: `Bearer ${serviceRoleKey()}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ job: 'all' }),
        });
        const summary = await res.json();
        assert.equal(summary.status, 'partial');
        const failed = summary.steps.filter((s: { status: string }) => s.status === 'failed');
        assert.deepEqual(failed.map((s: { step: string }) => s.step), ['rag_metrics_yesterday']);
        assert.match(failed[0].error, /no SLO targets/);
        assert.equal(summary.steps.find((s: { step: string }) => s.step === 'vacuum_analyze').status, 'succeeded', 'later steps still ran');
        const [logged] = await sql`select error from private.job_run_steps where run_id = ${summary.run_id} and status = 'failed'`;
        assert.match(logged.error, /no SLO targets/);

        const deadline = Date.now() + 10_000;
        let scheduled = 0;
        while (Date.now() < deadline && scheduled === 0) {
          await new Promise((r) => setTimeout(r, 250));
          [{ n: scheduled }] = await sql`select count(*)::int as n from private.job_runs where trigger = 'local-schedule' and status in ('succeeded', 'skipped')`;
        }
        assert.ok(scheduled >= 1, `the schedule did not fire; gateway log:\n${fs.readFileSync(path.join(root, 'gateway.log'), 'utf8').slice(-2000)}`);
      } finally {
        await gateway.stop();
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  });
});
