/**
 * Tenancy: the helpers every policy uses, and the RLS / grant matrix of tenants and users
 * for anon, a member, an admin, an owner, a stranger from another tenant and service_role.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, asOwner, asServiceRole, asUser, sqlError } from '../helpers/db.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

describe('tenancy helpers', () => {
  it('answer the caller\'s tenant and role', async () => {
    for (const [user, tenant, role] of [
      [USER.alice, TENANT.acme, 'owner'], [USER.bob, TENANT.acme, 'admin'], [USER.carol, TENANT.acme, 'member'],
      [USER.dave, TENANT.globex, 'owner'], [USER.erin, TENANT.globex, 'member'],
    ]) {
      const [row] = await asUser(user, (tx) => tx`select private.current_tenant_id() as tenant, private.current_tenant_role() as role`);
      assert.deepEqual({ ...row }, { tenant, role }, `for ${user}`);
    }
  });

  it('answer null for an account without a profile and for service_role', async () => {
    const [frank] = await asUser(USER.frank, (tx) => tx`select private.current_tenant_id() as tenant, private.current_tenant_role() as role`);
    assert.deepEqual({ ...frank }, { tenant: null, role: null });
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
    const carol = await asUser(USER.carol, (tx) => tx`select slug from public.tenants`);
    assert.deepEqual(carol.map((r) => r.slug), ['acme']);
    const erin = await asUser(USER.erin, (tx) => tx`select slug from public.tenants where id = ${TENANT.acme}`);
    assert.equal(erin.length, 0);
    const frank = await asUser(USER.frank, (tx) => tx`select slug from public.tenants`);
    assert.equal(frank.length, 0);
  });

  it('owners and admins rename their tenant; members and strangers change nothing', async () => {
    const renamed = await asUser(USER.bob, (tx) => tx`update public.tenants set name = 'Acme Ltd' where id = ${TENANT.acme} returning name, updated_at > created_at as touched`);
    assert.deepEqual(renamed.map((r) => ({ ...r })), [{ name: 'Acme Ltd', touched: true }]);
    const byMember = await asUser(USER.carol, (tx) => tx`update public.tenants set name = 'Hacked' where id = ${TENANT.acme} returning id`);
    assert.equal(byMember.length, 0);
    const byStranger = await asUser(USER.dave, (tx) => tx`update public.tenants set name = 'Hacked' where id = ${TENANT.acme} returning id`);
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
      const [t] = await tx`insert into public.tenants (slug, name) values ('initech', 'Initech') returning plan`;
      assert.equal(t.plan, 'free');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name) values ('Bad Slug!', 'x')`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name) values ('ok', '   ')`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name, plan) values ('ok', 'Ok', 'gold')`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.tenants (slug, name) values ('acme', 'Dup')`)).code, '23505');
      const deleted = await tx`delete from public.tenants where slug = 'initech' returning id`;
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
    assert.deepEqual(alice.map((r) => r.id), [USER.alice, USER.bob, USER.carol]);
    const erin = await asUser(USER.erin, (tx) => tx`select id from public.users order by id`);
    assert.deepEqual(erin.map((r) => r.id), [USER.dave, USER.erin]);
  });

  it('nobody but service_role inserts profiles, not even for themselves', async () => {
    await asUser(USER.frank, async (tx) => {
      const err = await sqlError(tx, (sp) => sp`insert into public.users (id, tenant_id, role) values (${USER.frank}, ${TENANT.acme}, 'owner')`);
      assert.equal(err.code, '42501');
    });
    await asUser(USER.alice, async (tx) => {
      const err = await sqlError(tx, (sp) => sp`insert into public.users (id, tenant_id) values (${USER.frank}, ${TENANT.acme})`);
      assert.equal(err.code, '42501');
    });
    const [row] = await asServiceRole((tx) => tx`insert into public.users (id, tenant_id, display_name) values (${USER.frank}, ${TENANT.globex}, 'Frank') returning role`);
    assert.equal(row.role, 'member');
  });

  it('a member edits their own display name, not a colleague\'s, not their role', async () => {
    const own = await asUser(USER.carol, (tx) => tx`update public.users set display_name = 'Caroline' where id = ${USER.carol} returning display_name`);
    assert.deepEqual(own.map((r) => r.display_name), ['Caroline']);
    const colleague = await asUser(USER.carol, (tx) => tx`update public.users set display_name = 'X' where id = ${USER.bob} returning id`);
    assert.equal(colleague.length, 0);
    await asUser(USER.carol, async (tx) => {
      const err = await sqlError(tx, (sp) => sp`update public.users set role = 'owner' where id = ${USER.carol}`);
      assert.equal(err.code, '42501');
      assert.match(err.message, /only tenant owners and admins/);
    });
  });

  it('an update can never move a profile into another tenant', async () => {
    await asUser(USER.alice, async (tx) => {
      const err = await sqlError(tx, (sp) => sp`update public.users set tenant_id = ${TENANT.globex} where id = ${USER.carol}`);
      assert.equal(err.code, '42501');
    });
    await asServiceRole(async (tx) => {
      const err = await sqlError(tx, (sp) => sp`update public.users set tenant_id = ${TENANT.globex} where id = ${USER.carol}`);
      assert.equal(err.code, '42501');
      assert.match(err.message, /cannot change its id or tenant/);
    });
  });

  it('admins manage members; only owners touch the owner role; a tenant keeps an owner', async () => {
    const promoted = await asUser(USER.bob, (tx) => tx`update public.users set role = 'admin' where id = ${USER.carol} returning role`);
    assert.deepEqual(promoted.map((r) => r.role), ['admin']);
    await asUser(USER.bob, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`update public.users set role = 'owner' where id = ${USER.carol}`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update public.users set role = 'member' where id = ${USER.alice}`)).code, '42501');
    });
    const byOwner = await asUser(USER.alice, (tx) => tx`update public.users set role = 'owner' where id = ${USER.bob} returning role`);
    assert.deepEqual(byOwner.map((r) => r.role), ['owner']);
    await asUser(USER.alice, async (tx) => {
      const err = await sqlError(tx, (sp) => sp`update public.users set role = 'member' where id = ${USER.alice}`);
      assert.equal(err.code, '23514');
      assert.match(err.message, /at least one owner/);
    });
    const strangers = await asUser(USER.dave, (tx) => tx`update public.users set role = 'member' where id = ${USER.bob} returning id`);
    assert.equal(strangers.length, 0);
  });

  it('admins remove members of their tenant, not owners; members and strangers remove nobody', async () => {
    const byAdmin = await asUser(USER.bob, (tx) => tx`delete from public.users where id in (${USER.carol}, ${USER.alice}) returning id`);
    assert.deepEqual(byAdmin.map((r) => r.id), [USER.carol]);
    const byMember = await asUser(USER.carol, (tx) => tx`delete from public.users where id = ${USER.bob} returning id`);
    assert.equal(byMember.length, 0);
    const byStranger = await asUser(USER.dave, (tx) => tx`delete from public.users where id = ${USER.carol} returning id`);
    assert.equal(byStranger.length, 0);
  });

  it('email and timestamps are not writable by users; checks refuse bad values', async () => {
    await asUser(USER.carol, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`update public.users set email = 'x@y.z' where id = ${USER.carol}`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update public.users set display_name = ${'x'.repeat(101)} where id = ${USER.carol}`)).code, '23514');
    });
    await asServiceRole(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`update public.users set role = 'superuser' where id = ${USER.carol}`)).code, '23514');
    });
  });

  it('a profile goes with its account', async () => {
    await asOwner(async (tx) => {
      await tx`delete from auth.users where id = ${USER.carol}`;
      const [row] = await tx`select count(*)::int as n from public.users where id = ${USER.carol}`;
      assert.equal(row.n, 0);
    });
  });
});
