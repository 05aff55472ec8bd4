/**
 * Onboarding end to end, as a frontend does it with supabase-js and nothing else: an account signs
 * up (/auth/v1), creates its organisation (rpc create_tenant through /rest/v1), invites; a second
 * account signs up and accepts; both then work in the tenant under RLS with their own sessions:
 * the Data API, the functions and storage. A one-time invitation admits nobody else.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { authClient, removeTestAccounts, uniqueEmail } from '../helpers/auth.ts';
import { connect, superuserUrl } from '../helpers/db.ts';

const PASSWORD = 'onboarding-password-1';
const slug = `onboard-${process.pid}-${Date.now().toString(36)}`;

async function signedUp(tag: string): Promise<{ client: SupabaseClient; id: string }> {
  const client = authClient();
  const { data, error } = await client.auth.signUp({ email: uniqueEmail(tag), password: PASSWORD, options: { data: { display_name: tag } } });
  assert.equal(error, null);
  assert.ok(data.session, 'confirmations are off locally: a sign-up returns a session');
  return { client, id: data.user!.id };
}

async function whoami(client: SupabaseClient): Promise<Record<string, unknown>> {
  const { data, error } = await client.functions.invoke('whoami');
  assert.equal(error, null);
  return data as Record<string, unknown>;
}

after(async () => {
  await connect(superuserUrl())`delete from public.tenants where slug = ${slug}`;
  await removeTestAccounts();
});

describe('onboarding through supabase-js', () => {
  it('sign up, create a tenant, invite, sign up and accept: both work in the tenant with their sessions', async () => {
    const owner = await signedUp('owner');
    const before = await owner.client.from('users').select('id');
    assert.deepEqual(before.data, [], 'a new account has no profile and sees no one');

    const { data: tenant, error: createError } = await owner.client.rpc('create_tenant', { p_name: 'Onboarding Ltd', p_slug: slug });
    assert.equal(createError, null);
    const tenantId = (tenant as { id: string }).id;
    const again = await owner.client.rpc('create_tenant', { p_name: 'Second', p_slug: `${slug}-2` });
    assert.equal(again.error?.code, 'TN001', 'one profile per account');

    const { data: invitation, error: inviteError } = await owner.client.rpc('create_invitation', { p_role: 'member' });
    assert.equal(inviteError, null);
    const token = (invitation as { token: string }).token;

    const member = await signedUp('member');
    const { data: profile, error: acceptError } = await member.client.rpc('accept_invitation', { p_token: token });
    assert.equal(acceptError, null);
    assert.equal((profile as { tenant_id: string; role: string }).tenant_id, tenantId);
    assert.equal((profile as { role: string }).role, 'member');

    // The Data API under RLS: the owner's conversation is visible to the member, not writable by them.
    const { data: conversation, error: insertError } = await owner.client.from('conversations').insert({ title: 'kick-off' }).select('id, tenant_id, user_id').single();
    assert.equal(insertError, null);
    assert.equal(conversation!.tenant_id, tenantId);
    const seen = await member.client.from('conversations').select('id, title').eq('id', conversation!.id);
    assert.deepEqual(seen.data, [{ id: conversation!.id, title: 'kick-off' }]);
    const members = await member.client.from('users').select('id, role').order('role');
    assert.deepEqual(members.data?.map((u) => u.role).sort(), ['member', 'owner']);
    const edit = await member.client.from('conversations').update({ title: 'taken over' }).eq('id', conversation!.id).select('id');
    assert.deepEqual(edit.data, [], 'a member edits only their own conversations');

    // The functions see each account in the tenant.
    for (const [who, id] of [[owner, owner.id], [member, member.id]] as const) {
      const me = await whoami(who.client);
      assert.equal(me.user_id ?? me.sub ?? (me.caller as Record<string, unknown> | undefined)?.sub, id);
      assert.match(JSON.stringify(me), new RegExp(tenantId));
    }

    // Storage with the session: the member's own folder, not the owner's.
    const path = `raw/${member.id}/onboarding.json`;
    const upload = await member.client.storage.from('conversation-files').upload(path, new Blob(['{"hello":1}'], { type: 'application/json' }));
    assert.equal(upload.error, null);
    const download = await member.client.storage.from('conversation-files').download(path);
    assert.equal(await download.data?.text(), '{"hello":1}');
    const foreign = await owner.client.storage.from('conversation-files').download(path);
    assert.ok(foreign.error, 'the owner cannot read a member\'s raw folder');

    // A one-time invitation admits no one else.
    const third = await signedUp('late');
    const late = await third.client.rpc('accept_invitation', { p_token: token });
    assert.equal(late.error?.code, 'TN004');
    assert.deepEqual((await third.client.from('conversations').select('id')).data, []);

    // Signing out ends the member's session for Auth.
    await member.client.auth.signOut();
    const { error: userError } = await member.client.auth.getUser();
    assert.ok(userError, 'no session after sign-out');
  });
});
