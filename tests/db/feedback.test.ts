/** feedback: the role matrix, one row per (message, user), thumbs-only ratings, tenant integrity. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAnon, asServiceRole, asUser, scenario, sqlError } from '../helpers/db.ts';
import { message, TENANT, USER } from '../helpers/seed-ids.ts';

describe('feedback RLS', () => {
  it('anon can neither read nor write', async () => {
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select id from public.feedback`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.feedback (message_id, tenant_id, user_id, rating) values (${message(1, 2)}, ${TENANT.acme}, ${USER.alice}, 1)`)).code, '42501');
    });
  });

  it("members read their tenant's feedback only", async () => {
    const bob = await asUser(USER.bob, (tx) => tx`select message_id from public.feedback order by message_id`);
    assert.deepEqual(bob.map((r) => r.message_id), [message(1, 2), message(2, 2), message(3, 2)]);
    const erin = await asUser(USER.erin, (tx) => tx`select id from public.feedback where tenant_id = ${TENANT.acme}`);
    assert.equal(erin.length, 0);
  });

  it('a user rates a message they can see, as themselves, once; upsert replaces the rating', async () => {
    await asUser(USER.alice, async (tx) => {
      const [row] = await tx`insert into public.feedback (message_id, rating, comment) values (${message(2, 2)}, -1, 'Wrong window') returning tenant_id, user_id, rating`;
      assert.deepEqual({ ...row }, { tenant_id: TENANT.acme, user_id: USER.alice, rating: -1 });
      const dup = await sqlError(tx, (sp) => sp`insert into public.feedback (message_id, rating) values (${message(2, 2)}, 1)`);
      assert.equal(dup.code, '23505');
      const [changed] = await tx`
        insert into public.feedback (message_id, tenant_id, user_id, rating) values (${message(2, 2)}, ${TENANT.acme}, ${USER.alice}, 1)
        on conflict (message_id, user_id) do update set message_id = excluded.message_id, tenant_id = excluded.tenant_id,
          user_id = excluded.user_id, rating = excluded.rating, comment = excluded.comment
        returning rating, comment`;
      assert.deepEqual({ ...changed }, { rating: 1, comment: null });
    });
  });

  it("nobody rates as someone else or a message of another tenant", async () => {
    await asUser(USER.bob, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.feedback (message_id, user_id, rating) values (${message(1, 2)}, ${USER.alice}, 1)`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.feedback (message_id, rating) values (${message(4, 2)}, 1)`)).code, '42501');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.feedback (message_id, tenant_id, rating) values (${message(4, 2)}, ${TENANT.globex}, 1)`)).code, '42501');
    });
  });

  it('users change and withdraw only their own feedback; admins do not edit others\'', async () => {
    await scenario(async (s) => {
      const own = await s.as({ user: USER.bob }, (tx) => tx`update public.feedback set rating = 1, comment = null where message_id = ${message(2, 2)} returning rating`);
      assert.deepEqual(own.map((r) => r.rating), [1]);
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`update public.feedback set rating = -1 where message_id = ${message(2, 2)} returning id`)).length, 0);
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`delete from public.feedback where message_id = ${message(2, 2)} returning id`)).length, 0);
      assert.equal((await s.as({ user: USER.carol }, (tx) => tx`delete from public.feedback where tenant_id = ${TENANT.acme} returning id`)).length, 0);
      assert.equal((await s.as({ user: USER.bob }, (tx) => tx`delete from public.feedback where message_id = ${message(2, 2)} returning id`)).length, 1);
    });
  });

  it('feedback never moves to another message, user or tenant', async () => {
    await asUser(USER.bob, async (tx) => {
      const err = await sqlError(tx, (sp) => sp`update public.feedback set message_id = ${message(1, 2)} where message_id = ${message(2, 2)}`);
      assert.equal(err.code, '42501');
      assert.match(err.message, /feedback\.message_id cannot change/);
    });
    await asServiceRole(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`update public.feedback set user_id = ${USER.alice} where message_id = ${message(2, 2)}`)).code, '42501');
    });
  });
});

describe('feedback integrity', () => {
  it('ratings are -1 or +1; comments up to 2,000 characters', async () => {
    await asUser(USER.alice, async (tx) => {
      for (const rating of [0, 2, 5, -2]) {
        assert.equal((await sqlError(tx, (sp) => sp`insert into public.feedback (message_id, rating) values (${message(2, 2)}, ${rating})`)).code, '23514', `rating ${rating}`);
      }
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.feedback (message_id, rating, comment) values (${message(2, 2)}, 1, ${'c'.repeat(2001)})`)).code, '23514');
      assert.equal((await sqlError(tx, (sp) => sp`insert into public.feedback (message_id, rating) values (gen_random_uuid(), 1)`)).code, '42501', 'an unknown message is not one the user can see');
    });
  });

  it('the message and the user must be in the feedback\'s tenant (foreign keys)', async () => {
    await asServiceRole(async (tx) => {
      const msg = await sqlError(tx, (sp) => sp`insert into public.feedback (message_id, tenant_id, user_id, rating) values (${message(4, 2)}, ${TENANT.acme}, ${USER.alice}, 1)`);
      assert.equal(msg.code, '23503');
      assert.match(msg.message, /feedback_message_fkey/);
      const user = await sqlError(tx, (sp) => sp`insert into public.feedback (message_id, tenant_id, user_id, rating) values (${message(4, 2)}, ${TENANT.globex}, ${USER.alice}, 1)`);
      assert.equal(user.code, '23503');
      assert.match(user.message, /feedback_user_fkey/);
    });
  });

  it('feedback goes with its message, and updated_at follows changes', async () => {
    await scenario(async (s) => {
      const [before] = await s.owner`select updated_at from public.feedback where message_id = ${message(1, 2)}`;
      const [after] = await s.as({ user: USER.alice }, (tx) => tx`update public.feedback set comment = 'Still right' where message_id = ${message(1, 2)} returning updated_at`);
      assert.ok(after.updated_at > before.updated_at);
      await s.owner`delete from public.messages where id = ${message(1, 2)}`;
      const [left] = await s.owner`select count(*)::int as n from public.feedback where message_id = ${message(1, 2)}`;
      assert.equal(left.n, 0);
    });
  });
});
