/**
 * The alert log: private.sync_alert_events() opens one event per new firing, refreshes the open
 * ones still firing, resolves the others and returns what opened or resolved; a rolled-back call
 * leaves no trace (so an undelivered change is reported again); overlapping calls open an alert
 * once. On a scratch database of its own (these calls commit), called as service_role; the fault is
 * a failed run of the daily job, with its times set explicitly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Sql } from 'postgres';
import { withScratchDatabase } from '../helpers/scratch-database.ts';

interface Change { change: string; alert_key: string; severity: string; subject: string; detail: string; opened_at: Date; resolved_at: Date | null }

const sync = (sql: Sql) => sql.begin(async (tx) => {
  await tx`set local role service_role`;
  return [...await tx`select change, alert_key, severity::text as severity, subject, detail, opened_at, resolved_at from private.sync_alert_events()`] as Change[];
});

/** A finished daily run minutesAgo: failed (with its error) or succeeded. */
async function dailyRun(sql: Sql, status: 'failed' | 'succeeded', minutesAgo: number, error = 'no SLO targets') {
  const [r] = await sql`insert into private.job_runs (job, trigger, status, started_at, finished_at)
    values ('daily', 'test', ${status}, now() - make_interval(mins => ${minutesAgo}), now() - make_interval(mins => ${minutesAgo}))
    returning id`;
  await sql`insert into private.job_run_steps (run_id, step, status, started_at, finished_at, error)
    values (${r.id}, 'rag_metrics_yesterday', ${status}, now() - make_interval(mins => ${minutesAgo}), now() - make_interval(mins => ${minutesAgo}),
            ${status === 'failed' ? error : null})`;
}

const events = (sql: Sql) => sql`select alert_key, subject, severity::text as severity, detail, opened_at, last_seen_at, resolved_at
  from private.alert_events where alert_key = 'job_failed' order by opened_at, id`;

describe('alert log (private.sync_alert_events)', () => {
  it('opens, refreshes and resolves events, reports only what changed, and rolls back with its caller', async (t) => {
    await withScratchDatabase('monitoring_events', { migrate: true, seed: true }, async (db) => {
      const sql = db.open(3);
      // Connections are counted server-wide (other test files share the cluster): not this file's business.
      await sql`update private.alert_rules set enabled = false where alert_key = 'connections'`;

      await t.test('nothing firing: nothing opened, nothing written', async () => {
        assert.deepEqual(await sync(sql), []);
        assert.equal((await events(sql)).length, 0);
      });

      await t.test('a new firing opens one event and is returned as opened', async () => {
        await dailyRun(sql, 'failed', 30);
        const changes = await sync(sql);
        assert.deepEqual(changes.map((c) => [c.change, c.alert_key, c.severity, c.subject, c.resolved_at]),
          [['opened', 'job_failed', 'critical', 'daily-rag-metrics', null]]);
        assert.match(changes[0].detail, /no SLO targets/);
        const [event] = await events(sql);
        assert.deepEqual([event.subject, event.resolved_at], ['daily-rag-metrics', null]);
        assert.equal(event.opened_at.getTime(), changes[0].opened_at.getTime());
      });

      await t.test('still firing: not returned again; last_seen_at, value and detail refreshed, opened_at kept', async () => {
        await sql`update private.alert_events set opened_at = now() - interval '1 hour', last_seen_at = now() - interval '1 hour' where resolved_at is null`;
        await dailyRun(sql, 'failed', 20, 'no SLO targets (second attempt)');
        assert.deepEqual(await sync(sql), []);
        const [event] = await events(sql);
        assert.ok(event.last_seen_at.getTime() > event.opened_at.getTime() + 3_000_000, 'last seen now, opened an hour ago');
        assert.match(event.detail, /second attempt/);
        assert.equal((await events(sql)).length, 1, 'still one event');
      });

      await t.test('a caller that rolls back (an undelivered webhook) leaves the change to be reported again', async () => {
        await dailyRun(sql, 'succeeded', 10);
        await assert.rejects(sql.begin(async (tx) => {
          await tx`set local role service_role`;
          const rows = await tx`select change from private.sync_alert_events()`;
          assert.deepEqual(rows.map((r) => r.change), ['resolved']);
          throw new Error('delivery failed');
        }), /delivery failed/);
        assert.equal((await events(sql))[0].resolved_at, null, 'still open after the rollback');
      });

      await t.test('no longer firing: resolved once, then nothing; a new firing opens a new event', async () => {
        const changes = await sync(sql);
        assert.deepEqual(changes.map((c) => [c.change, c.alert_key, c.subject]), [['resolved', 'job_failed', 'daily-rag-metrics']]);
        assert.ok(changes[0].resolved_at instanceof Date);
        assert.deepEqual(await sync(sql), []);
        await dailyRun(sql, 'failed', 5);
        assert.deepEqual((await sync(sql)).map((c) => c.change), ['opened']);
        const all = await events(sql);
        assert.deepEqual(all.map((e) => e.resolved_at === null), [false, true], 'the old event stays resolved beside the new one');
      });

      await t.test('overlapping calls open a new alert exactly once', async () => {
        await dailyRun(sql, 'succeeded', 4);
        await sync(sql);
        await dailyRun(sql, 'failed', 3);
        const results = await Promise.all([sync(sql), sync(sql), sync(sql)]);
        assert.deepEqual(results.map((r) => r.filter((c) => c.alert_key === 'job_failed').length).sort(), [0, 0, 1]);
        assert.equal((await events(sql)).filter((e) => e.resolved_at === null).length, 1);
      });
    });
  });
});
