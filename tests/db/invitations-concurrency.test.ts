/**
 * Invitations under concurrency, on committed data in a scratch database: racing accepts of a
 * one-time and a five-use token, and one account racing itself into two tenants.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Sql } from 'postgres';
import { type Tx, userClaims } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';

describe('invitations under concurrency (committed, scratch database)', () => {
  it('20 accounts accepting a one-time token at once: exactly one joins; a 5-use token admits 5; one account racing itself gets one profile', async () => {
    await withScratchDatabase('invitations_concurrency', { migrate: true }, async (db) => {
      const sql = db.open(2);
      const pool = db.open(20, 'authenticator');
      const [owner] = await sql`insert into auth.users (id, aud, role, email, created_at, updated_at)
                                values (gen_random_uuid(), 'authenticated', 'authenticated', 'race-owner@example.test', now(), now()) returning id`;
      const accountIds = (await sql`insert into auth.users (id, aud, role, email, created_at, updated_at)
                                    select gen_random_uuid(), 'authenticated', 'authenticated', 'racer-' || n || '@example.test', now(), now()
                                    from generate_series(1, 41) n returning id`).map((r) => r.id as string);

      const asUserTx = <T>(pool: Sql, id: string, fn: (tx: Tx) => Promise<T>): Promise<T> => pool.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(userClaims(id))}, true)`;
        return fn(tx as unknown as Tx);
      }) as Promise<T>;

      const [tenant] = await asUserTx(pool, owner.id, (tx) => tx`select id from public.create_tenant('Race', 'race')`);
      const [oneTime] = await asUserTx(pool, owner.id, (tx) => tx`select id, token from public.create_invitation('member')`);
      const [fiveUses] = await asUserTx(pool, owner.id, (tx) => tx`select id, token from public.create_invitation('member', null, interval '1 hour', 5)`);

      /** Each account in its own transaction and connection, all reaching the accept together. */
      async function race(ids: string[], call: (tx: Tx, i: number) => Promise<unknown>): Promise<PromiseSettledResult<unknown>[]> {
        let arrived = 0;
        let release!: () => void;
        const barrier = new Promise<void>((resolve) => { release = resolve; });
        return Promise.allSettled(ids.map((id, i) => asUserTx(pool, id, async (tx) => {
          await tx`select 1`;
          if (++arrived === ids.length) release();
          await barrier;
          return call(tx, i);
        })));
      }
      const codes = (results: PromiseSettledResult<unknown>[]) => results.map((r) => r.status === 'fulfilled' ? 'ok' : (r.reason as { code?: string }).code ?? String(r.reason));
      const tally = (list: string[]) => Object.fromEntries([...new Set(list)].sort().map((c) => [c, list.filter((x) => x === c).length]));

      const first = await race(accountIds.slice(0, 20), (tx) => tx`select public.accept_invitation(${oneTime.token})`);
      assert.deepEqual(tally(codes(first)), { TN004: 19, ok: 1 });
      const second = await race(accountIds.slice(20, 40), (tx) => tx`select public.accept_invitation(${fiveUses.token})`);
      assert.deepEqual(tally(codes(second)), { TN004: 15, ok: 5 });

      const counts = await sql`select id, use_count from public.tenant_invitations where id in (${oneTime.id}, ${fiveUses.id})`;
      assert.deepEqual(Object.fromEntries(counts.map((r) => [r.id, r.use_count])), { [oneTime.id]: 1, [fiveUses.id]: 5 });
      const [members] = await sql`select count(*)::int as n, count(*) filter (where role = 'member')::int as members from public.users where tenant_id = ${tenant.id}`;
      assert.deepEqual({ ...members }, { n: 7, members: 6 });

      // One account, three ways into a tenant at once: one profile, the others TN001, no use counted for them.
      const [a, b] = await Promise.all([0, 1].map(() => asUserTx(pool, owner.id, (tx) => tx`select id, token from public.create_invitation('member', null, interval '1 hour', null)`)));
      const solo = accountIds[40];
      const third = await race([solo, solo, solo], (tx, i) => i === 2
        ? tx`select public.create_tenant('Solo', 'solo-race')`
        : tx`select public.accept_invitation(${[a, b][i][0].token})`);
      assert.deepEqual(tally(codes(third)), { TN001: 2, ok: 1 });
      const [profiles] = await sql`select count(*)::int as n from public.users where id = ${solo}`;
      assert.equal(profiles.n, 1);
      const [uses] = await sql`select coalesce(sum(use_count), 0)::int as n from public.tenant_invitations where id in (${a[0].id}, ${b[0].id})`;
      const [soloTenant] = await sql`select count(*)::int as n from public.tenants where slug = 'solo-race'`;
      assert.equal(uses.n + soloTenant.n, 1, 'only the winner left a trace: one use or one tenant');
    });
  });
});
