/** supabase/seed.sql: the expected rows, fixed ids, deterministic, idempotent, removable by cascade. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { asOwner, type Tx } from '../helpers/db.ts';
import { CONVERSATION, TENANT, USER } from '../helpers/seed-ids.ts';

const seedSql = fs.readFileSync(new URL('../../supabase/seed.sql', import.meta.url), 'utf8');

// Other test files may commit rows of their own tenants meanwhile: count the seed's only.
const SEED_TENANTS = Object.values(TENANT);
const SEED_USERS = Object.values(USER);

const counts = (tx: Tx) => tx`
  select (select count(*)::int from public.tenants where id = any(${SEED_TENANTS}::uuid[])) as tenants,
         (select count(*)::int from auth.users where id = any(${SEED_USERS}::uuid[])) as accounts,
         (select count(*)::int from auth.identities where user_id = any(${SEED_USERS}::uuid[])) as identities,
         (select count(*)::int from public.users where tenant_id = any(${SEED_TENANTS}::uuid[])) as profiles,
         (select count(*)::int from public.conversations where tenant_id = any(${SEED_TENANTS}::uuid[])) as conversations,
         (select count(*)::int from public.messages where tenant_id = any(${SEED_TENANTS}::uuid[])) as messages,
         (select count(*)::int from public.feedback where tenant_id = any(${SEED_TENANTS}::uuid[])) as feedback,
         (select count(*)::int from public.usage_metrics where tenant_id = any(${SEED_TENANTS}::uuid[])) as usage_metrics`;

/** Every seeded row, as text: equal snapshots mean byte-for-byte equal data. */
const dataDigest = (tx: Tx) => tx`
  select md5(concat_ws('|',
    (select string_agg(t::text, ',' order by t.id) from public.tenants t where t.id = any(${SEED_TENANTS}::uuid[])),
    (select string_agg(a.id || a.email || a.encrypted_password || a.created_at, ',' order by a.id) from auth.users a where a.id = any(${SEED_USERS}::uuid[])),
    (select string_agg(u::text, ',' order by u.id) from public.users u where u.tenant_id = any(${SEED_TENANTS}::uuid[])),
    (select string_agg(c::text, ',' order by c.id) from public.conversations c where c.tenant_id = any(${SEED_TENANTS}::uuid[])),
    (select string_agg(m::text, ',' order by m.id) from public.messages m where m.tenant_id = any(${SEED_TENANTS}::uuid[])),
    (select string_agg(f::text, ',' order by f.id) from public.feedback f where f.tenant_id = any(${SEED_TENANTS}::uuid[])),
    (select string_agg(u::text, ',' order by u.tenant_id, u.user_id, u.date) from public.usage_metrics u where u.tenant_id = any(${SEED_TENANTS}::uuid[])))) as digest`;

describe('seed', () => {
  it('has exactly the rows the checklist expects', async () => {
    const [row] = await asOwner(counts);
    assert.deepEqual({ ...row }, { tenants: 3, accounts: 6, identities: 6, profiles: 6, conversations: 7, messages: 14, feedback: 7, usage_metrics: 11 });
  });

  it('names its tenants test-* and gives each an admin and a member', async () => {
    const rows = await asOwner((tx) => tx`
      select t.id, t.slug, array_agg(u.role order by u.role) as roles
      from public.tenants t join public.users u on u.tenant_id = t.id where t.id = any(${SEED_TENANTS}::uuid[]) group by t.id, t.slug order by t.id`);
    assert.deepEqual(rows.map((r) => [r.id, r.slug.startsWith('test-'), r.roles]), [
      [TENANT.acme, true, ['admin', 'member']], [TENANT.globex, true, ['admin', 'member']], [TENANT.initech, true, ['admin', 'member']],
    ]);
  });

  it('stamps conversations with their newest message through the trigger', async () => {
    const [c1] = await asOwner((tx) => tx`select last_message_at, updated_at from public.conversations where id = ${CONVERSATION.c1}`);
    assert.equal(c1.last_message_at.toISOString(), '2026-11-18T08:30:09.000Z');
    assert.equal(c1.updated_at.toISOString(), '2026-11-18T08:30:09.000Z');
  });

  it('stores a verifiable bcrypt password for each account', async () => {
    const [row] = await asOwner((tx) => tx`
      select bool_and(encrypted_password = extensions.crypt('password123', encrypted_password)) as ok,
             bool_or(encrypted_password = extensions.crypt('wrong', encrypted_password)) as wrong_ok
      from auth.users where id = any(${Object.values(USER)}::uuid[])`);
    assert.deepEqual({ ...row }, { ok: true, wrong_ok: false });
  });

  it('is idempotent: running it again changes no row', async () => {
    await asOwner(async (tx) => {
      const [before] = await dataDigest(tx);
      await tx.unsafe(seedSql);
      const [after] = await dataDigest(tx);
      assert.equal(after.digest, before.digest);
    });
  });

  it('is deterministic: wiped and run again, it produces the same bytes', async () => {
    await asOwner(async (tx) => {
      const [before] = await dataDigest(tx);
      await tx`delete from public.tenants where slug like 'test-%'`;
      await tx`delete from auth.users where id = any(${Object.values(USER)}::uuid[])`;
      await tx.unsafe(seedSql);
      const [after] = await dataDigest(tx);
      assert.equal(after.digest, before.digest);
    });
  });

  it("`delete from tenants where slug like 'test-%'` removes everything that belongs to them", async () => {
    await asOwner(async (tx) => {
      await tx`delete from public.tenants where slug like 'test-%'`;
      const [row] = await counts(tx);
      assert.deepEqual({ ...row }, { tenants: 0, accounts: 6, identities: 6, profiles: 0, conversations: 0, messages: 0, feedback: 0, usage_metrics: 0 });
    });
  });

  it('uses fixed ids and times only (no random uuids, no now())', () => {
    assert.doesNotMatch(seedSql, /gen_random_uuid|now\(\)|random\(\)|gen_salt|current_date/);
  });
});
