/**
 * Retention of the operational logs (20261201200100, the maintenance job's prune_logs step):
 * private.prune_operational_logs() deletes job runs finished over 90 days ago (steps with them) but
 * the newest run of each job, alert events resolved over 90 days ago (never open ones), and
 * table-size snapshots over 400 days old; nothing else. service_role only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scenario, type Tx } from '../helpers/db.ts';

const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
const run = async (owner: Tx, job: string, finishedDaysAgo: number | null, startedDaysAgo = finishedDaysAgo ?? 200) => {
  const [r] = await owner`insert into private.job_runs (job, trigger, status, started_at, finished_at)
    values (${job}, 'prune-test', ${finishedDaysAgo === null ? 'running' : 'succeeded'}, ${ago(startedDaysAgo)}, ${finishedDaysAgo === null ? null : ago(finishedDaysAgo)})
    returning id`;
  await owner`insert into private.job_run_steps (run_id, step, status) values (${r.id}, 'vacuum_analyze', 'succeeded')`;
  return r.id as string;
};
const event = (owner: Tx, subject: string, openedDaysAgo: number, resolvedDaysAgo: number | null) => owner`
  insert into private.alert_events (alert_key, subject, severity, detail, opened_at, last_seen_at, resolved_at)
  values ('connections', ${subject}, 'warning', 'prune test', ${ago(openedDaysAgo)}, ${ago(resolvedDaysAgo ?? openedDaysAgo)},
          ${resolvedDaysAgo === null ? null : ago(resolvedDaysAgo)})`;

describe('private.prune_operational_logs', () => {
  it('deletes only what is past its window, keeps each job\'s newest run and every open alert, and counts what it deleted', async () => {
    await scenario(async (s) => {
      const o = s.owner;
      const oldA1 = await run(o, 'prune-test-a', 120);
      const oldA2 = await run(o, 'prune-test-a', 100);
      const newestA = await run(o, 'prune-test-a', 95); // past the window, but job a's newest run
      const oldB = await run(o, 'prune-test-b', 91);
      const recentB = await run(o, 'prune-test-b', 1);
      const runningB = await run(o, 'prune-test-c', null, 150); // never finished: kept
      await run(o, 'prune-test-c', 2);
      await event(o, 'prune:old', 200, 91);
      await event(o, 'prune:recent', 200, 10);
      await event(o, 'prune:open', 200, null);
      const today = (await o`select (now() at time zone 'UTC')::date as d`)[0].d as Date;
      const day = (back: number) => new Date(today.getTime() - back * 86_400_000).toISOString().slice(0, 10);
      for (const back of [401, 399]) {
        await o`insert into private.table_size_snapshots (day, table_name, total_bytes, table_bytes, index_bytes, row_estimate)
                values (${day(back)}, 'public.prune_test', 1, 1, 0, 0)`;
      }

      const counts = await s.as('service_role', (tx) => tx`select log, deleted from private.prune_operational_logs()`);
      const deleted = Object.fromEntries(counts.map((r) => [r.log, Number(r.deleted)]));
      assert.deepEqual(Object.keys(deleted), ['job_runs', 'alert_events', 'table_size_snapshots']);
      assert.ok(deleted.job_runs >= 3 && deleted.alert_events >= 1 && deleted.table_size_snapshots >= 1, JSON.stringify(deleted));

      const runs = await o`select id from private.job_runs where trigger = 'prune-test'`;
      assert.ok(!runs.some((r) => [oldA1, oldA2, oldB].includes(r.id)), 'the old runs are gone');
      assert.ok([newestA, recentB, runningB].every((id) => runs.some((r) => r.id === id)), 'the newest, recent and running ones stay');
      const [steps] = await o`select count(*)::int as n from private.job_run_steps where run_id in ${o([oldA1, oldA2, oldB])}`;
      assert.equal(steps.n, 0, 'their steps went with them');
      const events = await o`select subject from private.alert_events where subject like 'prune:%' order by 1`;
      assert.deepEqual(events.map((r) => r.subject), ['prune:open', 'prune:recent']);
      const snapshots = await o`select day::text from private.table_size_snapshots where table_name = 'public.prune_test'`;
      assert.deepEqual(snapshots.map((r) => r.day), [day(399)]);
    });
  });

  it('is for service_role only', async () => {
    await scenario(async (s) => {
      for (const actor of ['anon', { user: '20000000-0000-4000-8000-000000000001' }] as const) {
        assert.equal((await s.errorAs(actor, (tx) => tx`select * from private.prune_operational_logs()`)).code, '42501');
      }
    });
  });
});
