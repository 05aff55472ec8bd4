/** The schedules, declared once in private.job_schedules, and their pg_cron side. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, asOwner, asUser, sqlError } from '../helpers/db.ts';
import { USER } from '../helpers/seed-ids.ts';

describe('job schedules', () => {
  it('default to summaries every 15 minutes, metrics at 00:10 UTC, weekly maintenance and the monitor every 5 minutes', async () => {
    const rows = await asOwner((tx) => tx`select name, schedule, function_name, body, enabled from private.job_schedules order by name`);
    assert.deepEqual(rows.map((r) => [r.name, r.schedule, r.function_name, r.body.job, r.enabled]), [
      ['daily-rag-metrics', '10 0 * * *', 'refresh-views', 'daily', true],
      ['monitor', '*/5 * * * *', 'refresh-views', 'monitor', true],
      ['refresh-summaries', '*/15 * * * *', 'refresh-views', 'refresh', true],
      ['weekly-maintenance', '0 3 * * 0', 'refresh-views', 'maintenance', true],
    ]);
  });

  it('are applied to pg_cron only where pg_cron, pg_net and Vault all exist: here the call is a no-op that says so', async () => {
    // The 15 lane has pg_cron (no pg_net, no Vault); tests/db/pg-cron.test.ts adds stand-ins for those.
    const [row] = await asOwner((tx) => tx`select private.apply_job_schedules() as msg, to_regnamespace('cron') is null as no_cron`);
    assert.equal(row.no_cron, process.env.TEST_PG_CRON !== '1');
    assert.match(row.msg, /not available here: nothing scheduled/);
    if (!row.no_cron) {
      const [jobs] = await asOwner((tx) => tx`select count(*)::int as n from cron.job`);
      assert.equal(jobs.n, 0, 'nothing scheduled by the migrations');
    }
  });

  it('refuse bad cron expressions, and are out of reach of clients', async () => {
    await asOwner(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`insert into private.job_schedules (name, schedule, function_name) values ('bad', 'every minute', 'refresh-views')`)).code, '23514');
    });
    await asUser(USER.alice, async (tx) => assert.equal((await sqlError(tx, (sp) => sp`select * from private.job_runs`)).code, '42501'));
    await asAnon(async (tx) => assert.equal((await sqlError(tx, (sp) => sp`select private.apply_job_schedules()`)).code, '42501'));
  });
});
