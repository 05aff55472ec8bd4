/**
 * The summaries: get_message_feedback_summary computed live from feedback; the private
 * materialized views (monthly usage, and the per-message feedback snapshot for reporting) reached
 * only through tenant-filtered RPCs that say when they were refreshed, and
 * private.refresh_summaries() refreshing them concurrently and recording when.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, asOwner, asServiceRole, asUser, connect, dbUrl, scenario, sqlError } from '../helpers/db.ts';
import { message, TENANT, USER } from '../helpers/seed-ids.ts';

const MATVIEWS = ['private.message_feedback_summary', 'private.monthly_usage_summary'];

describe('summary materialized views', () => {
  it('are not selectable by anon or authenticated, directly or through the Data API', async () => {
    for (const mv of MATVIEWS) {
      await asAnon(async (tx) => assert.equal((await sqlError(tx, (sp) => sp.unsafe(`select * from ${mv}`))).code, '42501', mv));
      await asUser(USER.alice, async (tx) => assert.equal((await sqlError(tx, (sp) => sp.unsafe(`select * from ${mv}`))).code, '42501', mv));
    }
    const [row] = await asServiceRole((tx) => tx`
      select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'm' and n.nspname <> 'private'`);
    assert.equal(row.n, 0, 'no materialized view outside the private schema');
  });

  it('have unique indexes on plain columns, as REFRESH CONCURRENTLY requires', async () => {
    const rows = await asServiceRole((tx) => tx`
      select c.relname, i.indkey::text as cols from pg_index i join pg_class c on c.oid = i.indrelid
      where i.indisunique and c.relnamespace = 'private'::regnamespace and c.relkind = 'm' and i.indpred is null and i.indexprs is null
      order by 1`);
    assert.deepEqual(rows.map((r) => r.relname), ['message_feedback_summary', 'monthly_usage_summary']);
  });
});

describe('get_message_feedback_summary', () => {
  it("answers counts for the caller's tenant only, even when asked about other tenants' messages", async () => {
    const rows = await asUser(USER.bob, (tx) => tx`select * from get_message_feedback_summary(${[message(1, 2), message(2, 2), message(4, 2)]}::uuid[])`);
    assert.deepEqual(rows.map((r) => [r.message_id, r.up_count, r.down_count, r.feedback_count, r.average_rating]), [
      [message(1, 2), 1, 0, 1, '1.0000'],
      [message(2, 2), 0, 1, 1, '-1.0000'],
    ]);
    const stranger = await asUser(USER.erin, (tx) => tx`select * from get_message_feedback_summary(${[message(1, 2)]}::uuid[])`);
    assert.equal(stranger.length, 0);
  });

  it('is live: a rating given, changed or withdrawn counts at once, with no refresh', async () => {
    await scenario(async (s) => {
      const summary = async (user: string) => (await s.as({ user }, (tx) => tx`
        select up_count, down_count, feedback_count, average_rating from get_message_feedback_summary(${[message(1, 2)]}::uuid[])`))
        .map((r) => ({ ...r }));
      const [refreshed] = await s.owner`select refreshed_at from private.summary_refreshes where summary = 'message_feedback_summary'`;
      assert.deepEqual(await summary(USER.bob), [{ up_count: 1, down_count: 0, feedback_count: 1, average_rating: '1.0000' }], 'the seed: alice +1');
      await s.as({ user: USER.bob }, (tx) => tx`insert into public.feedback (message_id, rating) values (${message(1, 2)}, -1)`);
      assert.deepEqual(await summary(USER.alice), [{ up_count: 1, down_count: 1, feedback_count: 2, average_rating: '0.0000' }]);
      await s.as({ user: USER.bob }, (tx) => tx`update public.feedback set rating = 1 where message_id = ${message(1, 2)} and user_id = ${USER.bob}`);
      assert.deepEqual(await summary(USER.alice), [{ up_count: 2, down_count: 0, feedback_count: 2, average_rating: '1.0000' }]);
      await s.as({ user: USER.bob }, (tx) => tx`delete from public.feedback where message_id = ${message(1, 2)} and user_id = ${USER.bob}`);
      assert.deepEqual(await summary(USER.bob), [{ up_count: 1, down_count: 0, feedback_count: 1, average_rating: '1.0000' }], 'withdrawn: gone at once');
      await s.as({ user: USER.alice }, (tx) => tx`delete from public.feedback where message_id = ${message(1, 2)} and user_id = ${USER.alice}`);
      assert.deepEqual(await summary(USER.bob), [], 'no feedback left: no row');
      // Nothing was refreshed: the materialized snapshot still has the seed's row.
      const [stale] = await s.owner`select feedback_count from private.message_feedback_summary where message_id = ${message(1, 2)}`;
      assert.equal(stale.feedback_count, 1);
      const [still] = await s.owner`select refreshed_at from private.summary_refreshes where summary = 'message_feedback_summary'`;
      assert.deepEqual(still.refreshed_at, refreshed.refreshed_at);
    });
  });

  it('counts each message once whatever the list repeats, and service_role (no tenant) gets no rows', async () => {
    const rows = await asUser(USER.alice, (tx) => tx`
      select message_id, feedback_count from get_message_feedback_summary(${[message(2, 2), message(1, 2), message(2, 2), message(1, 1)]}::uuid[])`);
    assert.deepEqual(rows.map((r) => [r.message_id, r.feedback_count]), [[message(1, 2), 1], [message(2, 2), 1]]);
    const service = await asServiceRole((tx) => tx`select * from get_message_feedback_summary(${[message(1, 2)]}::uuid[])`);
    assert.equal(service.length, 0);
  });

  it('reads feedback directly, as the caller: SECURITY INVOKER, no private reader left', async () => {
    const [fn] = await asOwner((tx) => tx`
      select p.prosecdef, pg_get_functiondef(p.oid) as def,
             to_regprocedure('private.message_feedback_summary_for_caller(uuid[])') is null as reader_gone
      from pg_proc p where p.oid = 'public.get_message_feedback_summary(uuid[])'::regprocedure`);
    assert.equal(fn.prosecdef, false);
    assert.equal(fn.reader_gone, true);
    assert.match(fn.def, /from public\.feedback f\s+where f\.message_id = any \(p_message_ids\)\s+and f\.tenant_id = \(select private\.current_tenant_id\(\)\)/);
    assert.doesNotMatch(fn.def, /private\.message_feedback_summary/);
  });

  it('refuses an empty or oversized list (22023) and anon entirely', async () => {
    await asUser(USER.bob, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select * from get_message_feedback_summary('{}'::uuid[])`)).code, '22023');
      assert.equal((await sqlError(tx, (sp) => sp`select * from get_message_feedback_summary(null)`)).code, '22023');
      const many = Array.from({ length: 1001 }, () => message(1, 2));
      assert.equal((await sqlError(tx, (sp) => sp`select * from get_message_feedback_summary(${many}::uuid[])`)).code, '22023');
    });
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select * from get_message_feedback_summary(${[message(1, 2)]}::uuid[])`)).code, '42501');
    });
  });
});

describe('get_monthly_usage_summary', () => {
  it("gives members their own months and admins their tenant's", async () => {
    const bob = await asUser(USER.bob, (tx) => tx`select user_id, month, total_tokens, cost, request_count, active_days from get_monthly_usage_summary('2026-01-01', '2026-12-31')`);
    assert.deepEqual(bob.map((r) => ({ ...r, month: r.month.toISOString().slice(0, 10) })), [
      { user_id: USER.bob, month: '2026-11-01', total_tokens: String(1205 + 301 + 2388 + 471 + 1960 + 402), cost: '0.026500', request_count: '15', active_days: 3 },
    ]);
    const alice = await asUser(USER.alice, (tx) => tx`select user_id from get_monthly_usage_summary('2026-11-01', '2026-11-30') order by user_id`);
    assert.deepEqual(alice.map((r) => r.user_id), [USER.alice, USER.bob]);
    const outside = await asUser(USER.alice, (tx) => tx`select * from get_monthly_usage_summary('2025-01-01', '2025-12-31')`);
    assert.equal(outside.length, 0);
  });

  it('says when the summary was refreshed: refreshed_at, the same on every row, the time private.refresh_summaries() recorded', async () => {
    await scenario(async (s) => {
      const rows = await s.as({ user: USER.alice }, (tx) => tx`select user_id, refreshed_at from get_monthly_usage_summary('2026-01-01', '2026-12-31')`);
      assert.equal(rows.length, 2);
      const [recorded] = await s.owner`select refreshed_at, row_count from private.summary_refreshes where summary = 'monthly_usage_summary'`;
      assert.ok(recorded.refreshed_at instanceof Date);
      assert.deepEqual(rows.map((r) => r.refreshed_at), [recorded.refreshed_at, recorded.refreshed_at]);
      // The result shape only grew: the old columns in their order, then refreshed_at.
      const [shape] = await s.owner`
        select array_agg(a.name order by a.i) as cols from pg_proc p,
          unnest(p.proargnames, p.proargmodes) with ordinality a(name, mode, i)
        where p.oid = 'public.get_monthly_usage_summary(date, date)'::regprocedure and a.mode = 't'`;
      assert.deepEqual(shape.cols, ['tenant_id', 'user_id', 'month', 'input_tokens', 'output_tokens', 'total_tokens', 'cost', 'request_count', 'active_days', 'refreshed_at']);
      // A refresh moves it on, in the same transaction as the refreshed rows.
      const [result] = await s.as('service_role', (tx) => tx`select private.refresh_summaries() as r`);
      const after = await s.as({ user: USER.alice }, (tx) => tx`select distinct refreshed_at from get_monthly_usage_summary('2026-01-01', '2026-12-31')`);
      assert.equal(after.length, 1);
      assert.ok(after[0].refreshed_at > recorded.refreshed_at);
      assert.equal(new Date(result.r.monthly_usage_summary.refreshed_at).getTime(), after[0].refreshed_at.getTime());
      const [fresh] = await s.owner`select refreshed_at from private.summary_refreshes where summary = 'message_feedback_summary'`;
      assert.equal(new Date(result.r.message_feedback_summary.refreshed_at).getTime(), fresh.refreshed_at.getTime());
    });
  });

  it('refreshed_at is null before any recorded refresh', async () => {
    await scenario(async (s) => {
      await s.owner`delete from private.summary_refreshes`;
      const rows = await s.as({ user: USER.bob }, (tx) => tx`select refreshed_at from get_monthly_usage_summary('2026-01-01', '2026-12-31')`);
      assert.ok(rows.length > 0);
      assert.deepEqual(rows.map((r) => r.refreshed_at), rows.map(() => null));
    });
  });

  it('refuses a reversed range (22023) and anon entirely', async () => {
    await asUser(USER.alice, async (tx) => {
      const err = await sqlError(tx, (sp) => sp`select * from get_monthly_usage_summary('2026-12-01', '2026-01-01')`);
      assert.equal(err.code, '22023');
      assert.match(err.message, /is after/);
    });
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select * from get_monthly_usage_summary()`)).code, '42501');
    });
  });
});

describe('private.refresh_summaries', () => {
  it('is executable by service_role only', async () => {
    await asUser(USER.alice, async (tx) => assert.equal((await sqlError(tx, (sp) => sp`select private.refresh_summaries()`)).code, '42501'));
    await asAnon(async (tx) => assert.equal((await sqlError(tx, (sp) => sp`select private.refresh_summaries()`)).code, '42501'));
  });

  it('refreshes both summaries concurrently and they then match a direct aggregate', async () => {
    await scenario(async (s) => {
      await s.as('service_role', async (tx) => {
        await tx`insert into public.feedback (message_id, tenant_id, user_id, rating) values (${message(1, 2)}, ${TENANT.acme}, ${USER.bob}, -1)`;
        await tx`update public.feedback set rating = 1 where message_id = ${message(2, 2)}`;
        await tx`select increment_usage_metrics(${TENANT.initech}, ${USER.frank}, '2026-10-31', 500, 100, 0.003)`;
      });
      const [stale] = await s.owner`select feedback_count from private.message_feedback_summary where message_id = ${message(1, 2)}`;
      assert.equal(stale.feedback_count, 1, 'not refreshed yet');
      const [result] = await s.as('service_role', (tx) => tx`select private.refresh_summaries() as r`);
      const [expected] = await s.owner`
        select (select count(distinct message_id) from public.feedback)::int as feedback_rows,
               (select count(*) from (select distinct tenant_id, user_id, date_trunc('month', date) from public.usage_metrics) m)::int as usage_rows`;
      assert.equal(result.r.message_feedback_summary.rows, expected.feedback_rows);
      assert.equal(result.r.monthly_usage_summary.rows, expected.usage_rows);
      assert.ok(result.r.message_feedback_summary.ms >= 0 && result.r.monthly_usage_summary.ms >= 0);
      const [diff] = await s.owner`
        select
          (select count(*) from (
             select message_id, tenant_id, up_count, down_count, feedback_count, average_rating, last_feedback_at from private.message_feedback_summary
             except
             select message_id, tenant_id, count(*) filter (where rating = 1)::int, count(*) filter (where rating = -1)::int, count(*)::int,
                    round(avg(rating), 4), max(updated_at)
             from public.feedback group by 1, 2) d)::int as feedback_diff,
          (select count(*) from (
             select tenant_id, user_id, month, total_tokens, cost, request_count from private.monthly_usage_summary
             except
             select tenant_id, user_id, date_trunc('month', date)::date, sum(total_tokens)::bigint, sum(cost), sum(request_count)::bigint
             from public.usage_metrics group by 1, 2, 3) d)::int as usage_diff`;
      assert.deepEqual({ ...diff }, { feedback_diff: 0, usage_diff: 0 });
      const [fresh] = await s.as({ user: USER.bob }, (tx) => tx`select up_count, down_count from get_message_feedback_summary(${[message(1, 2)]}::uuid[])`);
      assert.deepEqual({ ...fresh }, { up_count: 1, down_count: 1 });
    });
  });

  it('does not block readers while it runs (CONCURRENTLY)', async () => {
    const refresher = connect(dbUrl());
    await refresher.begin(async (tx) => {
      await tx`select set_config('role', 'service_role', true)`;
      await tx`select private.refresh_summaries()`;
      // The refresh's locks are held until this transaction ends; a reader of a summary must still get through.
      const rows = await asUser(USER.bob, (reader) => Promise.race([
        reader`select * from get_monthly_usage_summary('2026-01-01', '2026-12-31')`,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('reader blocked by the refresh')), 5000)),
      ]));
      assert.equal(rows.length, 1);
      const snapshot = await asServiceRole((reader) => Promise.race([
        reader`select count(*)::int as n from private.message_feedback_summary`,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('reader blocked by the refresh')), 5000)),
      ]));
      assert.ok(snapshot[0].n > 0);
    });
  });
});
