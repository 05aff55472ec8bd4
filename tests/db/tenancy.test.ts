/**
 * Tenancy: the helpers every policy uses, and the RLS / grant matrix of tenants and users
 * for anon, a member, an admin, an owner, a stranger from another tenant and service_role.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, asServiceRole, asUser, createAccount, scenario, sqlError } from '../helpers/db.ts';
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

  it('service_role provisions and removes tenants; bad input is refused by checks (a plan outside tenant_plan: 22P02)', async () => {
    await asServiceRole(async (tx) => {
      const [t] = await tx`insert into public.tenants (slug, name) values ('umbrella', 'Umbrella') returning plan`;
      assert.equal(t.plan, 'free');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name) values ('Bad Slug!', 'x')`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name) values ('ok', '   ')`)).code, '23514');
      const gold = await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name, plan) values ('ok', 'Ok', 'gold')`);
      assert.equal(gold.code, '22P02');
      assert.match(gold.message, /invalid input value for enum tenant_plan: "gold"/);
      const plans = await tx`insert into public.tenants (slug, name, plan) values ('ok-pro', 'Pro', ${'pro'}), ('ok-ent', 'Ent', 'enterprise') returning plan`;
      assert.deepEqual(plans.map((r) => r.plan), ['pro', 'enterprise']);
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
      const superuser = await sqlError(tx, (sp) => sp`update public.users set role = 'superuser' where id = ${USER.bob}`);
      assert.equal(superuser.code, '22P02', 'role is a tenant_role');
      assert.match(superuser.message, /invalid input value for enum tenant_role: "superuser"/);
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
