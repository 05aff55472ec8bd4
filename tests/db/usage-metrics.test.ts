/** usage_metrics, increment_usage_metrics and current_day_usage. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, asOwner, asServiceRole, asUser, scenario, sqlError } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

describe('usage_metrics RLS', () => {
  it('anon reads nothing', async () => {
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select * from public.usage_metrics`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`select * from public.current_day_usage`)).code, '42501');
    });
  });

  it("members read their own rows, admins their tenant's, nobody another tenant's", async () => {
    const bob = await asUser(USER.bob, (tx) => tx`select distinct user_id from public.usage_metrics`);
    assert.deepEqual(bob.map((r) => r.user_id), [USER.bob]);
    const alice = await asUser(USER.alice, (tx) => tx`select user_id, count(*)::int as n from public.usage_metrics group by 1 order by 1`);
    assert.deepEqual(alice.map((r) => [r.user_id, r.n]), [[USER.alice, 2], [USER.bob, 3]]);
    const carol = await asUser(USER.carol, (tx) => tx`select * from public.usage_metrics where tenant_id = ${TENANT.acme}`);
    assert.equal(carol.length, 0);
  });

  it('clients never write usage directly, not even their own', async () => {
    await asUser(USER.alice, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.usage_metrics (tenant_id, user_id, date) values (${TENANT.acme}, ${USER.alice}, '2026-11-21')`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update public.usage_metrics set cost = 0 where user_id = ${USER.alice}`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`delete from public.usage_metrics where user_id = ${USER.alice}`)).code, '42501');
    });
  });

  it('checks and keys refuse negative values, duplicates and users outside the tenant', async () => {
    await asServiceRole(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.usage_metrics (tenant_id, user_id, date, input_tokens) values (${TENANT.acme}, ${USER.alice}, '2026-11-21', -1)`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.usage_metrics (tenant_id, user_id, date, cost) values (${TENANT.acme}, ${USER.alice}, '2026-11-21', -0.01)`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.usage_metrics (tenant_id, user_id, date) values (${TENANT.acme}, ${USER.alice}, '2026-11-17')`)).code, '23505');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.usage_metrics (tenant_id, user_id, date) values (${TENANT.globex}, ${USER.alice}, '2026-11-21')`)).code, '23503');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.usage_metrics (tenant_id, user_id, date, total_tokens) values (${TENANT.acme}, ${USER.alice}, '2026-11-21', 5)`)).code, '428C9', 'total_tokens is generated');
    });
  });
});

describe('increment_usage_metrics', () => {
  it("accepts the checklist's own call and returns the updated row", async () => {
    await asServiceRole(async (tx) => {
      const [first] = await tx`select * from increment_usage_metrics(${TENANT.acme}, ${USER.alice}, current_date, 100, 200, 0.015)`;
      assert.deepEqual([first.input_tokens, first.output_tokens, first.total_tokens, first.cost, first.request_count], ['100', '200', '300', '0.015000', 1]);
      const [second] = await tx`select * from increment_usage_metrics(${TENANT.acme}, ${USER.alice}, current_date, 50, 25, 0.0075)`;
      assert.deepEqual([second.input_tokens, second.output_tokens, second.total_tokens, second.cost, second.request_count], ['150', '225', '375', '0.022500', 2]);
      const [onSeededDay] = await tx`select * from increment_usage_metrics(${TENANT.acme}, ${USER.alice}, '2026-11-17', 180, 20, 0.00135)`;
      assert.deepEqual([onSeededDay.input_tokens, onSeededDay.request_count, onSeededDay.cost], ['4000', 10, '0.020000']);
    });
  });

  it('raises a clear error with an SQLSTATE for bad arguments, and writes nothing', async () => {
    await asServiceRole(async (tx) => {
      const call = (tenant: string | null, user: string | null, input: number | null, output: number, cost: number) =>
        sqlError(tx, (sp) => sp`select increment_usage_metrics(${tenant}::uuid, ${user}::uuid, current_date, ${input}::int, ${output}::int, ${cost}::numeric)`);
      let err = await call(TENANT.acme, USER.alice, -1, 0, 0);
      assert.equal(err.code, '22023');
      assert.match(err.message, /must not be negative/);
      assert.equal((await call(TENANT.acme, USER.alice, 0, -5, 0)).code, '22023');
      assert.equal((await call(TENANT.acme, USER.alice, 0, 0, -0.5)).code, '22023');
      err = await call(null, USER.alice, 1, 1, 0);
      assert.equal(err.code, '22004');
      assert.equal((await call(TENANT.acme, USER.alice, null, 1, 0)).code, '22004');
      err = await call('00000000-0000-4000-8000-00000000dead', USER.alice, 1, 1, 0);
      assert.equal(err.code, '23503');
      assert.match(err.message, /tenant .* does not exist/);
      err = await call(TENANT.globex, USER.alice, 1, 1, 0);
      assert.equal(err.code, '23503');
      assert.match(err.message, /is not a member of tenant/);
      const [row] = await tx`select count(*)::int as n from public.usage_metrics where date = current_date`;
      assert.equal(row.n, 0);
    });
  });

  it('is executable by service_role only', async () => {
    const privileges = await asServiceRole((tx) => tx`
      select r.rolname, has_function_privilege(r.rolname, 'public.increment_usage_metrics(uuid, uuid, date, integer, integer, numeric)', 'execute') as can
      from pg_roles r where r.rolname in ('anon', 'authenticated', 'service_role') order by 1`);
    assert.deepEqual(privileges.map((r) => [r.rolname, r.can]), [['anon', false], ['authenticated', false], ['service_role', true]]);
    await asUser(USER.alice, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select increment_usage_metrics(${TENANT.acme}, ${USER.alice}, current_date, 1, 1, 0)`)).code, '42501');
    });
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select increment_usage_metrics(${TENANT.acme}, ${USER.alice}, current_date, 1, 1, 0)`)).code, '42501');
    });
  });

  it('200 concurrent increments from separate connections sum exactly', async () => {
    await withScratchDatabase('usage_concurrency', { migrate: true, seed: true }, async (db) => {
      const pool = db.open(20, 'authenticator');
      const calls = Array.from({ length: 200 }, (_, i) => pool.begin(async (tx) => {
        await tx`select set_config('role', 'service_role', true)`;
        await tx`select increment_usage_metrics(${TENANT.globex}, ${USER.dave}, '2026-12-01', ${i + 1}, 2, 0.000125)`;
      }));
      await Promise.all(calls);
      const [row] = await db.open()`select input_tokens, output_tokens, cost, request_count from public.usage_metrics
                                     where tenant_id = ${TENANT.globex} and user_id = ${USER.dave} and date = '2026-12-01'`;
      assert.deepEqual({ ...row }, { input_tokens: String((200 * 201) / 2), output_tokens: '400', cost: '0.025000', request_count: 200 });
    });
  });
});

describe('current_day_usage', () => {
  it("shows today's rows under the caller's RLS (a security-invoker view)", async () => {
    await scenario(async (s) => {
      await s.as('service_role', async (tx) => {
        await tx`select increment_usage_metrics(${TENANT.acme}, ${USER.alice}, current_date, 10, 20, 0.001)`;
        await tx`select increment_usage_metrics(${TENANT.acme}, ${USER.bob}, current_date, 30, 40, 0.002)`;
        await tx`select increment_usage_metrics(${TENANT.acme}, ${USER.bob}, current_date - 1, 99, 99, 0.009)`;
        await tx`select increment_usage_metrics(${TENANT.globex}, ${USER.dave}, current_date, 1, 1, 0.0001)`;
      });
      const bob = await s.as({ user: USER.bob }, (tx) => tx`select user_id, total_tokens from public.current_day_usage`);
      assert.deepEqual(bob.map((r) => [r.user_id, r.total_tokens]), [[USER.bob, '70']]);
      const alice = await s.as({ user: USER.alice }, (tx) => tx`select user_id from public.current_day_usage order by user_id`);
      assert.deepEqual(alice.map((r) => r.user_id), [USER.alice, USER.bob]);
      const all = await s.as('service_role', (tx) => tx`select count(*)::int as n from public.current_day_usage where tenant_id = any(${Object.values(TENANT)}::uuid[])`);
      assert.equal(all[0].n, 3);
      const [opts] = await s.owner`select reloptions from pg_class where oid = 'public.current_day_usage'::regclass`;
      assert.deepEqual(opts.reloptions, ['security_invoker=on']);
    });
  });

  it('is read-only: not updatable in the catalog (no Insert/Update in the generated types), every write refused (55000)', async () => {
    const [cat] = await asOwner((tx) => tx`
      select pg_relation_is_updatable('public.current_day_usage'::regclass, true) as updatable,
             (select is_insertable_into from information_schema.views where table_schema = 'public' and table_name = 'current_day_usage') as insertable,
             (select array_agg(a.attname::text || ' ' || format_type(a.atttypid, a.atttypmod) order by a.attnum)
              from pg_attribute a where a.attrelid = 'public.current_day_usage'::regclass and a.attnum > 0) as columns`);
    assert.deepEqual({ ...cat }, {
      updatable: 0,
      insertable: 'NO',
      columns: ['tenant_id uuid', 'user_id uuid', 'date date', 'input_tokens bigint', 'output_tokens bigint', 'total_tokens bigint',
        'cost numeric(14,6)', 'request_count integer', 'updated_at timestamp with time zone'],
    });
    await scenario(async (s) => {
      for (const actor of ['service_role', { user: USER.alice }, 'anon'] as const) {
        const insert = await s.errorAs(actor, (tx) => tx`insert into public.current_day_usage (tenant_id, user_id, date) values (${TENANT.acme}, ${USER.alice}, current_date)`);
        assert.deepEqual(insert, { code: '55000', message: 'cannot insert into view "current_day_usage"' }, JSON.stringify(actor));
        assert.equal((await s.errorAs(actor, (tx) => tx`update public.current_day_usage set cost = 0`)).code, '55000');
        assert.equal((await s.errorAs(actor, (tx) => tx`delete from public.current_day_usage`)).code, '55000');
      }
      // The one-row subquery is pulled up: a scan of usage_metrics alone, as before.
      const plan = (await s.owner`explain select * from public.current_day_usage where user_id = ${USER.bob}`).map((r) => r['QUERY PLAN']).join('\n');
      assert.match(plan, /on usage_metrics m/);
      assert.doesNotMatch(plan, /Subquery Scan|Nested Loop|Join/);
    });
  });
});
