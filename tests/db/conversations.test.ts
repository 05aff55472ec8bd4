/** conversations: the role matrix, tenant/owner integrity, checks and the updated_at trigger. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, asServiceRole, asUser, scenario, sqlError } from '../helpers/db.ts';
import { CONVERSATION, TENANT, USER } from '../helpers/seed-ids.ts';

describe('conversations RLS', () => {
  it('anon can neither read nor write', async () => {
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select id from public.conversations`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.conversations (tenant_id, user_id) values (${TENANT.acme}, ${USER.alice})`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update public.conversations set title = 'x'`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`delete from public.conversations`)).code, '42501');
    });
  });

  it('members read every conversation of their tenant and none of another', async () => {
    const bob = await asUser(USER.bob, (tx) => tx`select id from public.conversations order by id`);
    assert.deepEqual(bob.map((r) => r.id), [CONVERSATION.c1, CONVERSATION.c2, CONVERSATION.c3]);
    const carol = await asUser(USER.carol, (tx) => tx`select id from public.conversations where tenant_id = ${TENANT.acme}`);
    assert.equal(carol.length, 0);
  });

  it('a user creates conversations in their tenant as themselves, with tenant and owner defaulted', async () => {
    const [row] = await asUser(USER.bob, (tx) => tx`insert into public.conversations (title) values ('Shipping delays in December') returning tenant_id, user_id, is_archived, metadata`);
    assert.deepEqual({ ...row }, { tenant_id: TENANT.acme, user_id: USER.bob, is_archived: false, metadata: {} });
  });

  it('inserting into another tenant or as someone else is refused', async () => {
    await asUser(USER.bob, async (tx) => {
      const other = await sqlError(tx, (sp) => sp`insert into public.conversations (tenant_id, user_id) values (${TENANT.globex}, ${USER.bob})`);
      assert.equal(other.code, '42501');
      assert.match(other.message, /row-level security/);
      const someoneElse = await sqlError(tx, (sp) => sp`insert into public.conversations (user_id) values (${USER.alice})`);
      assert.equal(someoneElse.code, '42501');
      const lastMessage = await sqlError(tx, (sp) => sp`insert into public.conversations (title, last_message_at) values ('x', now())`);
      assert.equal(lastMessage.code, '42501', 'last_message_at belongs to the trigger');
    });
  });

  it('users update their own conversations; admins any in their tenant; members not others\'; strangers none', async () => {
    const own = await asUser(USER.bob, (tx) => tx`update public.conversations set is_archived = true where id = ${CONVERSATION.c2} returning is_archived`);
    assert.deepEqual(own.map((r) => r.is_archived), [true]);
    const othersByMember = await asUser(USER.bob, (tx) => tx`update public.conversations set title = 'x' where id = ${CONVERSATION.c1} returning id`);
    assert.equal(othersByMember.length, 0);
    const byAdmin = await asUser(USER.alice, (tx) => tx`update public.conversations set title = 'Refunds (annual plans)' where id = ${CONVERSATION.c2} returning title`);
    assert.deepEqual(byAdmin.map((r) => r.title), ['Refunds (annual plans)']);
    const byStranger = await asUser(USER.carol, (tx) => tx`update public.conversations set title = 'x' where id = ${CONVERSATION.c1} returning id`);
    assert.equal(byStranger.length, 0);
  });

  it('an update never moves a conversation to another tenant or owner, whoever asks', async () => {
    await asUser(USER.alice, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`update public.conversations set tenant_id = ${TENANT.globex} where id = ${CONVERSATION.c1}`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update public.conversations set user_id = ${USER.bob} where id = ${CONVERSATION.c1}`)).code, '42501');
    });
    await asServiceRole(async (tx) => {
      const err = await sqlError(tx, (sp) => sp`update public.conversations set user_id = ${USER.bob} where id = ${CONVERSATION.c1}`);
      assert.equal(err.code, '42501');
      assert.match(err.message, /conversations\.user_id cannot change/);
    });
  });

  it('users delete their own; admins any in their tenant; members not others\'; strangers none', async () => {
    await scenario(async (s) => {
      assert.equal((await s.as({ user: USER.bob }, (tx) => tx`delete from public.conversations where id = ${CONVERSATION.c1} returning id`)).length, 0);
      assert.equal((await s.as({ user: USER.carol }, (tx) => tx`delete from public.conversations where tenant_id = ${TENANT.acme} returning id`)).length, 0);
      assert.equal((await s.as({ user: USER.bob }, (tx) => tx`delete from public.conversations where id = ${CONVERSATION.c3} returning id`)).length, 1);
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`delete from public.conversations where id = ${CONVERSATION.c2} returning id`)).length, 1);
      const [left] = await s.owner`select count(*)::int as n from public.messages where conversation_id in (${CONVERSATION.c2}, ${CONVERSATION.c3})`;
      assert.equal(left.n, 0, 'messages go with their conversation');
    });
  });

  it('service_role reads and writes across tenants', async () => {
    await asServiceRole(async (tx) => {
      const [all] = await tx`select count(*)::int as n from public.conversations where tenant_id = any(${Object.values(TENANT)}::uuid[])`;
      assert.equal(all.n, 7);
      const [row] = await tx`insert into public.conversations (tenant_id, user_id, title) values (${TENANT.globex}, ${USER.dave}, 'Made by a job') returning id`;
      assert.equal((await tx`delete from public.conversations where id = ${row.id} returning id`).length, 1);
    });
  });
});

describe('conversations integrity', () => {
  it('the owner must be a user of the same tenant (foreign key)', async () => {
    await asServiceRole(async (tx) => {
      const err = await sqlError(tx, (sp) => sp`insert into public.conversations (tenant_id, user_id) values (${TENANT.globex}, ${USER.alice})`);
      assert.equal(err.code, '23503');
      assert.match(err.message, /conversations_user_fkey/);
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.conversations (tenant_id, user_id) values (gen_random_uuid(), ${USER.alice})`)).code, '23503');
    });
  });

  it('checks refuse a too-long title, an empty title and metadata that is not an object', async () => {
    await asUser(USER.bob, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.conversations (title) values (${'t'.repeat(201)})`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.conversations (title) values ('   ')`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.conversations (metadata) values ('[1, 2]'::jsonb)`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.conversations (model) values ('')`)).code, '23514');
    });
  });

  it('updated_at follows every update (shared trigger) while created_at stays', async () => {
    await asUser(USER.bob, async (tx) => {
      const [before] = await tx`select created_at, updated_at from public.conversations where id = ${CONVERSATION.c2}`;
      const [after] = await tx`update public.conversations set title = 'Renamed' where id = ${CONVERSATION.c2} returning created_at, updated_at, now() as now`;
      assert.equal(after.created_at.getTime(), before.created_at.getTime());
      assert.equal(after.updated_at.getTime(), after.now.getTime());
      assert.ok(after.updated_at > before.updated_at);
    });
  });
});
