/**
 * /rest/v1 reads through supabase-js: select lists, filters, order, range and count, .single(),
 * embedding through the composite (id, tenant_id) foreign keys, and the views.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONVERSATION, message, TENANT, USER } from '../helpers/seed-ids.ts';
import { anonDb, assertPgrstError, rest, serviceDb, userDb } from '../helpers/rest.ts';
import { connect, superuserUrl } from '../helpers/db.ts';

const ACME = [CONVERSATION.c1, CONVERSATION.c2, CONVERSATION.c3];
/** The seed's conversations: other test files write rows of their own meanwhile. */
const SEED = Object.values(CONVERSATION);

describe('rest reads: select, filters, order', () => {
  it('a member reads the conversations of their tenant only', async () => {
    const { data, error, status } = await (await userDb(USER.bob)).from('conversations').select('id, tenant_id').in('id', SEED).order('id');
    assert.equal(error, null);
    assert.equal(status, 200);
    assert.deepEqual(data!.map((c) => c.id), ACME);
    assert.ok(data!.every((c) => c.tenant_id === TENANT.acme));
    const other = await (await userDb(USER.carol)).from('conversations').select('id').in('id', ACME);
    assert.deepEqual(other.data, []);
  });

  it('aliases, casts and JSON paths name the output keys', async () => {
    const { data, error } = await serviceDb().from('messages').select('key:id, tokens:input_tokens::text, meta:metadata, m:metadata->>model').eq('id', message(1, 2)).single();
    assert.equal(error, null);
    assert.deepEqual(Object.keys(data!), ['key', 'tokens', 'meta', 'm']);
    assert.equal(typeof data!.tokens, 'string');
  });

  it('filters: eq, neq, in, is, like/ilike, gt, not, or with nested and', async () => {
    const db = serviceDb();
    const ids = async (q: PromiseLike<{ data: { id: string }[] | null; error: unknown }>) => {
      const { data, error } = await q;
      assert.equal(error, null);
      return data!.map((r) => r.id).sort();
    };
    assert.deepEqual(await ids(db.from('conversations').select('id').in('id', SEED).eq('tenant_id', TENANT.acme)), ACME);
    assert.deepEqual(await ids(db.from('conversations').select('id').in('id', SEED).eq('tenant_id', TENANT.acme).neq('id', CONVERSATION.c1)), ACME.slice(1));
    assert.deepEqual(await ids(db.from('conversations').select('id').in('id', [CONVERSATION.c1, CONVERSATION.c4])), [CONVERSATION.c1, CONVERSATION.c4]);
    assert.deepEqual(await ids(db.from('conversations').select('id').in('id', [])), []);
    assert.deepEqual(await ids(db.from('conversations').select('id').in('id', SEED).eq('tenant_id', TENANT.acme).is('is_archived', true)), [CONVERSATION.c3]);
    assert.deepEqual(await ids(db.from('conversations').select('id').in('id', SEED).eq('tenant_id', TENANT.acme).not('is_archived', 'is', true)), ACME.slice(0, 2));
    assert.deepEqual(await ids(db.from('messages').select('id').eq('conversation_id', CONVERSATION.c1).ilike('content', 'A CUSTOMER LOST*')), [message(1, 1)]);
    assert.deepEqual(await ids(db.from('messages').select('id').eq('conversation_id', CONVERSATION.c1).like('content', 'Ask for two*')), [message(1, 2)]);
    // role is an enum (message_role): eq/in/not.in work, LIKE has no operator for it, as in PostgREST (42883 -> 404).
    assert.deepEqual(await ids(db.from('messages').select('id').eq('conversation_id', CONVERSATION.c1).eq('role', 'user')), [message(1, 1)]);
    const likeEnum = await db.from('messages').select('id').eq('conversation_id', CONVERSATION.c1).like('role', 'ass*');
    assert.equal(likeEnum.status, 404);
    assert.equal(likeEnum.error?.code, '42883');
    assert.deepEqual(await ids(db.from('conversations').select('id').or(`id.eq.${CONVERSATION.c1},and(tenant_id.eq.${TENANT.globex},id.eq.${CONVERSATION.c4})`)),
      [CONVERSATION.c1, CONVERSATION.c4]);
    assert.deepEqual(await ids(db.from('messages').select('id').eq('conversation_id', CONVERSATION.c1).gte('created_at', '1970-01-01').not('role', 'in', '(user)')), [message(1, 2)]);
  });

  it('order on several columns with nulls placement, limit and range', async () => {
    const db = serviceDb();
    const { data } = await db.from('messages').select('conversation_id, role').in('conversation_id', SEED).order('conversation_id', { ascending: false }).order('role').limit(3);
    assert.equal(data!.length, 3);
    assert.equal(data![0].conversation_id, CONVERSATION.c7);
    assert.deepEqual(data!.slice(0, 2).map((m) => m.role), ['assistant', 'user']);
    const page = await db.from('conversations').select('id').in('id', SEED).order('id').range(1, 2);
    assert.deepEqual(page.data!.map((c) => c.id), [CONVERSATION.c2, CONVERSATION.c3]);
    const nulls = await db.from('messages').select('latency_ms').order('latency_ms', { ascending: true, nullsFirst: true }).limit(1);
    assert.equal(nulls.error, null);
  });

  it('count=exact with Content-Range, 206 for a partial page, HEAD, and 416 past the end', async () => {
    const db = serviceDb();
    const all = await db.from('conversations').select('id', { count: 'exact' }).in('id', SEED);
    assert.equal(all.status, 200);
    assert.equal(all.count, 7);
    const part = await db.from('conversations').select('id', { count: 'exact' }).in('id', SEED).range(0, 1);
    assert.equal(part.status, 206);
    assert.equal(part.count, 7);
    const head = await db.from('conversations').select('*', { count: 'exact', head: true }).in('id', SEED);
    assert.equal(head.data, null);
    assert.equal(head.count, 7);
    const past = await db.from('conversations').select('id', { count: 'exact' }).in('id', SEED).range(100, 110);
    assert.equal(past.status, 416);
    assertPgrstError(past.error, { code: 'PGRST103', message: 'Requested range not satisfiable', details: 'An offset of 100 was requested, but there are only 7 rows.', hint: null });
    const raw = await rest(`/conversations?select=id&order=id&id=in.(${SEED.join(',')})`, { headers: { Authorization: `Bearer ${process.env.TEST_SERVICE_ROLE_KEY}`, Range: '0-1' } });
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get('content-range'), '0-1/*');
  });

  it('.single() answers the object, or 406 PGRST116 with the row count; maybeSingle gives null', async () => {
    const db = serviceDb();
    const one = await db.from('conversations').select('id').eq('id', CONVERSATION.c1).single();
    assert.deepEqual(one.data, { id: CONVERSATION.c1 });
    const none = await db.from('conversations').select('id').eq('id', '00000000-0000-4000-8000-000000000000').single();
    assert.equal(none.status, 406);
    assertPgrstError(none.error, { code: 'PGRST116', message: 'Cannot coerce the result to a single JSON object', details: 'The result contains 0 rows', hint: null });
    const many = await db.from('conversations').select('id').in('id', SEED).single();
    assertPgrstError(many.error, { code: 'PGRST116', details: 'The result contains 7 rows' });
    const maybe = await db.from('conversations').select('id').eq('id', '00000000-0000-4000-8000-000000000000').maybeSingle();
    assert.equal(maybe.error, null);
    assert.equal(maybe.data, null);
  });
});

describe('rest reads: embedding', () => {
  it('to-many and to-one through the composite foreign keys, with the hint form too', async () => {
    const db = await userDb(USER.alice);
    const { data, error } = await db.from('conversations').select('id, title, messages(id, role)').eq('id', CONVERSATION.c1).single();
    assert.equal(error, null);
    assert.deepEqual(data!.messages.map((m) => m.id).sort(), [message(1, 1), message(1, 2)]);
    const one = await db.from('messages').select('id, conversations!messages_conversation_fkey(id, title)').eq('id', message(1, 2)).single();
    assert.equal(one.error, null);
    assert.equal((one.data!.conversations as unknown as { id: string }).id, CONVERSATION.c1);
  });

  it('filters, order and limit inside an embed; !inner drops parents without a match', async () => {
    const db = serviceDb();
    const { data } = await db.from('conversations').select('id, messages(id, role)').in('id', SEED).eq('tenant_id', TENANT.acme)
      .eq('messages.role', 'assistant').order('role', { referencedTable: 'messages' }).limit(1, { referencedTable: 'messages' }).order('id');
    assert.deepEqual(data!.map((c) => c.messages.map((m) => m.role)), [['assistant'], ['assistant'], ['assistant']]);
    const inner = await db.from('conversations').select('id, messages!inner(id)').eq('messages.id', message(2, 1));
    assert.deepEqual(inner.data!.map((c) => c.id), [CONVERSATION.c2]);
    const left = await db.from('conversations').select('id, messages(id)').in('id', SEED).eq('messages.id', message(2, 1)).eq('tenant_id', TENANT.acme).order('id');
    assert.deepEqual(left.data!.map((c) => c.messages.length), [0, 1, 0]);
    // The count is the same query's: !inner and null filters on embeds count too.
    const counted = await db.from('conversations').select('id, messages!inner(id)', { count: 'exact' }).in('id', SEED).eq('messages.id', message(2, 1));
    assert.equal(counted.count, 1);
    const nulls = await rest(`/conversations?select=id,messages(id)&messages=is.null&messages.id=eq.${message(2, 1)}&id=in.(${SEED.join(',')})`,
      { headers: { Authorization: `Bearer ${process.env.TEST_SERVICE_ROLE_KEY}`, Prefer: 'count=exact' } });
    assert.equal(nulls.status, 200, nulls.text);
    assert.equal(nulls.headers.get('content-range'), `0-${SEED.length - 2}/${SEED.length - 1}`);
    // An embed path may name the embed by its alias or by its table (PostgREST matches both).
    const byName = await db.from('conversations').select('id, m:messages(id)').eq('id', CONVERSATION.c2).eq('messages.id', message(2, 1)).single();
    assert.deepEqual(byName.data, { id: CONVERSATION.c2, m: [{ id: message(2, 1) }] });
  });

  it('PGRST200 for no relationship, PGRST108 for a filter on a resource not embedded', async () => {
    const db = serviceDb();
    const none = await db.from('conversations').select('id, plugin_registry(*)');
    assert.equal(none.status, 400);
    assertPgrstError(none.error, { code: 'PGRST200', message: "Could not find a relationship between 'conversations' and 'plugin_registry' in the schema cache" });
    const stray = await db.from('conversations').select('id').eq('messages.role', 'user');
    assertPgrstError(stray.error, { code: 'PGRST108' });
  });
});

describe('rest reads: ordering by an embedded column, aggregates', () => {
  const service = { Authorization: `Bearer ${process.env.TEST_SERVICE_ROLE_KEY}` };

  it('order=rel(col) orders by a to-one embed\'s column (also inside an embed); to-many is PGRST118, not embedded PGRST108', async () => {
    const ids = [message(1, 1), message(2, 1), message(4, 1), message(6, 1)];
    const res = await rest(`/messages?select=id,conversation:conversations!messages_conversation_fkey(title)&id=in.(${ids.join(',')})&order=conversation(title).desc.nullslast,id`, { headers: service });
    assert.equal(res.status, 200, res.text);
    const expected = await connect(superuserUrl())`select m.id from public.messages m join public.conversations c on c.id = m.conversation_id
      where m.id = any(${ids}) order by c.title desc nulls last, m.id`;
    assert.deepEqual((res.json as { id: string }[]).map((r) => r.id), expected.map((r) => r.id));
    const nested = await rest(`/conversations?select=id,messages(id,conversations!messages_conversation_fkey(title))&id=eq.${CONVERSATION.c1}&messages.order=conversations(title),id`, { headers: service });
    assert.equal(nested.status, 200, nested.text);
    const toMany = await rest('/conversations?select=id,messages(id)&order=messages(id)', { headers: service });
    assert.equal(toMany.status, 400);
    assertPgrstError(toMany.json, { code: 'PGRST118', message: "A related order on 'messages' is not possible",
      details: "'conversations' and 'messages' do not form a many-to-one or one-to-one relationship", hint: null });
    const missing = await rest('/messages?select=id&order=conversations(title)', { headers: service });
    assertPgrstError(missing.json, { code: 'PGRST108', message: "'conversations' is not an embedded resource in this request", details: null,
      hint: "Verify that 'conversations' is included in the 'select' query parameter." });
  });

  it('aggregates are refused as PostgREST refuses them with db-aggregates-enabled off: 400 PGRST123', async () => {
    const refused = { code: 'PGRST123', message: 'Use of aggregate functions is not allowed', details: null, hint: null };
    for (const select of ['count()', 'total:count()::text', 'input_tokens.sum()', 'id,input_tokens.avg()::int', 'role,latency_ms.max(),latency_ms.min()', 'id,conversations!messages_conversation_fkey(id.count())']) {
      const res = await rest(`/messages?select=${encodeURIComponent(select)}`, { headers: service });
      assert.equal(res.status, 400, select);
      assertPgrstError(res.json, refused);
    }
    const client = await serviceDb().from('conversations').select('count()');
    assert.equal(client.status, 400);
    assertPgrstError(client.error, refused);
    const bad = await rest('/messages?select=id.total()', { headers: service });
    assertPgrstError(bad.json, { code: 'PGRST100' });
  });
});

describe('rest reads: views, schemas, errors', () => {
  it('current_day_usage answers under the caller\'s RLS', async () => {
    const { data, error } = await (await userDb(USER.bob)).from('current_day_usage').select('*');
    assert.equal(error, null);
    assert.ok(data!.every((r) => r.user_id === USER.bob));
  });

  it('unknown table 404 PGRST205, unknown column 400 42703, unexposed schema 406 PGRST106', async () => {
    const db = serviceDb();
    const table = await db.from('nope' as 'conversations').select('*');
    assert.equal(table.status, 404);
    assertPgrstError(table.error, { code: 'PGRST205', message: "Could not find the table 'public.nope' in the schema cache" });
    const column = await db.from('conversations').select('nope' as '*');
    assert.equal(column.status, 400);
    assertPgrstError(column.error, { code: '42703', message: 'column conversations.nope does not exist' });
    const schema = await rest('/conversations', { headers: { 'Accept-Profile': 'private' } });
    assert.equal(schema.status, 406);
    assertPgrstError(schema.json, { code: 'PGRST106', message: 'Invalid schema: private', hint: 'Only the following schemas are exposed: public, graphql_public' });
    const anon = await anonDb().from('conversations').select('id');
    assert.ok(anon.error === null ? anon.data!.length === 0 : anon.status === 401);
  });
});
