/**
 * Invitations: the tenant_invitations role matrix, create_invitation / revoke_invitation /
 * accept_invitation for every actor (anon, an account without a profile, member, admin, owner,
 * another tenant's admin, service_role), every error path with its SQLSTATE, expiry, multi-use
 * counts, revocation, email binding, and concurrent accepts on committed data.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Sql } from 'postgres';
import { asAnon, asOwner, asServiceRole, createAccount, type Scenario, scenario, sqlError, type Tx, userClaims } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { CONVERSATION, TENANT, USER } from '../helpers/seed-ids.ts';

let accounts = 0;

/** An account as Auth creates it at sign-up, without a profile. */
async function signUp(owner: Tx, opts: { email?: string; name?: string } = {}): Promise<{ id: string; email: string; claims: { email: string } }> {
  accounts++;
  const email = opts.email ?? `invitee-${process.pid}-${accounts}@example.test`;
  const meta = opts.name ? { display_name: opts.name } : {};
  const [row] = await owner`
    insert into auth.users (id, aud, role, email, email_confirmed_at, raw_user_meta_data, created_at, updated_at)
    values (gen_random_uuid(), 'authenticated', 'authenticated', ${email}, now(), ${owner.json(meta)}, now(), now())
    returning id`;
  return { id: row.id as string, email, claims: { email } };
}

interface Invitation { id: string; token: string; tenant_id: string; role: string; email: string | null; max_uses: number | null; expires_at: Date }

async function invite(s: Scenario, by: string, args: { role?: string; email?: string | null; expiresIn?: string | null; maxUses?: number | null } = {}): Promise<Invitation> {
  const [row] = await s.as({ user: by }, (tx) => tx`
    select * from public.create_invitation(${args.role ?? 'member'}, ${args.email ?? null},
                                           coalesce(${args.expiresIn ?? null}::interval, interval '24 hours'),
                                           ${args.maxUses === undefined ? 1 : args.maxUses})`);
  return row as unknown as Invitation;
}

const accept = (s: Scenario, who: { id: string; claims?: Record<string, unknown> }, token: string) =>
  s.as({ user: who.id, claims: who.claims }, (tx) => tx`select * from public.accept_invitation(${token})`);
const acceptError = (s: Scenario, who: { id: string; claims?: Record<string, unknown> }, token: string | null) =>
  s.errorAs({ user: who.id, claims: who.claims }, (tx) => tx`select * from public.accept_invitation(${token})`);

/** The acme owner every scenario uses (the seed's tenants have admins and members only). */
const addOwner = (s: Scenario) => createAccount(s.owner, { tenantId: TENANT.acme, role: 'owner', name: 'Olivia Owner' });

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

  it('validates every argument (22004, 22023)', async () => {
    await scenario(async (s) => {
      const call = (role: string | null, email: string | null, expiresIn: string | null, maxUses: number | null) =>
        s.errorAs({ user: USER.alice }, (tx) => tx`select public.create_invitation(${role}, ${email}, ${expiresIn}::interval, ${maxUses})`);
      assert.equal((await call(null, null, '1 day', 1)).code, '22004');
      const owner = await call('owner', null, '1 day', 1);
      assert.equal(owner.code, '22023');
      assert.match(owner.message, /role must be admin or member, not "owner"/);
      assert.equal((await call('boss', null, '1 day', 1)).code, '22023');
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

describe('accept_invitation', () => {
  it('gives an account without a profile its profile in the invitation\'s tenant and role, counting the use', async () => {
    await scenario(async (s) => {
      const inv = await invite(s, USER.alice, { role: 'admin' });
      const nora = await signUp(s.owner, { name: 'Nora Field' });
      const [profile] = await accept(s, nora, inv.token);
      assert.deepEqual({ id: profile.id, tenant_id: profile.tenant_id, role: profile.role, display_name: profile.display_name, email: profile.email },
        { id: nora.id, tenant_id: TENANT.acme, role: 'admin', display_name: 'Nora Field', email: nora.email });
      const [row] = await s.owner`select use_count from public.tenant_invitations where id = ${inv.id}`;
      assert.equal(row.use_count, 1);
      // The new admin sees the tenant's data under the ordinary policies, and manages invitations.
      await s.as({ user: nora.id }, async (tx) => {
        const conversations = await tx`select id from public.conversations where id = ${CONVERSATION.c1}`;
        assert.equal(conversations.length, 1);
        assert.deepEqual((await tx`select id from public.tenant_invitations where id = ${inv.id}`).map((r) => r.id), [inv.id]);
      });
      const members = await s.as({ user: USER.bob }, (tx) => tx`select id, role from public.users where id = ${nora.id}`);
      assert.deepEqual(members.map((r) => ({ ...r })), [{ id: nora.id, role: 'admin' }]);
    });
  });

  it('refuses an unknown token (TN002), a missing one (22004), anon and service_role (42501)', async () => {
    await scenario(async (s) => {
      const inv = await invite(s, USER.alice);
      const nora = await signUp(s.owner);
      for (const token of ['', 'nope', inv.token.slice(0, -1), `${inv.token}x`, inv.token.toUpperCase(), 'x'.repeat(10000)]) {
        const err = await acceptError(s, nora, token);
        assert.deepEqual(err, { code: 'TN002', message: 'accept_invitation: no invitation has this token' });
      }
      assert.equal((await acceptError(s, nora, null)).code, '22004');
      assert.equal((await s.errorAs('anon', (tx) => tx`select public.accept_invitation(${inv.token})`)).code, '42501');
      assert.equal((await s.errorAs('service_role', (tx) => tx`select public.accept_invitation(${inv.token})`)).code, '42501');
      const noSub = await s.errorAs({ user: '', claims: { sub: undefined } }, (tx) => tx`select public.accept_invitation(${inv.token})`);
      assert.deepEqual(noSub, { code: '42501', message: 'accept_invitation: sign in first' });
    });
  });

  it('refuses an account that already has a profile, in this tenant or another (TN001), whatever its role', async () => {
    await scenario(async (s) => {
      const olivia = await addOwner(s);
      const inv = await invite(s, USER.alice, { maxUses: null });
      for (const user of [USER.bob, USER.alice, olivia]) {
        const err = await s.errorAs({ user }, (tx) => tx`select public.accept_invitation(${inv.token})`);
        assert.deepEqual(err, { code: 'TN001', message: 'accept_invitation: you are already a member of this tenant' }, user);
      }
      for (const user of [USER.carol, USER.dave, USER.erin]) {
        const err = await s.errorAs({ user }, (tx) => tx`select public.accept_invitation(${inv.token})`);
        assert.deepEqual(err, { code: 'TN001', message: 'accept_invitation: your account already belongs to another tenant' }, user);
      }
      const [row] = await s.owner`select use_count from public.tenant_invitations where id = ${inv.id}`;
      assert.equal(row.use_count, 0);
      const [carol] = await s.owner`select tenant_id, role from public.users where id = ${USER.carol}`;
      assert.deepEqual({ ...carol }, { tenant_id: TENANT.globex, role: 'admin' });
    });
  });

  it('refuses an expired invitation (TN003)', async () => {
    await scenario(async (s) => {
      const inv = await invite(s, USER.alice);
      await s.owner`update public.tenant_invitations set created_at = now() - interval '2 days', expires_at = now() - interval '1 second' where id = ${inv.id}`;
      const nora = await signUp(s.owner);
      const err = await acceptError(s, nora, inv.token);
      assert.equal(err.code, 'TN003');
      assert.match(err.message, /^accept_invitation: the invitation expired at /);
      assert.equal((await s.owner`select id from public.users where id = ${nora.id}`).length, 0);
    });
  });

  it('refuses a one-time invitation used once (TN004)', async () => {
    await scenario(async (s) => {
      const inv = await invite(s, USER.alice);
      const [first, second] = [await signUp(s.owner), await signUp(s.owner)];
      await accept(s, first, inv.token);
      assert.deepEqual(await acceptError(s, second, inv.token), { code: 'TN004', message: 'accept_invitation: the invitation has been used up' });
      const [row] = await s.owner`select use_count from public.tenant_invitations where id = ${inv.id}`;
      assert.equal(row.use_count, 1);
    });
  });

  it('counts multi-use invitations up to max_uses, and without a limit until expiry', async () => {
    await scenario(async (s) => {
      const three = await invite(s, USER.alice, { maxUses: 3 });
      for (let i = 0; i < 3; i++) {
        const [p] = await accept(s, await signUp(s.owner), three.token);
        assert.equal(p.role, 'member');
      }
      assert.equal((await acceptError(s, await signUp(s.owner), three.token)).code, 'TN004');
      const open = await invite(s, USER.alice, { maxUses: null });
      for (let i = 0; i < 5; i++) await accept(s, await signUp(s.owner), open.token);
      const counts = await s.owner`select max_uses, use_count from public.tenant_invitations where id in (${three.id}, ${open.id}) order by max_uses nulls last`;
      assert.deepEqual(counts.map((r) => [r.max_uses, r.use_count]), [[3, 3], [null, 5]]);
      const [members] = await s.owner`select count(*)::int as n from public.users where tenant_id = ${TENANT.acme} and email like 'invitee-%'`;
      assert.equal(members.n, 8);
      await s.owner`update public.tenant_invitations set created_at = now() - interval '2 days', expires_at = now() - interval '1 day' where id = ${open.id}`;
      assert.equal((await acceptError(s, await signUp(s.owner), open.token)).code, 'TN003');
    });
  });

  it('refuses a revoked invitation (TN005), even when it has uses left', async () => {
    await scenario(async (s) => {
      const inv = await invite(s, USER.alice, { maxUses: 10 });
      await accept(s, await signUp(s.owner), inv.token);
      await s.as({ user: USER.alice }, (tx) => tx`select public.revoke_invitation(${inv.id})`);
      const nora = await signUp(s.owner);
      assert.deepEqual(await acceptError(s, nora, inv.token), { code: 'TN005', message: 'accept_invitation: the invitation has been revoked' });
      assert.equal((await s.owner`select id from public.users where id = ${nora.id}`).length, 0);
    });
  });

  it('binds an email invitation to the caller\'s token email, case-insensitively (TN006 otherwise)', async () => {
    await scenario(async (s) => {
      const inv = await invite(s, USER.alice, { email: `nora.${process.pid}@example.TEST` });
      const other = await signUp(s.owner, { email: `other.${process.pid}@example.test` });
      assert.deepEqual(await acceptError(s, other, inv.token), { code: 'TN006', message: 'accept_invitation: the invitation is for another email address' });
      // The email comes from the access token (auth.jwt()): a token without one is refused too.
      const nora = await signUp(s.owner, { email: `Nora.${process.pid}@Example.test` });
      assert.equal((await acceptError(s, { id: nora.id, claims: {} }, inv.token)).code, 'TN006');
      const [profile] = await accept(s, nora, inv.token);
      assert.equal(profile.email, nora.email);
      assert.equal(profile.tenant_id, TENANT.acme);
    });
  });

  it('checks membership before the invitation\'s state, so a member re-opening a used link is told so', async () => {
    await scenario(async (s) => {
      const inv = await invite(s, USER.alice);
      const nora = await signUp(s.owner);
      await accept(s, nora, inv.token);
      assert.equal((await acceptError(s, nora, inv.token)).code, 'TN001');
      await s.as({ user: USER.alice }, (tx) => tx`select public.revoke_invitation(${inv.id})`);
      assert.equal((await acceptError(s, nora, inv.token)).code, 'TN001');
    });
  });

  it('the functions are SECURITY INVOKER wrappers over SECURITY DEFINER bodies in private, for authenticated only', async () => {
    const rows = await asOwner((tx) => tx`
      select n.nspname as schema, p.proname, p.prosecdef, p.proconfig,
             has_function_privilege('anon', p.oid, 'execute') as anon,
             has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
             has_function_privilege('service_role', p.oid, 'execute') as service_role
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('public', 'private') and p.proname in ('create_invitation', 'revoke_invitation', 'accept_invitation')
      order by 2, 1`);
    assert.equal(rows.length, 6);
    for (const r of rows) {
      assert.deepEqual({ ...r, proname: undefined, schema: undefined },
        { proname: undefined, schema: undefined, prosecdef: r.schema === 'private', proconfig: ['search_path=""'], anon: false, authenticated: true, service_role: false },
        `${r.schema}.${r.proname}`);
    }
  });
});

describe('invitations under concurrency (committed, scratch database)', () => {
  it('20 accounts accepting a one-time token at once: exactly one joins; a 5-use token admits 5; one account racing itself gets one profile', async () => {
    await withScratchDatabase('invitations_concurrency', { migrate: true }, async (db) => {
      const sql = db.open(2);
      const pool = db.open(20, 'authenticator');
      const [owner] = await sql`insert into auth.users (id, aud, role, email, created_at, updated_at)
                                values (gen_random_uuid(), 'authenticated', 'authenticated', 'race-owner@example.test', now(), now()) returning id`;
      const accountIds = (await sql`insert into auth.users (id, aud, role, email, created_at, updated_at)
                                    select gen_random_uuid(), 'authenticated', 'authenticated', 'racer-' || n || '@example.test', now(), now()
                                    from generate_series(1, 41) n returning id`).map((r) => r.id as string);

      const asUserTx = <T>(pool: Sql, id: string, fn: (tx: Tx) => Promise<T>): Promise<T> => pool.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(userClaims(id))}, true)`;
        return fn(tx as unknown as Tx);
      }) as Promise<T>;

      const [tenant] = await asUserTx(pool, owner.id, (tx) => tx`select id from public.create_tenant('Race', 'race')`);
      const [oneTime] = await asUserTx(pool, owner.id, (tx) => tx`select id, token from public.create_invitation('member')`);
      const [fiveUses] = await asUserTx(pool, owner.id, (tx) => tx`select id, token from public.create_invitation('member', null, interval '1 hour', 5)`);

      /** Each account in its own transaction and connection, all reaching the accept together. */
      async function race(ids: string[], call: (tx: Tx, i: number) => Promise<unknown>): Promise<PromiseSettledResult<unknown>[]> {
        let arrived = 0;
        let release!: () => void;
        const barrier = new Promise<void>((resolve) => { release = resolve; });
        return Promise.allSettled(ids.map((id, i) => asUserTx(pool, id, async (tx) => {
          await tx`select 1`;
          if (++arrived === ids.length) release();
          await barrier;
          return call(tx, i);
        })));
      }
      const codes = (results: PromiseSettledResult<unknown>[]) => results.map((r) => r.status === 'fulfilled' ? 'ok' : (r.reason as { code?: string }).code ?? String(r.reason));
      const tally = (list: string[]) => Object.fromEntries([...new Set(list)].sort().map((c) => [c, list.filter((x) => x === c).length]));

      const first = await race(accountIds.slice(0, 20), (tx) => tx`select public.accept_invitation(${oneTime.token})`);
      assert.deepEqual(tally(codes(first)), { TN004: 19, ok: 1 });
      const second = await race(accountIds.slice(20, 40), (tx) => tx`select public.accept_invitation(${fiveUses.token})`);
      assert.deepEqual(tally(codes(second)), { TN004: 15, ok: 5 });

      const counts = await sql`select id, use_count from public.tenant_invitations where id in (${oneTime.id}, ${fiveUses.id})`;
      assert.deepEqual(Object.fromEntries(counts.map((r) => [r.id, r.use_count])), { [oneTime.id]: 1, [fiveUses.id]: 5 });
      const [members] = await sql`select count(*)::int as n, count(*) filter (where role = 'member')::int as members from public.users where tenant_id = ${tenant.id}`;
      assert.deepEqual({ ...members }, { n: 7, members: 6 });

      // One account, three ways into a tenant at once: one profile, the others TN001, no use counted for them.
      const [a, b] = await Promise.all([0, 1].map(() => asUserTx(pool, owner.id, (tx) => tx`select id, token from public.create_invitation('member', null, interval '1 hour', null)`)));
      const solo = accountIds[40];
      const third = await race([solo, solo, solo], (tx, i) => i === 2
        ? tx`select public.create_tenant('Solo', 'solo-race')`
        : tx`select public.accept_invitation(${[a, b][i][0].token})`);
      assert.deepEqual(tally(codes(third)), { TN001: 2, ok: 1 });
      const [profiles] = await sql`select count(*)::int as n from public.users where id = ${solo}`;
      assert.equal(profiles.n, 1);
      const [uses] = await sql`select coalesce(sum(use_count), 0)::int as n from public.tenant_invitations where id in (${a[0].id}, ${b[0].id})`;
      const [soloTenant] = await sql`select count(*)::int as n from public.tenants where slug = 'solo-race'`;
      assert.equal(uses.n + soloTenant.n, 1, 'only the winner left a trace: one use or one tenant');
    });
  });
});
