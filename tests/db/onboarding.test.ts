/**
 * Onboarding without service_role: sign-up creates nothing in the project's tables (no trigger on
 * auth.users), and a signed-in account without a profile creates its tenant with create_tenant
 * and becomes its owner. Role matrix, every error path with its SQLSTATE, and the profile it makes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, asOwner, asServiceRole, createAccount, scenario, sqlError, type Tx } from '../helpers/db.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

let signups = 0;

/** An account as Auth creates it at sign-up (auth.users plus its email identity), in the scenario. */
async function signUp(owner: Tx, opts: { email?: string; meta?: unknown } = {}): Promise<{ id: string; email: string }> {
  signups++;
  const email = opts.email ?? `onboarding-${process.pid}-${signups}@example.test`;
  const [row] = await owner`
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                            raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', ${email}, '',
            now(), '{"provider": "email", "providers": ["email"]}', ${owner.json((opts.meta ?? {}) as never)}, now(), now())
    returning id`;
  await owner`insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
              values (${row.id}::text, ${row.id}, ${owner.json({ sub: row.id, email } as never)}, 'email', now(), now())`;
  return { id: row.id as string, email };
}

const slug = (label: string) => `onb-${label}-${process.pid}`;

describe('sign-up', () => {
  it('creates no profile and no tenant: the project puts no trigger on auth tables', async () => {
    const triggers = await asOwner((tx) => tx`
      select t.tgname, t.tgrelid::regclass::text as tbl from pg_trigger t join pg_proc p on p.oid = t.tgfoid
      where not t.tgisinternal and t.tgrelid in ('auth.users'::regclass, 'auth.identities'::regclass)
        and p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)`);
    assert.deepEqual(triggers.map((r) => `${r.tbl} ${r.tgname}`), []);
    await scenario(async (s) => {
      const [before] = await s.owner`select (select count(*) from public.users)::int as users, (select count(*) from public.tenants)::int as tenants`;
      const nora = await signUp(s.owner, { meta: { display_name: 'Nora', tenant_name: 'Ignored', invitation_token: 'ignored' } });
      const [after] = await s.owner`select (select count(*) from public.users)::int as users, (select count(*) from public.tenants)::int as tenants`;
      assert.deepEqual({ ...after }, { ...before });
      const mine = await s.as({ user: nora.id, claims: { email: nora.email } }, (tx) => tx`select id from public.users where id = ${nora.id}`);
      assert.equal(mine.length, 0, 'a new account has no profile until it creates or joins a tenant');
    });
  });
});

describe('create_tenant', () => {
  it('makes a signed-in account without a profile the owner of a new tenant', async () => {
    await scenario(async (s) => {
      const nora = await signUp(s.owner, { meta: { display_name: '  Nora Field  ' } });
      const [tenant] = await s.as({ user: nora.id, claims: { email: nora.email } },
        (tx) => tx`select * from public.create_tenant('Nora''s Lab', ${slug('lab')})`);
      assert.equal(tenant.name, 'Nora\'s Lab');
      assert.equal(tenant.slug, slug('lab'));
      assert.equal(tenant.plan, 'free');
      const [profile] = await s.owner`select tenant_id, role, display_name, email from public.users where id = ${nora.id}`;
      assert.deepEqual({ ...profile }, { tenant_id: tenant.id, role: 'owner', display_name: 'Nora Field', email: nora.email });
      // The new owner now acts in the tenant under the ordinary policies.
      await s.as({ user: nora.id }, async (tx) => {
        const [ids] = await tx`select private.current_tenant_id() as tenant, private.current_tenant_role() as role`;
        assert.deepEqual({ ...ids }, { tenant: tenant.id, role: 'owner' });
        assert.deepEqual((await tx`select slug from public.tenants`).map((r) => r.slug), [slug('lab')]);
        const renamed = await tx`update public.tenants set name = 'Field Lab' where id = ${tenant.id} returning name`;
        assert.deepEqual(renamed.map((r) => r.name), ['Field Lab']);
        const [conversation] = await tx`insert into public.conversations (title) values ('First') returning tenant_id`;
        assert.equal(conversation.tenant_id, tenant.id);
      });
      // Nobody else sees it.
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`select id from public.tenants where id = ${tenant.id}`)).length, 0);
    });
  });

  it('takes the display name from an OAuth provider\'s full_name or name, cut to 100 characters, or none', async () => {
    await scenario(async (s) => {
      const cases: [unknown, string | null][] = [
        [{ full_name: 'Grace Hopper' }, 'Grace Hopper'],
        [{ name: 'Ada' }, 'Ada'],
        [{ display_name: 'x'.repeat(150) }, 'x'.repeat(100)],
        [{ display_name: '   ' }, null],
        [{}, null],
        [['not', 'an', 'object'], null],
      ];
      let i = 0;
      for (const [meta, expected] of cases) {
        const account = await signUp(s.owner, { meta });
        await s.as({ user: account.id }, (tx) => tx`select public.create_tenant('Named', ${slug(`named-${i++}`)})`);
        const [profile] = await s.owner`select display_name from public.users where id = ${account.id}`;
        assert.equal(profile.display_name, expected, JSON.stringify(meta));
      }
    });
  });

  it('refuses a caller who already has a profile (TN001), whatever their role', async () => {
    await scenario(async (s) => {
      const olivia = await createAccount(s.owner, { tenantId: TENANT.acme, role: 'owner' });
      for (const user of [USER.bob, USER.alice, olivia, USER.carol]) {
        const err = await s.errorAs({ user }, (tx) => tx`select public.create_tenant('Second', ${slug('second')})`);
        assert.equal(err.code, 'TN001', user);
        assert.match(err.message, /^create_tenant: your account already belongs to tenant /);
      }
      const [left] = await s.owner`select count(*)::int as n from public.tenants where slug = ${slug('second')}`;
      assert.equal(left.n, 0, 'no tenant is left behind');
    });
  });

  it('refuses a second tenant for the same account (one profile per account)', async () => {
    await scenario(async (s) => {
      const nora = await signUp(s.owner);
      await s.as({ user: nora.id }, (tx) => tx`select public.create_tenant('One', ${slug('one')})`);
      const err = await s.errorAs({ user: nora.id }, (tx) => tx`select public.create_tenant('Two', ${slug('two')})`);
      assert.equal(err.code, 'TN001');
      const [n] = await s.owner`select count(*)::int as n from public.tenants where slug in (${slug('one')}, ${slug('two')})`;
      assert.equal(n.n, 1);
    });
  });

  it('validates slug and name as the tenants table does, and refuses a taken slug (23505)', async () => {
    await scenario(async (s) => {
      const nora = await signUp(s.owner);
      const as = { user: nora.id };
      for (const bad of ['Bad Slug', 'UPPER', '-leading', 'trailing-', '', 'a'.repeat(64), 'dots.not.allowed']) {
        const err = await s.errorAs(as, (tx) => tx`select public.create_tenant('Ok', ${bad})`);
        assert.equal(err.code, '23514', bad);
        assert.match(err.message, /^create_tenant: the slug ".*" is not valid$/, bad);
      }
      for (const bad of ['', '   ', 'n'.repeat(201)]) {
        const err = await s.errorAs(as, (tx) => tx`select public.create_tenant(${bad}, ${slug('ok')})`);
        assert.equal(err.code, '23514');
        assert.match(err.message, /name must be 1-200 characters/);
      }
      const taken = await s.errorAs(as, (tx) => tx`select public.create_tenant('Dup', 'test-acme')`);
      assert.deepEqual(taken, { code: '23505', message: 'create_tenant: the slug "test-acme" is taken' });
      for (const [name, slugValue] of [[null, slug('x')], ['X', null]]) {
        const err = await s.errorAs(as, (tx) => tx`select public.create_tenant(${name}, ${slugValue})`);
        assert.equal(err.code, '22004');
      }
      // Nothing was created by any refused call; the account can still create its tenant.
      assert.equal((await s.owner`select id from public.users where id = ${nora.id}`).length, 0);
      const [ok] = await s.as(as, (tx) => tx`select slug from public.create_tenant(${'n'.repeat(200)}, ${'a'.repeat(63)})`);
      assert.equal(ok.slug, 'a'.repeat(63));
    });
  });

  it('refuses anon, service_role, a token without sub and an account that no longer exists', async () => {
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select public.create_tenant('X', ${slug('anon')})`)).code, '42501');
    });
    await asServiceRole(async (tx) => {
      const err = await sqlError(tx, (sp) => sp`select public.create_tenant('X', ${slug('svc')})`);
      assert.equal(err.code, '42501', 'service_role provisions tenants directly, not through the RPC');
    });
    await scenario(async (s) => {
      const noSub = await s.errorAs({ user: '', claims: { sub: undefined } }, (tx) => tx`select public.create_tenant('X', ${slug('nosub')})`);
      assert.deepEqual(noSub, { code: '42501', message: 'create_tenant: sign in first' });
      const ghost = '00000000-0000-4000-8000-0000000000ff';
      const gone = await s.errorAs({ user: ghost }, (tx) => tx`select public.create_tenant('X', ${slug('ghost')})`);
      assert.equal(gone.code, '42501');
      assert.match(gone.message, /does not exist/);
      assert.equal((await s.owner`select id from public.tenants where slug in (${slug('nosub')}, ${slug('ghost')})`).length, 0);
    });
  });

  it('is a SECURITY INVOKER wrapper over a SECURITY DEFINER body in private, executable by authenticated only', async () => {
    const rows = await asOwner((tx) => tx`
      select p.oid::regprocedure::text as fn, p.prosecdef, p.proconfig,
             has_function_privilege('anon', p.oid, 'execute') as anon,
             has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
             has_function_privilege('service_role', p.oid, 'execute') as service_role
      from pg_proc p
      where p.oid in ('public.create_tenant(text, text)'::regprocedure, 'private.create_tenant(text, text)'::regprocedure,
                      'private.create_caller_profile(uuid, public.tenant_role, text)'::regprocedure)
      order by 1`);
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { fn: 'create_tenant(text,text)', prosecdef: false, proconfig: ['search_path=""'], anon: false, authenticated: true, service_role: false },
      { fn: 'private.create_caller_profile(uuid,tenant_role,text)', prosecdef: false, proconfig: ['search_path=""'], anon: false, authenticated: false, service_role: false },
      { fn: 'private.create_tenant(text,text)', prosecdef: true, proconfig: ['search_path=""'], anon: false, authenticated: true, service_role: false },
    ]);
  });
});
