/**
 * Invitations, issuing and withdrawing: create_invitation and revoke_invitation for every actor
 * (anon, an account without a profile, member, admin, owner, another tenant's admin,
 * service_role), the token stored only as its hash, and every refused argument with its SQLSTATE.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { scenario } from '../helpers/db.ts';
import { addOwner, invite, signUp } from '../helpers/invitations.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

describe('create_invitation', () => {
  it('owners and admins invite admins and members; the token is returned once and stored only as its SHA-256', async () => {
    await scenario(async (s) => {
      const olivia = await addOwner(s);
      for (const [by, role] of [[olivia, 'admin'], [olivia, 'member'], [USER.alice, 'admin'], [USER.alice, 'member']]) {
        const inv = await invite(s, by, { role });
        assert.equal(inv.tenant_id, TENANT.acme);
        assert.equal(inv.role, role);
        assert.equal(inv.max_uses, 1);
        assert.equal(inv.email, null);
        assert.match(inv.token, /^[A-Za-z0-9_-]{43}$/);
        const expiresIn = inv.expires_at.getTime() - Date.now();
        assert.ok(expiresIn > 23.9 * 3600e3 && expiresIn <= 24 * 3600e3 + 5e3, `expires in ${expiresIn} ms`);
        const [row] = await s.owner`select token_hash, created_by, use_count, revoked_at from public.tenant_invitations where id = ${inv.id}`;
        assert.deepEqual(row.token_hash, createHash('sha256').update(inv.token).digest());
        assert.equal(row.created_by, by);
        assert.equal(row.use_count, 0);
        // The token itself is nowhere in the table.
        const [found] = await s.owner`select count(*)::int as n from public.tenant_invitations i where i::text like ${`%${inv.token}%`}`;
        assert.equal(found.n, 0);
      }
      const a = await invite(s, USER.alice);
      const b = await invite(s, USER.alice);
      assert.notEqual(a.token, b.token);
    });
  });

  it('takes an email, an expiry and a number of uses (null: any number until it expires)', async () => {
    await scenario(async (s) => {
      const bound = await invite(s, USER.alice, { email: '  Nora@Example.TEST ' });
      assert.deepEqual({ email: bound.email, max_uses: bound.max_uses }, { email: 'Nora@Example.TEST', max_uses: 1 });
      const short = await invite(s, USER.alice, { expiresIn: '5 minutes', maxUses: 25 });
      assert.ok(Math.abs(short.expires_at.getTime() - Date.now() - 5 * 60e3) < 5e3);
      assert.equal(short.max_uses, 25);
      const open = await invite(s, USER.alice, { expiresIn: '30 days', maxUses: null });
      assert.equal(open.max_uses, null);
      const [defaults] = await s.as({ user: USER.alice }, (tx) => tx`select max_uses, email, role from public.create_invitation('member')`);
      assert.deepEqual({ ...defaults }, { max_uses: 1, email: null, role: 'member' });
    });
  });

  it('refuses members, accounts without a profile, anon and service_role (42501)', async () => {
    await scenario(async (s) => {
      const nora = await signUp(s.owner);
      for (const user of [USER.bob, USER.dave, nora.id]) {
        const err = await s.errorAs({ user }, (tx) => tx`select public.create_invitation('member')`);
        assert.deepEqual(err, { code: '42501', message: 'create_invitation: only owners and admins of a tenant can invite' }, user);
      }
      assert.equal((await s.errorAs('service_role', (tx) => tx`select public.create_invitation('member')`)).code, '42501');
      assert.equal((await s.errorAs('anon', (tx) => tx`select public.create_invitation('member')`)).code, '42501');
      const [n] = await s.owner`select count(*)::int as n from public.tenant_invitations`;
      assert.equal(n.n, 0);
    });
  });

  it('validates every argument (22004, 22023; 22P02 for a role outside tenant_role)', async () => {
    await scenario(async (s) => {
      const call = (role: string | null, email: string | null, expiresIn: string | null, maxUses: number | null) =>
        s.errorAs({ user: USER.alice }, (tx) => tx`select public.create_invitation(${role}, ${email}, ${expiresIn}::interval, ${maxUses})`);
      assert.equal((await call(null, null, '1 day', 1)).code, '22004');
      const owner = await call('owner', null, '1 day', 1);
      assert.equal(owner.code, '22023');
      assert.match(owner.message, /role must be admin or member, not "owner"/);
      // p_role is a public.tenant_role: a label outside the enum is refused before the body runs.
      const boss = await call('boss', null, '1 day', 1);
      assert.equal(boss.code, '22P02');
      assert.match(boss.message, /invalid input value for enum tenant_role: "boss"/);
      for (const email of ['nora', 'a b@c.d', '@c.d', `${'x'.repeat(320)}@c.d`]) assert.equal((await call('member', email, '1 day', 1)).code, '22023', email);
      for (const ttl of ['4 minutes', '31 days', '-1 day']) {
        const err = await call('member', null, ttl, 1);
        assert.equal(err.code, '22023', ttl);
        assert.match(err.message, /between 5 minutes and 30 days/);
      }
      for (const uses of [0, -1, 10001]) assert.equal((await call('member', null, '1 day', uses)).code, '22023', String(uses));
      for (const uses of [2, null]) {
        const err = await call('member', 'nora@example.test', '1 day', uses);
        assert.equal(err.code, '22023');
        assert.match(err.message, /one-time/);
      }
      // A null expiry means the default.
      const [ok] = await s.as({ user: USER.alice }, (tx) => tx`select expires_at from public.create_invitation('member', null, null, 1)`);
      assert.ok(Math.abs(ok.expires_at.getTime() - Date.now() - 24 * 3600e3) < 5e3);
    });
  });
});

describe('revoke_invitation', () => {
  it('owners and admins revoke their tenant\'s invitations; again changes nothing', async () => {
    await scenario(async (s) => {
      const olivia = await addOwner(s);
      const byAdmin = await invite(s, USER.alice);
      const [revoked] = await s.as({ user: olivia }, (tx) => tx`select * from public.revoke_invitation(${byAdmin.id})`);
      assert.equal(revoked.id, byAdmin.id);
      assert.ok(revoked.revoked_at instanceof Date);
      await s.owner`update public.tenant_invitations set revoked_at = revoked_at - interval '1 hour' where id = ${byAdmin.id}`;
      const [again] = await s.as({ user: USER.alice }, (tx) => tx`select revoked_at from public.revoke_invitation(${byAdmin.id})`);
      assert.equal(again.revoked_at.getTime(), revoked.revoked_at.getTime() - 3600e3, 'the first revocation time is kept');
      const byOwner = await invite(s, olivia);
      const [r2] = await s.as({ user: USER.alice }, (tx) => tx`select revoked_at is not null as revoked from public.revoke_invitation(${byOwner.id})`);
      assert.equal(r2.revoked, true, 'admins revoke invitations an owner made');
    });
  });

  it('refuses members and accounts without a profile (42501), another tenant\'s admin and unknown ids (TN002)', async () => {
    await scenario(async (s) => {
      const inv = await invite(s, USER.alice);
      const nora = await signUp(s.owner);
      for (const user of [USER.bob, nora.id]) {
        const err = await s.errorAs({ user }, (tx) => tx`select public.revoke_invitation(${inv.id})`);
        assert.equal(err.code, '42501', user);
      }
      for (const id of [inv.id, '00000000-0000-4000-8000-000000000000']) {
        const err = await s.errorAs({ user: USER.carol }, (tx) => tx`select public.revoke_invitation(${id})`);
        assert.equal(err.code, 'TN002');
        assert.match(err.message, /^revoke_invitation: no invitation .* in your tenant$/);
      }
      assert.equal((await s.errorAs({ user: USER.alice }, (tx) => tx`select public.revoke_invitation(null)`)).code, '22004');
      assert.equal((await s.errorAs('service_role', (tx) => tx`select public.revoke_invitation(${inv.id})`)).code, '42501');
      assert.equal((await s.errorAs('anon', (tx) => tx`select public.revoke_invitation(${inv.id})`)).code, '42501');
      const [row] = await s.owner`select revoked_at from public.tenant_invitations where id = ${inv.id}`;
      assert.equal(row.revoked_at, null);
    });
  });
});
