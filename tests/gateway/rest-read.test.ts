/**
 * /rest/v1 reads through supabase-js: select lists, filters, order, range and count, .single(),
 * embedding through the composite (id, tenant_id) foreign keys, and the views.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONVERSATION, message, TENANT, USER } from '../helpers/seed-ids.ts';
import { anonDb, assertPgrstError, rest, serviceDb, userDb } from '../helpers/rest.ts';

describe('rest reads', () => {
  it('a member reads the conversations of their tenant only; anon reads none', async () => {
    const db = await userDb(USER.bob);
    const { data, error, status } = await db.from('conversations').select('id, tenant_id').order('id');
    assert.equal(error, null);
    assert.equal(status, 200);
    assert.deepEqual(data!.map((c) => c.id), [CONVERSATION.c1, CONVERSATION.c2, CONVERSATION.c3]);
    assert.ok(data!.every((c) => c.tenant_id === TENANT.acme));
    const anon = await anonDb().from('conversations').select('id');
    assert.equal(anon.error?.code ?? null, anon.error ? '42501' : null);
  });

  it('embeds messages in conversations (to-many) and the conversation in messages (to-one) through the composite key', async () => {
    const db = await userDb(USER.alice);
    const { data, error } = await db.from('conversations').select('id, title, messages(id, role)').eq('id', CONVERSATION.c1).single();
    assert.equal(error, null);
    assert.deepEqual(data!.messages.map((m) => m.id).sort(), [message(1, 1), message(1, 2)]);
    const one = await db.from('messages').select('id, conversations(id, title)').eq('id', message(1, 2)).single();
    assert.equal(one.error, null);
    assert.equal((one.data!.conversations as { id: string }).id, CONVERSATION.c1);
  });
});
