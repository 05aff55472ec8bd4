/**
 * private.apply_job_schedules against real pg_cron (the PostgreSQL 15 lane, Debian's
 * postgresql-15-cron). pg_net and Vault are not packaged for Debian, so a test-only schema,
 * test_pg_net_vault_standin, records what net.http_post is called with and holds the two Vault
 * secrets; `net.http_post` and `vault.decrypted_secrets` are thin shims over it, created in the
 * test's transaction only (never in migrations) and rolled back with it. The jobs' commands are
 * run here as the job's user, as pg_cron would run them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, superuserUrl, type Tx } from '../helpers/db.ts';

const hasCron = process.env.TEST_PG_CRON === '1';
const skip = hasCron ? false : `pg_cron is not loaded on this lane (PostgreSQL ${process.env.TEST_PG_VERSION ?? '?'}); it runs on the PostgreSQL 15 lane`;

const PROJECT_URL = 'https://standin-ref.supabase.co';
const SERVICE_KEY = 'standin-service-role-key';

const STANDIN = `
  create schema test_pg_net_vault_standin;
  comment on schema test_pg_net_vault_standin is 'TEST ONLY (tests/db/pg-cron.test.ts): records net.http_post calls and holds Vault secrets; never created by migrations.';
  create table test_pg_net_vault_standin.http_calls (
    id bigint generated always as identity primary key, url text, body jsonb, params jsonb, headers jsonb,
    timeout_milliseconds integer, called_by name not null default current_user);
  create table test_pg_net_vault_standin.secrets (name text primary key, decrypted_secret text not null);
  insert into test_pg_net_vault_standin.secrets values ('project_url', '${PROJECT_URL}'), ('service_role_key', '${SERVICE_KEY}');
  create schema net;
  create function net.http_post(url text, body jsonb default '{}'::jsonb, params jsonb default '{}'::jsonb,
      headers jsonb default '{"Content-Type": "application/json"}'::jsonb, timeout_milliseconds integer default 5000)
    returns bigint language sql as $$
      insert into test_pg_net_vault_standin.http_calls (url, body, params, headers, timeout_milliseconds)
      values (http_post.url, http_post.body, http_post.params, http_post.headers, http_post.timeout_milliseconds) returning id $$;
  create schema vault;
  create view vault.decrypted_secrets as select name, decrypted_secret from test_pg_net_vault_standin.secrets;
  grant usage on schema test_pg_net_vault_standin, net, vault to postgres;
  grant select, insert on test_pg_net_vault_standin.http_calls to postgres;
  grant select on vault.decrypted_secrets to postgres;`;

class Rollback extends Error {}

/** fn as `postgres` in one transaction with the stand-ins, rolled back afterwards. */
async function withStandIns(fn: (tx: Tx) => Promise<void>): Promise<void> {
  try {
    await connect(superuserUrl()).begin(async (tx) => {
      await tx.unsafe(STANDIN);
      await tx`set local role postgres`;
      await fn(tx);
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
}

/** Each test is reported as skipped (not passed) on a lane without pg_cron. */
const itWithCron = (name: string, fn: () => Promise<void>) => it(name, { skip }, fn);

const apply = async (tx: Tx) => ((await tx`select private.apply_job_schedules() as msg`)[0].msg as string);
const jobs = (tx: Tx) => tx`select jobid::text, jobname, schedule, command, username, database, active from cron.job order by jobname`;

describe('pg_cron: private.apply_job_schedules', () => {
  itWithCron('makes every enabled schedule exactly one cron job with its schedule; applying again changes nothing', async () => {
    await withStandIns(async (tx) => {
      const schedules = await tx`select name, schedule from private.job_schedules where enabled order by name`;
      assert.equal(schedules.length, 4);
      assert.equal(await apply(tx), '4 job(s) scheduled with pg_cron, 0 unscheduled');
      const first = await jobs(tx);
      assert.deepEqual(first.map((j) => [j.jobname, j.schedule]), schedules.map((s) => [s.name, s.schedule]));
      for (const j of first) {
        assert.equal(j.username, 'postgres');
        assert.equal(j.database, 'postgres');
        assert.equal(j.active, true);
        assert.match(j.command, new RegExp(`^/\\* private\\.job_schedules: ${j.jobname} \\*/ select net\\.http_post\\(`));
        assert.doesNotMatch(j.command, new RegExp(SERVICE_KEY), 'no secret written into the job');
      }
      assert.equal(await apply(tx), '4 job(s) scheduled with pg_cron, 0 unscheduled');
      assert.deepEqual(await jobs(tx), first, 'same jobs, ids, schedules and commands');
    });
  });

  itWithCron('gives each job a command that, run as its user, posts to its function with the URL and key from Vault', async () => {
    await withStandIns(async (tx) => {
      await apply(tx);
      const expected = Object.fromEntries((await tx`select name, function_name, body from private.job_schedules`).map((s) => [s.name, s]));
      for (const j of await jobs(tx)) {
        await tx.unsafe(`set local role ${j.username}`);
        const [row] = await tx.unsafe(j.command);
        assert.ok(Number(row.http_post) > 0, 'returns the request id');
      }
      const calls = await tx`select url, body, params, headers, timeout_milliseconds, called_by from test_pg_net_vault_standin.http_calls order by id`;
      const names = Object.keys(expected).sort();
      assert.equal(calls.length, names.length, 'one call per job');
      calls.forEach((call, i) => {
        const s = expected[names[i]];
        assert.equal(call.url, `${PROJECT_URL}/functions/v1/${s.function_name}`);
        assert.deepEqual(call.headers, { 'Content-Type': 'application/json', Authorization: `Bearer ${SERVICE_KEY}` });
        assert.deepEqual(call.body, { ...s.body, trigger: 'cron' });
        assert.deepEqual(call.params, {});
        assert.equal(call.timeout_milliseconds, 60000);
        assert.equal(call.called_by, 'postgres');
      });
      assert.deepEqual(calls.map((c) => c.body.job).sort(), ['daily', 'maintenance', 'monitor', 'refresh']);
    });
  });

  itWithCron('unschedules a disabled or deleted schedule, updates a changed one in place, and leaves other jobs alone', async () => {
    await withStandIns(async (tx) => {
      await apply(tx);
      const before = Object.fromEntries((await jobs(tx)).map((j) => [j.jobname, j]));
      await tx`select cron.schedule('someone-elses-job', '0 1 * * *', 'select 1')`;
      await tx`update private.job_schedules set enabled = false where name = 'weekly-maintenance'`;
      await tx`delete from private.job_schedules where name = 'daily-rag-metrics'`;
      await tx`update private.job_schedules set schedule = '*/5 * * * *' where name = 'refresh-summaries'`;
      await tx`insert into private.job_schedules (name, schedule, function_name) values ('local-only', '*/10 * * * * *', 'refresh-views')`;
      assert.equal(await apply(tx), '2 job(s) scheduled with pg_cron, 2 unscheduled');
      const after = await jobs(tx);
      assert.deepEqual(after.map((j) => [j.jobname, j.schedule]), [['monitor', '*/5 * * * *'], ['refresh-summaries', '*/5 * * * *'], ['someone-elses-job', '0 1 * * *']]);
      assert.equal(after[1].jobid, before['refresh-summaries'].jobid, 'the changed schedule keeps its job');
      assert.equal(after[1].command, before['refresh-summaries'].command);
      await tx`update private.job_schedules set enabled = true where name = 'weekly-maintenance'`;
      assert.equal(await apply(tx), '3 job(s) scheduled with pg_cron, 0 unscheduled');
      assert.deepEqual((await jobs(tx)).map((j) => j.jobname), ['monitor', 'refresh-summaries', 'someone-elses-job', 'weekly-maintenance']);
    });
  });

  itWithCron('also unschedules a removed schedule\'s job in the shape the first version of the function wrote', async () => {
    await withStandIns(async (tx) => {
      // What 20261121190000's apply_job_schedules scheduled (no marker comment).
      await tx`select cron.schedule('retired-job', '0 4 * * *', ${"select net.http_post(\n            url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/refresh-views',\n            body := '{}'::jsonb)"})`;
      assert.equal(await apply(tx), '4 job(s) scheduled with pg_cron, 1 unscheduled');
      assert.equal((await jobs(tx)).some((j) => j.jobname === 'retired-job'), false);
    });
  });
});
