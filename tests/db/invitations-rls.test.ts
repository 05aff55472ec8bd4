/**
 * Invitations, the table: the tenant_invitations role matrix for anon, an account without a
 * profile, member, admin, owner, another tenant's admin and service_role, its checks, and what
 * happens to an invitation when its creator or its tenant goes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, scenario, sqlError, type Tx } from '../helpers/db.ts';
import { addOwner, invite, signUp } from '../helpers/invitations.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

describe('tenant_invitations RLS', () => {
  it('anon can do nothing', async () => {
    await asAnon(async (tx) => {
      for (const stmt of [
        (sp: Tx) => sp`select * from public.tenant_invitations`,
        (sp: Tx) => sp`insert into public.tenant_invitations (tenant_id, token_hash) values (${TENANT.acme}, ${Buffer.alloc(32)})`,
        (sp: Tx) => sp`update public.tenant_invitations set role = 'admin'`,
        (sp: Tx) => sp`delete from public.tenant_invitations`,
      ]) assert.equal((await sqlError(tx, stmt)).code, '42501');
    });
  });

  it('owners and admins list their tenant\'s invitations; members, strangers and accounts without a profile see none', async () => {
    await scenario(async (s) => {
      const olivia = await addOwner(s);
      const byOwner = await invite(s, olivia);
      const byAdmin = await invite(s, USER.alice, { role: 'admin' });
      const globex = await invite(s, USER.carol);
      const nora = await signUp(s.owner);
      const list = (user: string) => s.as({ user }, (tx) => tx`select id, role, created_by, token_hash from public.tenant_invitations order by created_at, id`);
      for (const user of [olivia, USER.alice]) {
        const rows = await list(user);
        assert.deepEqual(rows.map((r) => r.id).sort(), [byOwner.id, byAdmin.id].sort(), user);
        assert.ok(rows.every((r) => Buffer.isBuffer(r.token_hash) && r.token_hash.length === 32));
      }
      assert.deepEqual((await list(USER.carol)).map((r) => r.id), [globex.id]);
      for (const user of [USER.bob, USER.dave, USER.erin, nora.id]) assert.equal((await list(user)).length, 0, user);
    });
  });

  it('nobody but service_role writes the table directly, not even owners and admins', async () => {
    await scenario(async (s) => {
      const olivia = await addOwner(s);
      const inv = await invite(s, USER.alice);
      const nora = await signUp(s.owner);
      for (const user of [olivia, USER.alice, USER.bob, nora.id]) {
        const as = { user };
        assert.equal((await s.errorAs(as, (tx) => tx`insert into public.tenant_invitations (tenant_id, token_hash, role)
                                                     values (${TENANT.acme}, ${Buffer.alloc(32, 1)}, 'member')`)).code, '42501', user);
        assert.equal((await s.errorAs(as, (tx) => tx`update public.tenant_invitations set max_uses = null where id = ${inv.id}`)).code, '42501', user);
        assert.equal((await s.errorAs(as, (tx) => tx`update public.tenant_invitations set revoked_at = now() where id = ${inv.id}`)).code, '42501', user);
        assert.equal((await s.errorAs(as, (tx) => tx`delete from public.tenant_invitations where id = ${inv.id}`)).code, '42501', user);
      }
      const [row] = await s.owner`select role, use_count, revoked_at, max_uses from public.tenant_invitations where id = ${inv.id}`;
      assert.deepEqual({ ...row }, { role: 'member', use_count: 0, revoked_at: null, max_uses: 1 });
    });
  });

  it('service_role reads and writes every tenant\'s invitations; the checks refuse bad rows', async () => {
    await scenario(async (s) => {
      await invite(s, USER.alice);
      await invite(s, USER.carol);
      const all = await s.as('service_role', (tx) => tx`select distinct tenant_id from public.tenant_invitations where tenant_id in (${TENANT.acme}, ${TENANT.globex})`);
      assert.equal(all.length, 2);
      await s.as('service_role', async (tx) => {
        const hash = (n: number) => Buffer.alloc(32, n);
        const [row] = await tx`insert into public.tenant_invitations (tenant_id, token_hash) values (${TENANT.initech}, ${hash(7)})
                               returning role, max_uses, use_count, extract(epoch from expires_at - created_at)::int as ttl`;
        assert.deepEqual({ role: row.role, max_uses: row.max_uses, use_count: row.use_count }, { role: 'member', max_uses: 1, use_count: 0 });
        assert.equal(row.ttl, 86400);
        for (const [label, stmt] of [
          ['owner role', (sp: Tx) => sp`insert into public.tenant_invitations (tenant_id, token_hash, role) values (${TENANT.initech}, ${hash(8)}, 'owner')`],
          ['short hash', (sp: Tx) => sp`insert into public.tenant_invitations (tenant_id, token_hash) values (${TENANT.initech}, ${Buffer.alloc(16)})`],
          ['bad email', (sp: Tx) => sp`insert into public.tenant_invitations (tenant_id, token_hash, email) values (${TENANT.initech}, ${hash(9)}, 'not-an-email')`],
          ['email multi-use', (sp: Tx) => sp`insert into public.tenant_invitations (tenant_id, token_hash, email, max_uses) values (${TENANT.initech}, ${hash(10)}, 'a@b.c', 2)`],
          ['over-used', (sp: Tx) => sp`insert into public.tenant_invitations (tenant_id, token_hash, max_uses, use_count) values (${TENANT.initech}, ${hash(11)}, 2, 3)`],
          ['max_uses 0', (sp: Tx) => sp`insert into public.tenant_invitations (tenant_id, token_hash, max_uses) values (${TENANT.initech}, ${hash(12)}, 0)`],
          ['expires before created', (sp: Tx) => sp`insert into public.tenant_invitations (tenant_id, token_hash, expires_at) values (${TENANT.initech}, ${hash(13)}, now() - interval '1 second')`],
        ] as const) assert.equal((await sqlError(tx, stmt)).code, '23514', label);
        assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenant_invitations (tenant_id, token_hash) values (${TENANT.initech}, ${hash(7)})`)).code, '23505');
      });
    });
  });

  it('goes with its tenant; the creator\'s removal keeps it, without a creator', async () => {
    await scenario(async (s) => {
      const inv = await invite(s, USER.carol);
      await s.owner`delete from public.users where id = ${USER.carol}`;
      const [kept] = await s.owner`select created_by from public.tenant_invitations where id = ${inv.id}`;
      assert.equal(kept.created_by, null);
      await s.owner`delete from public.tenants where id = ${TENANT.globex}`;
      assert.equal((await s.owner`select id from public.tenant_invitations where id = ${inv.id}`).length, 0);
    });
  });
});
