/**
 * Tenancy: the helpers every policy uses, and the RLS / grant matrix of tenants and users
 * for anon, a member, an admin, an owner, a stranger from another tenant and service_role.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, asServiceRole, asUser, createAccount, type Scenario, scenario, sqlError, type Tx } from '../helpers/db.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

describe('tenancy helpers', () => {
  it('answer the caller\'s tenant and role', async () => {
    for (const [user, tenant, role] of [
      [USER.alice, TENANT.acme, 'admin'], [USER.bob, TENANT.acme, 'member'], [USER.carol, TENANT.globex, 'admin'],
      [USER.dave, TENANT.globex, 'member'], [USER.erin, TENANT.initech, 'admin'], [USER.frank, TENANT.initech, 'member'],
    ]) {
      const [row] = await asUser(user, (tx) => tx`select private.current_tenant_id() as tenant, private.current_tenant_role() as role`);
      assert.deepEqual({ ...row }, { tenant, role }, `for ${user}`);
    }
  });

  it('answer null for an account without a profile and for service_role', async () => {
    await scenario(async (s) => {
      const nora = await createAccount(s.owner);
      const [row] = await s.as({ user: nora }, (tx) => tx`select private.current_tenant_id() as tenant, private.current_tenant_role() as role`);
      assert.deepEqual({ ...row }, { tenant: null, role: null });
    });
    const [service] = await asServiceRole((tx) => tx`select private.current_tenant_id() as tenant`);
    assert.equal(service.tenant, null);
  });

  it('are SECURITY DEFINER with an empty search_path, and anon cannot reach them', async () => {
    const rows = await asServiceRole((tx) => tx`
      select p.proname, p.prosecdef, p.proconfig, p.provolatile,
             has_function_privilege('anon', p.oid, 'execute') as anon_exec,
             has_function_privilege('authenticated', p.oid, 'execute') as auth_exec
      from pg_proc p where p.pronamespace = 'private'::regnamespace and p.proname like 'current_tenant_%' order by 1`);
    assert.equal(rows.length, 2);
    for (const r of rows) {
      assert.equal(r.prosecdef, true, r.proname);
      assert.deepEqual(r.proconfig, ['search_path=""'], r.proname);
      assert.equal(r.provolatile, 's', `${r.proname} is stable`);
      assert.equal(r.anon_exec, false, r.proname);
      assert.equal(r.auth_exec, true, r.proname);
    }
    await asAnon(async (tx) => {
      const err = await sqlError(tx, (sp) => sp`select private.current_tenant_id()`);
      assert.equal(err.code, '42501');
    });
  });
});

describe('tenants RLS', () => {
  it('anon can do nothing', async () => {
    await asAnon(async (tx) => {
      for (const stmt of [
        (sp: typeof tx) => sp`select * from public.tenants`,
        (sp: typeof tx) => sp`insert into public.tenants (slug, name) values ('x', 'X')`,
        (sp: typeof tx) => sp`update public.tenants set name = 'X'`,
        (sp: typeof tx) => sp`delete from public.tenants`,
      ]) assert.equal((await sqlError(tx, stmt)).code, '42501');
    });
  });

  it('members read only their own tenant', async () => {
    const bob = await asUser(USER.bob, (tx) => tx`select slug from public.tenants`);
    assert.deepEqual(bob.map((r) => r.slug), ['test-acme']);
    const dave = await asUser(USER.dave, (tx) => tx`select slug from public.tenants where id = ${TENANT.acme}`);
    assert.equal(dave.length, 0);
    await scenario(async (s) => {
      const nora = await createAccount(s.owner);
      assert.equal((await s.as({ user: nora }, (tx) => tx`select slug from public.tenants`)).length, 0);
    });
  });

  it('owners and admins rename their tenant; members and strangers change nothing', async () => {
    const renamed = await asUser(USER.alice, (tx) => tx`update public.tenants set name = 'Acme Ltd' where id = ${TENANT.acme} returning name, updated_at > created_at as touched`);
    assert.deepEqual(renamed.map((r) => ({ ...r })), [{ name: 'Acme Ltd', touched: true }]);
    await scenario(async (s) => {
      const olivia = await createAccount(s.owner, { tenantId: TENANT.acme, role: 'owner' });
      const byOwner = await s.as({ user: olivia }, (tx) => tx`update public.tenants set slug = 'acme-ltd' where id = ${TENANT.acme} returning slug`);
      assert.deepEqual(byOwner.map((r) => r.slug), ['acme-ltd']);
    });
    const byMember = await asUser(USER.bob, (tx) => tx`update public.tenants set name = 'Hacked' where id = ${TENANT.acme} returning id`);
    assert.equal(byMember.length, 0);
    const byStranger = await asUser(USER.carol, (tx) => tx`update public.tenants set name = 'Hacked' where id = ${TENANT.acme} returning id`);
    assert.equal(byStranger.length, 0);
  });

  it('users cannot create, delete, re-key or re-plan tenants', async () => {
    await asUser(USER.alice, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name) values ('mine', 'Mine')`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`delete from public.tenants where id = ${TENANT.acme}`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update public.tenants set plan = 'enterprise' where id = ${TENANT.acme}`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update public.tenants set id = ${TENANT.globex} where id = ${TENANT.acme}`)).code, '42501');
    });
  });

  it('service_role provisions and removes tenants; bad input is refused by checks', async () => {
    await asServiceRole(async (tx) => {
      const [t] = await tx`insert into public.tenants (slug, name) values ('umbrella', 'Umbrella') returning plan`;
      assert.equal(t.plan, 'free');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name) values ('Bad Slug!', 'x')`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name) values ('ok', '   ')`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name, plan) values ('ok', 'Ok', 'gold')`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name) values ('test-acme', 'Dup')`)).code, '23505');
      const deleted = await tx`delete from public.tenants where slug = 'umbrella' returning id`;
      assert.equal(deleted.length, 1);
    });
  });
});

describe('users RLS', () => {
  it('anon can do nothing', async () => {
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select * from public.users`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update public.users set display_name = 'x'`)).code, '42501');
    });
  });

  it('members see the profiles of their own tenant only', async () => {
    const alice = await asUser(USER.alice, (tx) => tx`select id from public.users order by id`);
    assert.deepEqual(alice.map((r) => r.id), [USER.alice, USER.bob]);
    const dave = await asUser(USER.dave, (tx) => tx`select id from public.users order by id`);
    assert.deepEqual(dave.map((r) => r.id), [USER.carol, USER.dave]);
  });

  it('nobody but service_role inserts profiles, not even for themselves', async () => {
    await scenario(async (s) => {
      const nora = await createAccount(s.owner);
      assert.equal((await s.errorAs({ user: nora }, (tx) => tx`insert into public.users (id, tenant_id, role) values (${nora}, ${TENANT.acme}, 'owner')`)).code, '42501');
      assert.equal((await s.errorAs({ user: USER.alice }, (tx) => tx`insert into public.users (id, tenant_id) values (${nora}, ${TENANT.acme})`)).code, '42501');
      const [row] = await s.as('service_role', (tx) => tx`insert into public.users (id, tenant_id, display_name) values (${nora}, ${TENANT.globex}, 'Nora') returning role`);
      assert.equal(row.role, 'member');
    });
  });

  it('a member edits their own display name, not a colleague\'s, not their role', async () => {
    const own = await asUser(USER.bob, (tx) => tx`update public.users set display_name = 'Robert' where id = ${USER.bob} returning display_name`);
    assert.deepEqual(own.map((r) => r.display_name), ['Robert']);
    const colleague = await asUser(USER.bob, (tx) => tx`update public.users set display_name = 'X' where id = ${USER.alice} returning id`);
    assert.equal(colleague.length, 0);
    await asUser(USER.bob, async (tx) => {
      const err = await sqlError(tx, (sp) => sp`update public.users set role = 'admin' where id = ${USER.bob}`);
      assert.equal(err.code, '42501');
      assert.match(err.message, /only tenant owners and admins/);
    });
  });

  it('an update can never move a profile into another tenant', async () => {
    await asUser(USER.alice, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`update public.users set tenant_id = ${TENANT.globex} where id = ${USER.bob}`)).code, '42501');
    });
    await asServiceRole(async (tx) => {
      const err = await sqlError(tx, (sp) => sp`update public.users set tenant_id = ${TENANT.globex} where id = ${USER.bob}`);
      assert.equal(err.code, '42501');
      assert.match(err.message, /cannot change its id or tenant/);
    });
  });

  it('admins manage members; only owners touch the owner role; a tenant keeps an owner', async () => {
    await scenario(async (s) => {
      const olivia = await createAccount(s.owner, { tenantId: TENANT.acme, role: 'owner' });
      const promoted = await s.as({ user: USER.alice }, (tx) => tx`update public.users set role = 'admin' where id = ${USER.bob} returning role`);
      assert.deepEqual(promoted.map((r) => r.role), ['admin']);
      assert.equal((await s.errorAs({ user: USER.alice }, (tx) => tx`update public.users set role = 'owner' where id = ${USER.bob}`)).code, '42501');
      assert.equal((await s.errorAs({ user: USER.alice }, (tx) => tx`update public.users set role = 'member' where id = ${olivia}`)).code, '42501');
      const byOwner = await s.as({ user: olivia }, (tx) => tx`update public.users set role = 'owner' where id = ${USER.alice} returning role`);
      assert.deepEqual(byOwner.map((r) => r.role), ['owner']);
      const stepDown = await s.as({ user: olivia }, (tx) => tx`update public.users set role = 'member' where id = ${olivia} returning role`);
      assert.deepEqual(stepDown.map((r) => r.role), ['member'], 'another owner remains');
      const err = await s.errorAs({ user: USER.alice }, (tx) => tx`update public.users set role = 'admin' where id = ${USER.alice}`);
      assert.equal(err.code, '23514');
      assert.match(err.message, /at least one owner/);
      const strangers = await s.as({ user: USER.carol }, (tx) => tx`update public.users set role = 'member' where id = ${USER.bob} returning id`);
      assert.equal(strangers.length, 0);
    });
  });

  it('admins remove members of their tenant, not owners; members and strangers remove nobody', async () => {
    await scenario(async (s) => {
      const olivia = await createAccount(s.owner, { tenantId: TENANT.acme, role: 'owner' });
      const byAdmin = await s.as({ user: USER.alice }, (tx) => tx`delete from public.users where id in (${USER.bob}, ${olivia}) returning id`);
      assert.deepEqual(byAdmin.map((r) => r.id), [USER.bob]);
      const byMember = await s.as({ user: USER.dave }, (tx) => tx`delete from public.users where id = ${USER.carol} returning id`);
      assert.equal(byMember.length, 0);
      const byStranger = await s.as({ user: USER.carol }, (tx) => tx`delete from public.users where id = ${USER.alice} returning id`);
      assert.equal(byStranger.length, 0);
      const byOwner = await s.as({ user: olivia }, (tx) => tx`delete from public.users where id = ${USER.alice} returning id`);
      assert.equal(byOwner.length, 1);
    });
  });

  it('email and timestamps are not writable by users; checks refuse bad values', async () => {
    await asUser(USER.bob, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`update public.users set email = 'x@y.z' where id = ${USER.bob}`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update public.users set updated_at = now() where id = ${USER.bob}`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update public.users set display_name = ${'x'.repeat(101)} where id = ${USER.bob}`)).code, '23514');
    });
    await asServiceRole(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`update public.users set role = 'superuser' where id = ${USER.bob}`)).code, '23514');
    });
  });

  it('a profile goes with its account', async () => {
    await scenario(async (s) => {
      await s.owner`delete from auth.users where id = ${USER.bob}`;
      const [row] = await s.owner`select count(*)::int as n from public.users where id = ${USER.bob}`;
      assert.equal(row.n, 0);
    });
  });
});

describe('members who joined by invitation', () => {
  let signups = 0;
  /** An account as sign-up creates it (no profile). */
  const signUp = async (owner: Tx): Promise<string> => {
    signups++;
    const [row] = await owner`insert into auth.users (id, aud, role, email, created_at, updated_at)
                              values (gen_random_uuid(), 'authenticated', 'authenticated', ${`joiner-${process.pid}-${signups}@example.test`}, now(), now())
                              returning id`;
    return row.id as string;
  };
  /** A self-service tenant: its creator (the one owner) and two accounts that joined by invitation. */
  const selfServiceTenant = async (s: Scenario) => {
    const founder = await signUp(s.owner);
    const [tenant] = await s.as({ user: founder }, (tx) => tx`select id from public.create_tenant('Joiners', ${`joiners-${process.pid}`})`);
    const join = async (role: 'admin' | 'member') => {
      const [inv] = await s.as({ user: founder }, (tx) => tx`select token from public.create_invitation(${role})`);
      const id = await signUp(s.owner);
      await s.as({ user: id }, (tx) => tx`select public.accept_invitation(${inv.token})`);
      return id;
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
