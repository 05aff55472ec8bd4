/** supabase/seed.sql: the expected rows, fixed ids, and safe to run again. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { asOwner } from '../helpers/db.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

const seedSql = fs.readFileSync(new URL('../../supabase/seed.sql', import.meta.url), 'utf8');

const snapshot = (tx: Parameters<Parameters<typeof asOwner>[0]>[0]) => tx`
  select (select count(*)::int from public.tenants) as tenants,
         (select count(*)::int from auth.users) as accounts,
         (select count(*)::int from auth.identities) as identities,
         (select count(*)::int from public.users) as profiles,
         (select json_agg(t order by t.id) from public.tenants t) as tenant_rows,
         (select json_agg(json_build_object('id', u.id, 'tenant', u.tenant_id, 'role', u.role, 'updated_at', u.updated_at) order by u.id) from public.users u) as profile_rows,
         (select md5(string_agg(a.id || a.email || a.encrypted_password || a.created_at, ',' order by a.id)) from auth.users a) as accounts_digest`;

describe('seed', () => {
  it('creates two tenants, six accounts with identities and five profiles', async () => {
    const [row] = await asOwner(snapshot);
    assert.deepEqual([row.tenants, row.accounts, row.identities, row.profiles], [2, 6, 6, 5]);
    assert.deepEqual(row.tenant_rows.map((t: { id: string; slug: string }) => [t.id, t.slug]), [[TENANT.acme, 'acme'], [TENANT.globex, 'globex']]);
    const roles = Object.fromEntries(row.profile_rows.map((p: { id: string; role: string }) => [p.id, p.role]));
    assert.deepEqual(roles, { [USER.alice]: 'owner', [USER.bob]: 'admin', [USER.carol]: 'member', [USER.dave]: 'owner', [USER.erin]: 'member' });
  });

  it('stores a verifiable bcrypt password for each account', async () => {
    const [row] = await asOwner((tx) => tx`
      select bool_and(encrypted_password = extensions.crypt('password123', encrypted_password)) as ok,
             bool_or(encrypted_password = extensions.crypt('wrong', encrypted_password)) as wrong_ok
      from auth.users`);
    assert.deepEqual({ ...row }, { ok: true, wrong_ok: false });
  });

  it('is deterministic and idempotent: running it again changes nothing', async () => {
    await asOwner(async (tx) => {
      const [before] = await snapshot(tx);
      await tx.unsafe(seedSql);
      const [after] = await snapshot(tx);
      assert.deepEqual(after, before);
    });
  });

  it('gives every table a fixed id (no random uuids or now())', () => {
    assert.doesNotMatch(seedSql, /gen_random_uuid|now\(\)|random\(\)|gen_salt/);
  });
});
