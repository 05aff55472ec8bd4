/**
 * Tenancy with members who joined by invitation: in a self-service tenant (its founder the one
 * owner, an admin and a member who accepted invitations) roles come from the invitation, admins
 * and owners manage and remove the joiners, removed accounts join again, and the one-owner rule holds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Scenario, scenario } from '../helpers/db.ts';
import { accept, invite, signUp } from '../helpers/invitations.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

describe('members who joined by invitation', () => {
  /** A self-service tenant: its creator (the one owner) and two accounts that joined by invitation. */
  const selfServiceTenant = async (s: Scenario) => {
    const founder = (await signUp(s.owner)).id;
    const [tenant] = await s.as({ user: founder }, (tx) => tx`select id from public.create_tenant('Joiners', ${`joiners-${process.pid}`})`);
    const join = async (role: 'admin' | 'member') => {
      const joiner = await signUp(s.owner);
      await accept(s, joiner, (await invite(s, founder, { role })).token);
      return joiner.id;
    };
    return { tenant: tenant.id as string, founder, admin: await join('admin'), member: await join('member') };
  };
  const roles = async (s: Scenario, tenant: string) =>
    Object.fromEntries((await s.owner`select id, role from public.users where tenant_id = ${tenant}`).map((r) => [r.id, r.role]));

  it('get their role from the invitation and are managed like any member', async () => {
    await scenario(async (s) => {
      const t = await selfServiceTenant(s);
      assert.deepEqual(await roles(s, t.tenant), { [t.founder]: 'owner', [t.admin]: 'admin', [t.member]: 'member' });
      // The invited admin promotes and demotes members, never touches the owner role.
      const promoted = await s.as({ user: t.admin }, (tx) => tx`update public.users set role = 'admin' where id = ${t.member} returning role`);
      assert.deepEqual(promoted.map((r) => r.role), ['admin']);
      await s.as({ user: t.admin }, (tx) => tx`update public.users set role = 'member' where id = ${t.member}`);
      assert.equal((await s.errorAs({ user: t.admin }, (tx) => tx`update public.users set role = 'owner' where id = ${t.member}`)).code, '42501');
      assert.equal((await s.errorAs({ user: t.admin }, (tx) => tx`update public.users set role = 'member' where id = ${t.founder}`)).code, '42501');
      // The invited member changes nobody's role and removes nobody.
      assert.equal((await s.errorAs({ user: t.member }, (tx) => tx`update public.users set role = 'admin' where id = ${t.member}`)).code, '42501');
      assert.equal((await s.as({ user: t.member }, (tx) => tx`delete from public.users where id in (${t.admin}, ${t.founder}) returning id`)).length, 0);
      // Strangers see and change none of them.
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`update public.users set role = 'member' where id = ${t.admin} returning id`)).length, 0);
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`delete from public.users where tenant_id = ${t.tenant} returning id`)).length, 0);
      assert.deepEqual(await roles(s, t.tenant), { [t.founder]: 'owner', [t.admin]: 'admin', [t.member]: 'member' });
    });
  });

  it('are removed by admins and owners, and can then join again (one profile at a time)', async () => {
    await scenario(async (s) => {
      const t = await selfServiceTenant(s);
      // An admin cannot remove the owner (the policy filters the row out).
      assert.equal((await s.as({ user: t.admin }, (tx) => tx`delete from public.users where id = ${t.founder} returning id`)).length, 0);
      const byAdmin = await s.as({ user: t.admin }, (tx) => tx`delete from public.users where id = ${t.member} returning id`);
      assert.deepEqual(byAdmin.map((r) => r.id), [t.member]);
      const byOwner = await s.as({ user: t.founder }, (tx) => tx`delete from public.users where id = ${t.admin} returning id`);
      assert.deepEqual(byOwner.map((r) => r.id), [t.admin]);
      assert.deepEqual(await roles(s, t.tenant), { [t.founder]: 'owner' });
      // Removed, the accounts have no profile: one joins another tenant, the other creates its own.
      const [inv] = await s.as({ user: USER.alice }, (tx) => tx`select token from public.create_invitation('member')`);
      const [joined] = await s.as({ user: t.member }, (tx) => tx`select tenant_id from public.accept_invitation(${inv.token})`);
      assert.equal(joined.tenant_id, TENANT.acme);
      const [own] = await s.as({ user: t.admin }, (tx) => tx`select id from public.create_tenant('Spin-off', ${`spin-off-${process.pid}`})`);
      const [profile] = await s.owner`select tenant_id, role from public.users where id = ${t.admin}`;
      assert.deepEqual({ ...profile }, { tenant_id: own.id, role: 'owner' });
    });
  });

  it('keep the one-owner rule: the only owner neither steps down nor leaves until an invited member is made owner', async () => {
    await scenario(async (s) => {
      const t = await selfServiceTenant(s);
      const stepDown = await s.errorAs({ user: t.founder }, (tx) => tx`update public.users set role = 'admin' where id = ${t.founder}`);
      assert.equal(stepDown.code, '23514');
      assert.match(stepDown.message, /at least one owner/);
      const leave = await s.errorAs({ user: t.founder }, (tx) => tx`delete from public.users where id = ${t.founder}`);
      assert.equal(leave.code, '23514');
      assert.match(leave.message, /at least one owner/);
      // Only an owner makes an owner; then the founder may leave, and the new owner is the only one.
      assert.equal((await s.errorAs({ user: t.admin }, (tx) => tx`update public.users set role = 'owner' where id = ${t.admin}`)).code, '42501');
      await s.as({ user: t.founder }, (tx) => tx`update public.users set role = 'owner' where id = ${t.member}`);
      const left = await s.as({ user: t.founder }, (tx) => tx`delete from public.users where id = ${t.founder} returning id`);
      assert.deepEqual(left.map((r) => r.id), [t.founder]);
      assert.deepEqual(await roles(s, t.tenant), { [t.admin]: 'admin', [t.member]: 'owner' });
      assert.equal((await s.errorAs({ user: t.member }, (tx) => tx`delete from public.users where id = ${t.member}`)).code, '23514');
      assert.equal((await s.errorAs({ user: t.member }, (tx) => tx`update public.users set role = 'member' where id = ${t.member}`)).code, '23514');
    });
  });

  it('an owner among several removes another owner; the last owner goes only with its account or tenant, or by service_role', async () => {
    await scenario(async (s) => {
      const t = await selfServiceTenant(s);
      await s.as({ user: t.founder }, (tx) => tx`update public.users set role = 'owner' where id = ${t.admin}`);
      const removed = await s.as({ user: t.admin }, (tx) => tx`delete from public.users where id = ${t.founder} returning id`);
      assert.deepEqual(removed.map((r) => r.id), [t.founder]);
      // Deleting the last owner's account (erasure) or the tenant is never blocked by the rule.
      await s.owner`delete from auth.users where id = ${t.admin}`;
      assert.deepEqual(await roles(s, t.tenant), { [t.member]: 'member' });
      await s.owner`delete from public.tenants where id = ${t.tenant}`;
      assert.deepEqual(await roles(s, t.tenant), {});
    });
    await scenario(async (s) => {
      const t = await selfServiceTenant(s);
      const bySvc = await s.as('service_role', (tx) => tx`delete from public.users where id = ${t.founder} returning id`);
      assert.deepEqual(bySvc.map((r) => r.id), [t.founder], 'service_role (support, offboarding) is not refused');
    });
  });
});
