/** messages: the role matrix, tenant integrity with the conversation, checks and the conversation trigger. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, asServiceRole, asUser, scenario, sqlError } from '../helpers/db.ts';
import { CONVERSATION, message, TENANT, USER } from '../helpers/seed-ids.ts';

describe('messages RLS', () => {
  it('anon can neither read nor write', async () => {
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select id from public.messages`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.messages (conversation_id, tenant_id, role, content) values (${CONVERSATION.c1}, ${TENANT.acme}, 'user', 'hi')`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`delete from public.messages`)).code, '42501');
    });
  });

  it('members read the messages of their tenant only', async () => {
    const bob = await asUser(USER.bob, (tx) => tx`select distinct conversation_id from public.messages order by 1`);
    assert.deepEqual(bob.map((r) => r.conversation_id), [CONVERSATION.c1, CONVERSATION.c2, CONVERSATION.c3]);
    const carol = await asUser(USER.carol, (tx) => tx`select id from public.messages where id = ${message(1, 2)}`);
    assert.equal(carol.length, 0);
  });

  it('a user adds messages, assistant turns included, to their own conversations only', async () => {
    const rows = await asUser(USER.bob, (tx) => tx`
      insert into public.messages (conversation_id, role, content, input_tokens, output_tokens, model, latency_ms)
      values (${CONVERSATION.c2}, 'user', 'And for monthly plans?', 0, 0, null, null),
             (${CONVERSATION.c2}, 'assistant', 'Monthly plans are not refundable.', 120, 12, 'claude-sonnet-4', 900)
      returning tenant_id, role`);
    assert.deepEqual(rows.map((r) => [r.tenant_id, r.role]), [[TENANT.acme, 'user'], [TENANT.acme, 'assistant']]);
    await asUser(USER.bob, async (tx) => {
      const colleagues = await sqlError(tx, (sp) => sp`insert into public.messages (conversation_id, role, content) values (${CONVERSATION.c1}, 'user', 'hijack')`);
      assert.equal(colleagues.code, '42501', "not into a colleague's conversation");
      const otherTenant = await sqlError(tx, (sp) => sp`insert into public.messages (conversation_id, tenant_id, role, content) values (${CONVERSATION.c4}, ${TENANT.globex}, 'user', 'hi')`);
      assert.equal(otherTenant.code, '42501', 'not into another tenant');
    });
  });

  it('users edit and delete messages of their own conversations; admins any in the tenant; strangers none', async () => {
    await scenario(async (s) => {
      const edited = await s.as({ user: USER.bob }, (tx) => tx`update public.messages set content = 'Edited question' where id = ${message(2, 1)} returning content`);
      assert.deepEqual(edited.map((r) => r.content), ['Edited question']);
      assert.equal((await s.as({ user: USER.bob }, (tx) => tx`update public.messages set content = 'x' where id = ${message(1, 1)} returning id`)).length, 0);
      assert.equal((await s.as({ user: USER.carol }, (tx) => tx`delete from public.messages where id = ${message(1, 1)} returning id`)).length, 0);
      assert.equal((await s.as({ user: USER.bob }, (tx) => tx`delete from public.messages where id = ${message(1, 1)} returning id`)).length, 0);
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`delete from public.messages where id = ${message(2, 1)} returning id`)).length, 1);
      assert.equal((await s.as({ user: USER.bob }, (tx) => tx`delete from public.messages where id = ${message(3, 1)} returning id`)).length, 1);
    });
  });

  it('an update never moves a message to another conversation or tenant, and token counts are not client-editable', async () => {
    await asUser(USER.alice, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`update public.messages set conversation_id = ${CONVERSATION.c2} where id = ${message(1, 1)}`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`update public.messages set output_tokens = 0 where id = ${message(1, 2)}`)).code, '42501');
    });
    await asServiceRole(async (tx) => {
      const err = await sqlError(tx, (sp) => sp`update public.messages set conversation_id = ${CONVERSATION.c2} where id = ${message(1, 1)}`);
      assert.equal(err.code, '42501');
      assert.match(err.message, /messages\.conversation_id cannot change/);
    });
  });
});

describe('messages integrity', () => {
  it("a message's tenant must be its conversation's tenant (foreign key)", async () => {
    await asServiceRole(async (tx) => {
      const err = await sqlError(tx, (sp) => sp`insert into public.messages (conversation_id, tenant_id, role, content) values (${CONVERSATION.c1}, ${TENANT.globex}, 'user', 'x')`);
      assert.equal(err.code, '23503');
      assert.match(err.message, /messages_conversation_fkey/);
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.messages (conversation_id, tenant_id, role, content) values (gen_random_uuid(), ${TENANT.acme}, 'user', 'x')`)).code, '23503');
    });
  });

  it('refuse an unknown role (22P02: role is a message_role), oversized content, negative tokens or latency (23514)', async () => {
    await asUser(USER.bob, async (tx) => {
      const insert = (role: string, content: string, tokens = 0, latency: number | null = null) =>
        sqlError(tx, (sp) => sp`insert into public.messages (conversation_id, role, content, input_tokens, latency_ms) values (${CONVERSATION.c2}, ${role}, ${content}, ${tokens}, ${latency})`);
      const moderator = await insert('moderator', 'x');
      assert.equal(moderator.code, '22P02');
      assert.match(moderator.message, /invalid input value for enum message_role: "moderator"/);
      assert.equal((await insert('user', 'x'.repeat(100_001))).code, '23514');
      assert.equal((await insert('assistant', 'x', -1)).code, '23514');
      assert.equal((await insert('assistant', 'x', 0, -5)).code, '23514');
    });
  });

  it('inserting messages moves the conversation\'s last_message_at and updated_at to the newest one, once per conversation', async () => {
    await asServiceRole(async (tx) => {
      const [before] = await tx`select last_message_at, updated_at from public.conversations where id = ${CONVERSATION.c4}`;
      await tx`insert into public.messages (conversation_id, tenant_id, role, content, created_at) values
        (${CONVERSATION.c4}, ${TENANT.globex}, 'user', 'Follow-up 1', '2026-11-21 10:00:00+00'),
        (${CONVERSATION.c4}, ${TENANT.globex}, 'assistant', 'Answer 1', '2026-11-21 10:00:07+00'),
        (${CONVERSATION.c5}, ${TENANT.globex}, 'user', 'Elsewhere', '2026-11-21 11:00:00+00')`;
      const rows = await tx`select id, last_message_at, updated_at from public.conversations where id in (${CONVERSATION.c4}, ${CONVERSATION.c5}) order by id`;
      assert.equal(rows[0].last_message_at.toISOString(), '2026-11-21T10:00:07.000Z');
      assert.equal(rows[0].updated_at.toISOString(), '2026-11-21T10:00:07.000Z');
      assert.ok(rows[0].last_message_at > before.last_message_at);
      assert.equal(rows[1].last_message_at.toISOString(), '2026-11-21T11:00:00.000Z');
      // A back-filled older message does not move the conversation back in time.
      await tx`insert into public.messages (conversation_id, tenant_id, role, content, created_at) values (${CONVERSATION.c4}, ${TENANT.globex}, 'system', 'Back-fill', '2026-01-01 00:00:00+00')`;
      const [still] = await tx`select last_message_at from public.conversations where id = ${CONVERSATION.c4}`;
      assert.equal(still.last_message_at.toISOString(), '2026-11-21T10:00:07.000Z');
    });
  });

  it('a live message from a user stamps its conversation with now()', async () => {
    await asUser(USER.dave, async (tx) => {
      await tx`insert into public.messages (conversation_id, role, content) values (${CONVERSATION.c5}, 'user', 'Thanks!')`;
      const [row] = await tx`select last_message_at = now() as last_now, updated_at = now() as updated_now from public.conversations where id = ${CONVERSATION.c5}`;
      assert.deepEqual({ ...row }, { last_now: true, updated_now: true });
    });
  });
});
