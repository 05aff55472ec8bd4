/**
 * Invitations, joining: accept_invitation gives an account without a profile its profile in the
 * invitation's tenant; every error path with its SQLSTATE (TN001-TN006), expiry, multi-use counts,
 * revocation and email binding; and the grants and SECURITY mode of the three functions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asOwner, scenario } from '../helpers/db.ts';
import { accept, acceptError, addOwner, invite, signUp } from '../helpers/invitations.ts';
import { CONVERSATION, TENANT, USER } from '../helpers/seed-ids.ts';

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
