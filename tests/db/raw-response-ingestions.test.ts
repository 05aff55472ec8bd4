/**
 * raw_response_ingestions: the read matrix (20261201090000, rows readable as their raw objects are:
 * the row's owner and the tenant's owners/admins) for anon, the row's owner, another member of the
 * tenant, the tenant's admin and owner, members of other tenants and service_role; writes for
 * service_role only; and the ingestion claims of 20261201090100 (status receiving, its durability
 * exception, the stale-claim index and its rollback).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Sql } from 'postgres';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { asAnon, asOwner, createAccount, scenario, sqlError, type Actor, type Scenario, type Tx } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { CONVERSATION, TENANT, USER } from '../helpers/seed-ids.ts';

const SHA = 'a'.repeat(64);

interface Fixture { tenant: string; conversation: string; user: string; key: string; status?: string; path?: string | null; text?: string | null }

/** One ingestion row, inserted as postgres (RLS does not apply to the table owner). */
async function ingestion(owner: Tx, f: Fixture): Promise<string> {
  const [row] = await owner`
    insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes,
                                                storage_path, pending_raw_text, status, result)
    values (${f.tenant}, ${f.conversation}, ${f.user}, ${f.key}, ${SHA}, 42, ${f.path ?? null}, ${f.text ?? null},
            ${f.status ?? 'storage_pending'}, ${owner.json({ secret: `result of ${f.key}` })})
    returning id`;
  return row.id as string;
}

/**
 * The fixture rows: Bob's (acme member, conversation c2), Alice's (acme admin, c1), Dave's (globex
 * member, c5), each holding raw text and a result; and one in acme whose user_id is an account
 * without a profile (so outside every tenant).
 */
async function fixtures(s: Scenario) {
  const nora = await createAccount(s.owner);
  const ids = {
    bob: await ingestion(s.owner, { tenant: TENANT.acme, conversation: CONVERSATION.c2, user: USER.bob, key: 'bob', text: 'raw text of bob' }),
    alice: await ingestion(s.owner, { tenant: TENANT.acme, conversation: CONVERSATION.c1, user: USER.alice, key: 'alice', text: 'raw text of alice' }),
    dave: await ingestion(s.owner, { tenant: TENANT.globex, conversation: CONVERSATION.c5, user: USER.dave, key: 'dave', text: 'raw text of dave' }),
    nora: await ingestion(s.owner, { tenant: TENANT.acme, conversation: CONVERSATION.c2, user: nora, key: 'nora', text: 'raw text of nora' }),
  };
  const names = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
  const all = Object.values(ids);
  /** Which fixture rows the actor sees, with the raw text and result of each. */
  const visible = async (actor: Actor) => {
    const rows = await s.as(actor, (tx) => tx`
      select id, pending_raw_text, result ->> 'secret' as result from public.raw_response_ingestions
      where id = any(${all}::uuid[]) order by dedupe_key`);
    return rows.map((r) => ({ name: names.get(r.id), text: r.pending_raw_text, result: r.result }));
  };
  /** The raw text and results of fixture rows the actor can reach by any column, each counted. */
  const leaks = async (actor: Actor, hidden: string[]) => {
    const [row] = await s.as(actor, (tx) => tx`
      select count(*)::int as by_id,
             count(*) filter (where pending_raw_text like 'raw text of %')::int as texts,
             count(*) filter (where result ? 'secret')::int as results
      from public.raw_response_ingestions where id = any(${hidden}::uuid[])`);
    return { ...row };
  };
  return { ids, nora, visible, leaks };
}

const row = (name: string) => ({ name, text: `raw text of ${name}`, result: `result of ${name}` });
const none = { by_id: 0, texts: 0, results: 0 };

describe('raw_response_ingestions reads (as the raw objects)', () => {
  it('has one SELECT policy, for authenticated, keyed on the owner within the tenant or an owner/admin role', async () => {
    const rows = await asOwner((tx) => tx`
      select policyname, cmd, roles::text[] as roles, qual from pg_policies
      where schemaname = 'public' and tablename = 'raw_response_ingestions'`);
    assert.deepEqual(rows.map((r) => [r.policyname, r.cmd, r.roles]), [['raw_response_ingestions_select', 'SELECT', ['authenticated']]]);
    assert.match(rows[0].qual, /current_tenant_id\(\)/);
    assert.match(rows[0].qual, /user_id = \( SELECT auth\.uid\(\)/);
    assert.match(rows[0].qual, /current_tenant_role\(\).*'owner'.*'admin'/);
  });

  it('anon reads nothing: no grant at all', async () => {
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select * from public.raw_response_ingestions`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`select pending_raw_text, result from public.raw_response_ingestions`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`select count(*) from public.raw_response_ingestions`)).code, '42501');
    });
  });

  it("the row's owner (a member) reads their own rows with raw text and result, and no colleague's", async () => {
    await scenario(async (s) => {
      const f = await fixtures(s);
      assert.deepEqual(await f.visible({ user: USER.bob }), [row('bob')]);
      assert.deepEqual(await f.leaks({ user: USER.bob }, [f.ids.alice, f.ids.dave, f.ids.nora]), none);
    });
  });

  it('another member of the same tenant sees none of the tenant\'s ingestions', async () => {
    await scenario(async (s) => {
      const f = await fixtures(s);
      const mia = await createAccount(s.owner, { tenantId: TENANT.acme, role: 'member' });
      assert.deepEqual(await f.visible({ user: mia }), []);
      assert.deepEqual(await f.leaks({ user: mia }, [f.ids.bob, f.ids.alice, f.ids.nora]), none);
      // Not even by conversation: Bob's conversation c2 is readable by every member, its ingestion is not.
      const [conv] = await s.as({ user: mia }, (tx) => tx`select count(*)::int as n from public.conversations where id = ${CONVERSATION.c2}`);
      assert.equal(conv.n, 1);
      const byConversation = await s.as({ user: mia }, (tx) => tx`select id from public.raw_response_ingestions where conversation_id = ${CONVERSATION.c2}`);
      assert.equal(byConversation.length, 0);
    });
  });

  it("the tenant's admins and owners read every row of their tenant (for review), none of another tenant", async () => {
    await scenario(async (s) => {
      const f = await fixtures(s);
      const olivia = await createAccount(s.owner, { tenantId: TENANT.acme, role: 'owner' });
      for (const reviewer of [USER.alice, olivia]) {
        assert.deepEqual(await f.visible({ user: reviewer }), [row('alice'), row('bob'), row('nora')], `for ${reviewer}`);
        assert.deepEqual(await f.leaks({ user: reviewer }, [f.ids.dave]), none, `for ${reviewer}`);
      }
      // Globex's admin reviews globex only.
      assert.deepEqual(await f.visible({ user: USER.carol }), [row('dave')]);
    });
  });

  it('members of other tenants see nothing of acme; their own rows only', async () => {
    await scenario(async (s) => {
      const f = await fixtures(s);
      assert.deepEqual(await f.visible({ user: USER.dave }), [row('dave')]);
      assert.deepEqual(await f.leaks({ user: USER.dave }, [f.ids.bob, f.ids.alice, f.ids.nora]), none);
      for (const stranger of [USER.erin, USER.frank]) {
        assert.deepEqual(await f.visible({ user: stranger }), [], `for ${stranger}`);
        assert.deepEqual(await f.leaks({ user: stranger }, Object.values(f.ids)), none, `for ${stranger}`);
      }
    });
  });

  it('an account without a profile sees nothing, not even rows with its own user_id (owner within the tenant only)', async () => {
    await scenario(async (s) => {
      const f = await fixtures(s);
      assert.deepEqual(await f.visible({ user: f.nora }), []);
      const [all] = await s.as({ user: f.nora }, (tx) => tx`select count(*)::int as n from public.raw_response_ingestions`);
      assert.equal(all.n, 0);
    });
  });

  it('service_role reads every row', async () => {
    await scenario(async (s) => {
      const f = await fixtures(s);
      assert.deepEqual(await f.visible('service_role'), [row('alice'), row('bob'), row('dave'), row('nora')]);
    });
  });
});

describe('raw_response_ingestions writes (service_role only)', () => {
  it('no user writes, not the row\'s owner, not an admin', async () => {
    await scenario(async (s) => {
      const f = await fixtures(s);
      for (const user of [USER.bob, USER.alice]) {
        const actor = { user };
        assert.equal((await s.errorAs(actor, (tx) => tx`insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, storage_path, status)
          values (${TENANT.acme}, ${CONVERSATION.c2}, ${USER.bob}, 'mine', ${SHA}, 1, 'p', 'raw_stored')`)).code, '42501', `insert by ${user}`);
        assert.equal((await s.errorAs(actor, (tx) => tx`update public.raw_response_ingestions set pending_raw_text = 'x' where id = ${f.ids.bob}`)).code, '42501', `update by ${user}`);
        assert.equal((await s.errorAs(actor, (tx) => tx`update public.raw_response_ingestions set status = 'failed' where id = ${f.ids.bob}`)).code, '42501', `update by ${user}`);
        assert.equal((await s.errorAs(actor, (tx) => tx`delete from public.raw_response_ingestions where id = ${f.ids.bob}`)).code, '42501', `delete by ${user}`);
      }
    });
  });

  it('service_role inserts, updates and deletes', async () => {
    await scenario(async (s) => {
      const f = await fixtures(s);
      const [ins] = await s.as('service_role', (tx) => tx`insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, storage_path, status)
        values (${TENANT.acme}, ${CONVERSATION.c2}, ${USER.bob}, 'svc', ${SHA}, 1, 'p', 'raw_stored') returning id`);
      const upd = await s.as('service_role', (tx) => tx`update public.raw_response_ingestions set storage_path = 'q', pending_raw_text = null, status = 'raw_stored' where id = ${f.ids.bob} returning id`);
      assert.equal(upd.length, 1);
      const del = await s.as('service_role', (tx) => tx`delete from public.raw_response_ingestions where id in (${ins.id}, ${f.ids.dave}) returning id`);
      assert.equal(del.length, 2);
    });
  });
});

const claim = (tx: Sql | Tx, key: string, status = 'receiving', storagePath: string | null = null) => tx`
  insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, status, storage_path)
  values (${TENANT.acme}, ${CONVERSATION.c2}, ${USER.bob}, ${key}, ${SHA}, 42, ${status}, ${storagePath})
  returning id, status, storage_path, pending_raw_text`;

describe('ingestion claims (status receiving)', () => {
  it('a receiving row needs neither storage_path nor pending_raw_text; every other status does (23514); status is an ingestion_status (22P02)', async () => {
    await scenario(async (s) => {
      const [{ id, ...row }] = await s.as('service_role', (tx) => claim(tx, 'claimed'));
      assert.ok(id);
      assert.deepEqual(row, { status: 'receiving', storage_path: null, pending_raw_text: null });
      for (const status of ['storage_pending', 'raw_stored', 'completed', 'needs_review', 'failed']) {
        const err = await s.errorAs('service_role', (tx) => claim(tx, `k-${status}`, status));
        assert.equal(err.code, '23514', status);
        assert.match(err.message, /raw_response_ingestions_durable/, status);
      }
      const unknown = await s.errorAs('service_role', (tx) => claim(tx, 'k-unknown', 'claimed', 'raw/x.json'));
      assert.deepEqual(unknown, { code: '22P02', message: 'invalid input value for enum ingestion_status: "claimed"' });
    });
  });

  it('the dedupe key is claimed once; a claim leaves receiving only with its bytes somewhere', async () => {
    await scenario(async (s) => {
      const [row] = await s.as('service_role', (tx) => claim(tx, 'once'));
      assert.equal((await s.errorAs('service_role', (tx) => claim(tx, 'once'))).code, '23505');
      const again = await s.as('service_role', (tx) => tx`
        insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, status)
        values (${TENANT.acme}, ${CONVERSATION.c2}, ${USER.bob}, 'once', ${SHA}, 42, 'receiving')
        on conflict (conversation_id, dedupe_key) do nothing returning id`);
      assert.equal(again.length, 0, 'a concurrent duplicate finds the claim');
      const bare = await s.errorAs('service_role', (tx) => tx`update public.raw_response_ingestions set status = 'raw_stored' where id = ${row.id}`);
      assert.equal(bare.code, '23514');
      const stored = await s.as('service_role', (tx) => tx`update public.raw_response_ingestions set status = 'raw_stored', storage_path = 'raw/x.json' where id = ${row.id} returning status`);
      assert.deepEqual(stored.map((r) => r.status), ['raw_stored']);
      const [other] = await s.as('service_role', (tx) => claim(tx, 'pending'));
      const pending = await s.as('service_role', (tx) => tx`update public.raw_response_ingestions set status = 'storage_pending', pending_raw_text = 'raw' where id = ${other.id} returning status`);
      assert.deepEqual(pending.map((r) => r.status), ['storage_pending']);
    });
  });

  it('stale claims (heartbeat older than a minute) are found through the partial index', async () => {
    await scenario(async (s) => {
      const [fresh] = await s.as('service_role', (tx) => claim(tx, 'fresh'));
      const [stale] = await s.as('service_role', (tx) => claim(tx, 'stale'));
      await s.owner`update public.raw_response_ingestions set updated_at = now() - interval '2 minutes' where id = ${stale.id}`;
      const found = await s.as('service_role', (tx) => tx`
        select id from public.raw_response_ingestions where status = 'receiving' and updated_at < now() - interval '1 minute'`);
      assert.deepEqual(found.map((r) => r.id), [stale.id]);
      assert.notEqual(fresh.id, stale.id);
      // A heartbeat (any update of the row) renews the claim.
      await s.as('service_role', (tx) => tx`update public.raw_response_ingestions set attempts = attempts where id = ${stale.id}`);
      const renewed = await s.as('service_role', (tx) => tx`
        select id from public.raw_response_ingestions where status = 'receiving' and updated_at < now() - interval '1 minute'`);
      assert.equal(renewed.length, 0);

      const [idx] = await s.owner`select pg_get_indexdef(indexrelid) as def from pg_index where indexrelid = 'public.raw_response_ingestions_receiving_idx'::regclass`;
      assert.equal(idx.def, "CREATE INDEX raw_response_ingestions_receiving_idx ON public.raw_response_ingestions USING btree (updated_at) WHERE (status = 'receiving'::ingestion_status)");
      await s.owner`set local enable_seqscan = off`;
      const plan = await s.owner`explain select id from public.raw_response_ingestions where status = 'receiving' and updated_at < now() - interval '1 minute'`;
      assert.match(plan.map((r) => r['QUERY PLAN']).join('\n'), /raw_response_ingestions_receiving_idx/);
    });
  });

  it('the rollback deletes the claims, keeps every other row and restores the old checks', async () => {
    const read = (dir: string, file: string) => fs.readFileSync(path.join(repoRoot, 'supabase', dir, file), 'utf8');
    await withScratchDatabase('ingestion_claims', { migrate: true, seed: true }, async (db) => {
      const sql = db.open();
      await claim(sql, 'claim');
      await sql`insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, storage_path, status)
                values (${TENANT.acme}, ${CONVERSATION.c2}, ${USER.bob}, 'stored', ${SHA}, 42, 'raw/x.json', 'raw_stored')`;
      await sql.begin((tx) => tx.unsafe(read('rollbacks', '20261201090100_add_ingestion_claims.down.sql')));
      const left = await sql`select dedupe_key from public.raw_response_ingestions order by 1`;
      assert.deepEqual(left.map((r) => r.dedupe_key), ['stored']);
      const refused = (constraint: string) => (err: { code?: string; constraint_name?: string }) => err.code === '23514' && err.constraint_name === constraint;
      await assert.rejects(claim(sql, 'claim'), refused('raw_response_ingestions_durable'));
      await assert.rejects(claim(sql, 'claim', 'receiving', 'raw/y.json'), refused('raw_response_ingestions_status_check'));
      const [idx] = await sql`select to_regclass('public.raw_response_ingestions_receiving_idx') is null as gone`;
      assert.equal(idx.gone, true);
      // And forward again.
      await sql.begin((tx) => tx.unsafe(read('migrations', '20261201090100_add_ingestion_claims.sql')));
      assert.equal((await claim(sql, 'claim')).length, 1);
    });
  });
});
