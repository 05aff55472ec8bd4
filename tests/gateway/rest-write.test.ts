/**
 * /rest/v1 writes through supabase-js under RLS: a member inserts a conversation and a message in
 * it, bulk insert with columns, upsert (merge and ignore), update and delete with filters, the
 * return= representations and status codes, and refusals that leave nothing written.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, superuserUrl } from '../helpers/db.ts';
import { CONVERSATION, message, TENANT, USER } from '../helpers/seed-ids.ts';
import { anonDb, assertPgrstError, rest, serviceDb, userDb } from '../helpers/rest.ts';

const TITLE = `rest-write-${process.pid}`;

after(async () => {
  const admin = connect(superuserUrl());
  await admin`delete from public.conversations where title like ${`${TITLE}%`}`;
});

describe('rest writes', () => {
  it('a member inserts a conversation (201, minimal: no body) and a message in it; defaults fill tenant and user', async () => {
    const db = await userDb(USER.bob);
    const minimal = await db.from('conversations').insert({ title: `${TITLE} minimal` });
    assert.equal(minimal.status, 201);
    assert.equal(minimal.data, null);
    assert.equal(minimal.error, null);
    const { data, error, status } = await db.from('conversations').insert({ title: `${TITLE} a` }).select('id, tenant_id, user_id, title').single();
    assert.equal(error, null);
    assert.equal(status, 201);
    assert.equal(data!.tenant_id, TENANT.acme);
    assert.equal(data!.user_id, USER.bob);
    const msg = await db.from('messages').insert({ conversation_id: data!.id, role: 'user', content: 'hello' }).select('id, conversations(title)').single();
    assert.equal(msg.error, null);
    assert.deepEqual(msg.data!.conversations, { title: `${TITLE} a` });
  });

  it("another tenant's member can neither write into the conversation nor see it", async () => {
    const bob = await userDb(USER.bob);
    const { data } = await bob.from('conversations').insert({ title: `${TITLE} private` }).select('id').single();
    const carol = await userDb(USER.carol);
    const msg = await carol.from('messages').insert({ conversation_id: data!.id, role: 'user', content: 'intrusion' });
    assert.ok(msg.status === 403 || msg.status === 409, `status ${msg.status}`);
    assert.ok(['42501', '23503'].includes(msg.error!.code));
    const upd = await carol.from('conversations').update({ title: `${TITLE} hijacked` }).eq('id', data!.id).select();
    assert.deepEqual(upd.data, []);
    const del = await carol.from('conversations').delete().eq('id', data!.id);
    assert.equal(del.status, 204);
    const [row] = await connect(superuserUrl())`select title, (select count(*)::int from public.messages where conversation_id = ${data!.id}) as n from public.conversations where id = ${data!.id}`;
    assert.deepEqual({ ...row }, { title: `${TITLE} private`, n: 0 });
  });

  it('a member cannot create a conversation as someone else (403 42501) nor anon at all (401)', async () => {
    const bob = await bob_();
    const forged = await bob.from('conversations').insert({ title: `${TITLE} forged`, user_id: USER.alice });
    assert.equal(forged.status, 403);
    assertPgrstError(forged.error, { code: '42501', message: 'new row violates row-level security policy for table "conversations"' });
    const anon = await anonDb().from('conversations').insert({ title: `${TITLE} anon` });
    assert.equal(anon.status, 401);
    assert.equal(anon.error!.code, '42501');
  });

  it('bulk insert sends columns=; all rows or none; missing=default lets defaults apply', async () => {
    const bob = await bob_();
    const { data: conv } = await bob.from('conversations').insert({ title: `${TITLE} bulk` }).select('id').single();
    const rows = await bob.from('messages').insert([
      { conversation_id: conv!.id, role: 'user', content: 'one' },
      { conversation_id: conv!.id, role: 'assistant', content: 'two', input_tokens: 5 },
    ], { defaultToNull: false }).select('content, input_tokens');
    assert.equal(rows.error, null);
    assert.deepEqual(rows.data, [{ content: 'one', input_tokens: 0 }, { content: 'two', input_tokens: 5 }]);
    const bad = await bob.from('messages').insert([
      { conversation_id: conv!.id, role: 'user', content: 'three' },
      { conversation_id: conv!.id, role: 'nobody' as 'user', content: 'four' },
    ]);
    assert.equal(bad.status, 400);
    assert.equal(bad.error!.code, '22P02', 'role is a message_role: invalid input value for enum');
    const { count } = await bob.from('messages').select('id', { count: 'exact', head: true }).eq('conversation_id', conv!.id);
    assert.equal(count, 2);
  });

  it('update and delete with filters, representation 200 or 204; no filter is 400 21000 as safeupdate', async () => {
    const bob = await bob_();
    const { data: conv } = await bob.from('conversations').insert({ title: `${TITLE} upd` }).select('id').single();
    const upd = await bob.from('conversations').update({ title: `${TITLE} upd2` }).eq('id', conv!.id).select('title');
    assert.equal(upd.status, 200);
    assert.deepEqual(upd.data, [{ title: `${TITLE} upd2` }]);
    const bare = await bob.from('conversations').update({ model: 'x' }).eq('id', conv!.id);
    assert.equal(bare.status, 204);
    const all = await rest('/conversations', { method: 'DELETE', headers: { Authorization: `Bearer ${process.env.TEST_SERVICE_ROLE_KEY}` } });
    assert.equal(all.status, 400);
    assertPgrstError(all.json, { code: '21000', message: 'DELETE requires a WHERE clause' });
    const del = await bob.from('conversations').delete().eq('id', conv!.id).select('id');
    assert.deepEqual(del.data, [{ id: conv!.id }]);
  });

  it('upsert of feedback: merge-duplicates replaces, ignore-duplicates keeps, 23505 without resolution', async () => {
    const alice = await userDb(USER.alice);
    const target = message(2, 2);
    try {
      const first = await alice.from('feedback').insert({ message_id: target, rating: -1 }).select('rating').single();
      assert.equal(first.error, null);
      const dup = await alice.from('feedback').insert({ message_id: target, rating: 1 });
      assert.equal(dup.status, 409);
      assert.equal(dup.error!.code, '23505');
      const kept = await alice.from('feedback').upsert({ message_id: target, tenant_id: TENANT.acme, user_id: USER.alice, rating: 1 }, { onConflict: 'message_id,user_id', ignoreDuplicates: true }).select('rating');
      assert.deepEqual(kept.data, []);
      const merged = await alice.from('feedback').upsert({ message_id: target, tenant_id: TENANT.acme, user_id: USER.alice, rating: 1 }, { onConflict: 'message_id,user_id' }).select('rating');
      assert.equal(merged.status, 200);
      assert.deepEqual(merged.data, [{ rating: 1 }]);
    } finally {
      await connect(superuserUrl())`delete from public.feedback where message_id = ${target} and user_id = ${USER.alice}`;
    }
  });

  it('body errors: PGRST102 for mismatched keys or bad JSON, PGRST204 for an unknown column; .single() on a write rolls back', async () => {
    const keys = await rest('/conversations', { method: 'POST', headers: { Authorization: `Bearer ${process.env.TEST_SERVICE_ROLE_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify([{ title: 'a' }, { model: 'b' }]) });
    assertPgrstError(keys.json, { code: 'PGRST102', message: 'All object keys must match' });
    const bad = await rest('/conversations', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{' });
    assertPgrstError(bad.json, { code: 'PGRST102', message: 'Empty or invalid json' });
    const col = await serviceDb().from('conversations').insert({ nope: 1 } as never);
    assert.equal(col.status, 400);
    assertPgrstError(col.error, { code: 'PGRST204', message: "Could not find the 'nope' column of 'conversations' in the schema cache" });
    const bob = await bob_();
    const two = await bob.from('conversations').update({ model: `${TITLE}-never` }).in('id', [CONVERSATION.c2, CONVERSATION.c3]).select('id').single();
    assert.equal(two.status, 406);
    const [row] = await connect(superuserUrl())`select count(*)::int as n from public.conversations where model = ${`${TITLE}-never`}`;
    assert.equal(row.n, 0);
  });
});

function bob_() {
  return userDb(USER.bob);
}
