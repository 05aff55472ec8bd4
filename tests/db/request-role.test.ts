/**
 * The one "act as an API request" helper (supabase/functions/_shared/request-role.ts, re-exported by
 * scripts/lib/db-role.ts) and the plan walker (scripts/lib/plan.ts) against the real database.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actingAs, asRole, inRequest, requestSettings, rolledBack, settingsOf } from '../../scripts/lib/db-role.ts';
import { explainPlan, planSummary } from '../../scripts/lib/plan.ts';
import { connect, dbUrl } from '../helpers/db.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

const settingsNow = (tx: Parameters<Parameters<typeof rolledBack>[1]>[0]) => tx`
  select current_user as usr, current_setting('request.jwt.claims', true) as claims, current_setting('request.method', true) as method,
         current_setting('request.path', true) as path, current_setting('request.headers', true) as headers,
         current_setting('storage.operation', true) as operation, auth.uid() as uid`;

describe('request settings (role, claims and request.* in one statement)', () => {
  it('sets every setting transaction-locally, values bound as they are, and auth.uid() reads the claims', async () => {
    const sql = connect(dbUrl());
    const tricky = `it's "quoted"; select 1 --`;
    const [row] = await rolledBack(sql, async (tx) => {
      await requestSettings(tx, {
        role: 'authenticated', claims: { sub: USER.alice, role: 'authenticated', note: tricky },
        method: 'PATCH', path: '/rest/v1/messages', headers: { 'x-client-info': tricky }, extra: { 'storage.operation': tricky },
      });
      return await settingsNow(tx);
    });
    assert.equal(row.usr, 'authenticated');
    assert.deepEqual(JSON.parse(row.claims), { sub: USER.alice, role: 'authenticated', note: tricky });
    assert.equal(row.method, 'PATCH');
    assert.equal(row.path, '/rest/v1/messages');
    assert.deepEqual(JSON.parse(row.headers), { 'x-client-info': tricky });
    assert.equal(row.operation, tricky);
    assert.equal(row.uid, USER.alice);
    const [after] = await sql`select current_user as usr, coalesce(current_setting('request.method', true), '') as method`;
    assert.deepEqual({ ...after }, { usr: 'postgres', method: '' }, 'nothing outlives the transaction');
  });

  it('no claims is an empty setting; only the settings given are listed', () => {
    assert.deepEqual(settingsOf({ role: 'anon' }), [['role', 'anon'], ['request.jwt.claims', '']]);
    assert.deepEqual(settingsOf({ role: 'anon', claims: null, path: '/x' }).map(([k]) => k), ['role', 'request.jwt.claims', 'request.path']);
  });

  it('asRole commits as the role under RLS; actingAs returns to the session role inside a transaction', async () => {
    const sql = connect(dbUrl());
    const [seen] = await asRole(sql, 'anon', { role: 'anon' }, (tx) => tx`select current_user as usr, auth.role() as role`);
    assert.deepEqual({ ...seen }, { usr: 'anon', role: 'anon' });
    const users = await rolledBack(sql, async (tx) => {
      const inside = await actingAs(tx, { role: 'service_role', claims: { role: 'service_role' } }, async (t) => (await t`select current_user as u`)[0].u);
      const [back] = await tx`select current_user as u, current_setting('request.jwt.claims', true) as claims`;
      return [inside, back.u, back.claims];
    });
    assert.deepEqual(users, ['service_role', 'postgres', '']);
  });
});

describe('rolled-back transactions', () => {
  it('return what fn returned and keep none of its work, also through inRequest', async () => {
    const sql = connect(dbUrl());
    const slug = `rolled-back-${process.pid}`;
    const id = await rolledBack(sql, async (tx) => (await tx`insert into public.tenants (slug, name) values (${slug}, 'x') returning id`)[0].id);
    assert.match(id, /^[0-9a-f-]{36}$/);
    const viaRequest = await inRequest(sql, { role: 'service_role', claims: { role: 'service_role' } },
      async (tx) => (await tx`insert into public.tenants (slug, name) values (${slug}, 'y') returning slug`)[0].slug, { rollback: true });
    assert.equal(viaRequest, slug);
    const [left] = await sql`select count(*)::int as n from public.tenants where slug = ${slug}`;
    assert.equal(left.n, 0);
  });

  it('pass fn\'s error on, after rolling back', async () => {
    const sql = connect(dbUrl());
    await assert.rejects(rolledBack(sql, async (tx) => { await tx`select 1/0`; }), /division by zero/);
    await assert.rejects(rolledBack(sql, async () => { throw new Error('mine'); }), /^Error: mine$/);
  });
});

describe('plan walker', () => {
  it('lists indexes and node types once each, in plan order, with the times of an ANALYZE', () => {
    const rows = [{ 'QUERY PLAN': [{ 'Planning Time': 0.1, 'Execution Time': 2.5, Plan: { 'Node Type': 'Nested Loop', 'Total Cost': 12.5, Plans: [
      { 'Node Type': 'Index Scan', 'Index Name': 'a_idx' },
      { 'Node Type': 'Bitmap Heap Scan', Plans: [{ 'Node Type': 'Bitmap Index Scan', 'Index Name': 'b_idx' }, { 'Node Type': 'Index Scan', 'Index Name': 'a_idx' }] },
    ] } }] }];
    assert.deepEqual(planSummary(rows), {
      indexes: ['a_idx', 'b_idx'], nodeTypes: ['Nested Loop', 'Index Scan', 'Bitmap Heap Scan', 'Bitmap Index Scan'], totalCost: 12.5, planningMs: 0.1, executionMs: 2.5,
    });
  });

  it('explains a real query with its parameters; times only with analyze', async () => {
    const sql = connect(dbUrl());
    const plan = await rolledBack(sql, (tx) => explainPlan(tx, 'select * from public.tenants where id = $1::uuid', [TENANT.acme]));
    assert.ok(plan.nodeTypes.length > 0 && plan.totalCost > 0);
    assert.equal(plan.executionMs, undefined);
    const analyzed = await rolledBack(sql, (tx) => explainPlan(tx, 'select count(*) from public.tenants', [], { analyze: true }));
    assert.ok(typeof analyzed.executionMs === 'number' && analyzed.executionMs >= 0);
  });
});
