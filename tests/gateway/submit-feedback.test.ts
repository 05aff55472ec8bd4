/** submit-feedback through the gateway with supabase-js, in a tenant of its own. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FunctionsHttpError } from '@supabase/supabase-js';
import { apiUrl, client, serviceClient, userToken } from '../helpers/api.ts';
import { connect, superuserUrl } from '../helpers/db.ts';
import { e2eTenant } from '../helpers/e2e-tenant.ts';
import { message } from '../helpers/seed-ids.ts';

const tenant = e2eTenant(`e2e-feedback-${process.pid}`);
let answerId = '';

before(async () => {
  await tenant.setup();
  const admin = connect(superuserUrl());
  const [c] = await admin`insert into public.conversations (tenant_id, user_id, title) values (${tenant.id}, ${tenant.owner}, 'Feedback e2e') returning id`;
  const [m] = await admin`insert into public.messages (conversation_id, tenant_id, role, content) values (${c.id}, ${tenant.id}, 'assistant', 'An answer to rate.') returning id`;
  answerId = m.id;
});
after(() => tenant.teardown());

async function call(token: string | null, body: unknown, method: 'POST' | 'DELETE' = 'POST') {
  const c = token ? client(token) : client();
  const { data, error } = await c.functions.invoke('submit-feedback', { body: body as Record<string, unknown>, method });
  if (error instanceof FunctionsHttpError) {
    const res = error.context as Response;
    return { status: res.status, body: await res.json() };
  }
  assert.equal(error, null);
  return { status: 200, body: data };
}

describe('submit-feedback', () => {
  it('records a rating and answers the row and the live summary; a change of mind replaces it', async () => {
    const owner = await userToken(tenant.owner);
    const first = await call(owner, { message_id: answerId, rating: 1, comment: 'Helpful' });
    assert.equal(first.status, 200);
    assert.deepEqual([first.body.feedback.rating, first.body.feedback.comment, first.body.feedback.user_id], [1, 'Helpful', tenant.owner]);
    assert.deepEqual([first.body.summary.up_count, first.body.summary.down_count, first.body.summary.average_rating], [1, 0, 1]);
    const member = await call(await userToken(tenant.member), { message_id: answerId, rating: -1 });
    assert.deepEqual([member.body.summary.up_count, member.body.summary.down_count, member.body.summary.average_rating], [1, 1, 0]);
    const changed = await call(owner, { message_id: answerId, rating: -1, comment: null });
    assert.equal(changed.body.feedback.id, first.body.feedback.id, 'the same row, updated');
    assert.deepEqual([changed.body.summary.up_count, changed.body.summary.down_count, changed.body.summary.feedback_count], [0, 2, 2]);
    assert.equal(changed.body.summary.last_feedback_at, changed.body.feedback.updated_at, 'the latest rating is the one just changed');
  });

  it('answers the row get_message_feedback_summary gives the same caller through the Data API: one shape', async () => {
    const owner = await userToken(tenant.owner);
    const answer = await call(owner, { message_id: answerId, rating: 1, comment: 'On reflection, helpful' });
    const { data, error } = await client(owner).rpc('get_message_feedback_summary', { p_message_ids: [answerId] });
    assert.equal(error, null);
    assert.equal(data.length, 1);
    const [row] = data;
    assert.deepEqual(Object.keys(answer.body.summary).sort(), Object.keys(row).sort());
    // The same values; timestamps as each writes them (PostgREST: microseconds and an offset; the function: a Date's JSON).
    assert.deepEqual({ ...answer.body.summary, last_feedback_at: null }, { ...row, last_feedback_at: null });
    assert.equal(Date.parse(answer.body.summary.last_feedback_at), Date.parse(row.last_feedback_at));
    assert.deepEqual([row.up_count, row.down_count, row.feedback_count, row.average_rating], [1, 1, 2, 0]);
  });

  it('withdraws with rating null or DELETE; with no feedback left the summary is null, as the RPC has no row', async () => {
    const member = await userToken(tenant.member);
    const withdrawn = await call(member, { message_id: answerId, rating: null });
    assert.equal(withdrawn.body.feedback, null);
    assert.deepEqual([withdrawn.body.summary.feedback_count, withdrawn.body.summary.up_count], [1, 1], "the owner's rating is left");
    const owner = await userToken(tenant.owner);
    const deleted = await call(owner, { message_id: answerId }, 'DELETE');
    assert.deepEqual(deleted, { status: 200, body: { feedback: null, summary: null } });
    const { data } = await client(owner).rpc('get_message_feedback_summary', { p_message_ids: [answerId] });
    assert.deepEqual(data, []);
    const again = await call(owner, { message_id: answerId }, 'DELETE');
    assert.deepEqual(again.body, { feedback: null, summary: null }, 'withdrawing nothing answers the same');
  });

  it("answers 404 for another tenant's message or an unknown one, and writes nothing", async () => {
    const owner = await userToken(tenant.owner);
    const foreign = await call(owner, { message_id: message(1, 2), rating: 1 });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'not_found');
    const unknown = await call(owner, { message_id: '00000000-0000-4000-8000-00000000beef', rating: 1 });
    assert.equal(unknown.status, 404);
  });

  it('answers 401 without a user (anon key, no token) and 403 for the service key', async () => {
    const anon = await call(null, { message_id: answerId, rating: 1 });
    assert.equal(anon.status, 401);
    assert.equal(anon.body.error.code, 'unauthorized');
    const none = await fetch(`${apiUrl()}/functions/v1/submit-feedback`, { method: 'POST', body: '{}' });
    assert.equal(none.status, 401);
    const { error } = await serviceClient().functions.invoke('submit-feedback', { body: { message_id: answerId, rating: 1 } });
    assert.equal(((error as FunctionsHttpError).context as Response).status, 403);
  });

  it('refuses malformed (400) and invalid (422) bodies with the failing fields', async () => {
    const owner = await userToken(tenant.owner);
    const raw = await fetch(`${apiUrl()}/functions/v1/submit-feedback`, { method: 'POST', body: '{oops', headers: { Authorization: `Bearer ${owner}`, 'Content-Type': 'application/json' } });
    assert.equal(raw.status, 400);
    assert.equal((await raw.json()).error.code, 'bad_request');
    for (const [body, field] of [
      [{ message_id: answerId, rating: 5 }, 'rating'],
      [{ message_id: 'nope', rating: 1 }, 'message_id'],
      [{ message_id: answerId, rating: 1, comment: 'x'.repeat(2001) }, 'comment'],
      [{ message_id: answerId }, 'rating'],
    ] as const) {
      const res = await call(owner, body);
      assert.equal(res.status, 422, JSON.stringify(body).slice(0, 60));
      assert.ok(res.body.error.details.some((d: { path: string }) => d.path === field), field);
    }
    const extra = await call(owner, { message_id: answerId, rating: 1, stars: 5 });
    assert.equal(extra.status, 422);
  });
});
