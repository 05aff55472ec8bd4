/** The raw-response storage migration: the checklist's columns, indexes, bucket, folder policies and views. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asOwner, scenario, sqlError, type Tx } from '../helpers/db.ts';
import { CONVERSATION, TENANT, USER } from '../helpers/seed-ids.ts';

const NINE = ['raw_response_url', 'raw_response_path', 'raw_response_size', 'raw_stored_at', 'parse_attempts',
  'last_parse_attempt_at', 'parse_error_message', 'parse_method_used', 'requires_manual_review'];

describe('raw response storage schema', () => {
  it("answers the checklist's verification query with 9 rows, and has its indexes", async () => {
    const rows = await asOwner((tx) => tx`
      select column_name from information_schema.columns
      where table_schema = 'public' and table_name = 'conversations' and column_name = any(${NINE})`);
    assert.equal(rows.length, 9);
    const idx = await asOwner((tx) => tx`select indexname from pg_indexes where indexname in ('idx_conversations_requires_review', 'idx_conversations_parse_attempts') order by 1`);
    assert.deepEqual(idx.map((r) => r.indexname), ['idx_conversations_parse_attempts', 'idx_conversations_requires_review']);
  });

  it('has a private conversation-files bucket with a size limit and JSON/text only', async () => {
    const [b] = await asOwner((tx) => tx`select public, file_size_limit, allowed_mime_types from storage.buckets where id = 'conversation-files'`);
    assert.deepEqual({ ...b }, { public: false, file_size_limit: '10485760', allowed_mime_types: ['application/json', 'text/plain'] });
  });

  it('lets a user write and read only under raw/<their id>/, never update or delete', async () => {
    await scenario(async (s) => {
      await s.as({ user: USER.alice }, (tx) => tx`insert into storage.objects (bucket_id, name) values ('conversation-files', ${`raw/${USER.alice}/c/1.json`})`);
      const other = await s.errorAs({ user: USER.alice }, (tx) => tx`insert into storage.objects (bucket_id, name) values ('conversation-files', ${`raw/${USER.bob}/c/1.json`})`);
      assert.equal(other.code, '42501');
      const outside = await s.errorAs({ user: USER.alice }, (tx) => tx`insert into storage.objects (bucket_id, name) values ('conversation-files', ${`${USER.alice}/c/1.json`})`);
      assert.equal(outside.code, '42501');
      assert.equal((await s.as({ user: USER.alice }, (tx) => tx`select name from storage.objects where bucket_id = 'conversation-files'`)).length, 1);
      assert.equal((await s.as({ user: USER.bob }, (tx) => tx`select name from storage.objects where bucket_id = 'conversation-files'`)).length, 0);
      const updated = await s.as({ user: USER.alice }, (tx) => tx`update storage.objects set metadata = '{}' where bucket_id = 'conversation-files' returning id`);
      assert.equal(updated.length, 0, 'no overwrite');
    });
  });

  it('types processing states and parse methods (enums: 22P02 for other values); clients cannot write the parse columns', async () => {
    await scenario(async (s) => {
      const done = await s.errorAs('service_role', (tx) => tx`update public.conversations set processing_status = 'done' where id = ${CONVERSATION.c1}`);
      assert.deepEqual(done, { code: '22P02', message: 'invalid input value for enum processing_status: "done"' });
      const magic = await s.errorAs('service_role', (tx) => tx`update public.conversations set parse_method_used = ${'magic'} where id = ${CONVERSATION.c1}`);
      assert.deepEqual(magic, { code: '22P02', message: 'invalid input value for enum parse_method: "magic"' });
      // Every label of the sets the pipeline writes is accepted (and null: not parsed yet).
      for (const status of ['pending', 'raw_stored', 'storage_pending', 'completed', 'needs_review', 'failed']) {
        await s.as('service_role', (tx) => tx`update public.conversations set processing_status = ${status} where id = ${CONVERSATION.c1}`);
      }
      for (const method of ['direct', 'jsonrepair', 'manual', null]) {
        await s.as('service_role', (tx) => tx`update public.conversations set parse_method_used = ${method} where id = ${CONVERSATION.c1}`);
      }
      assert.equal((await s.errorAs({ user: USER.alice }, (tx) => tx`update public.conversations set requires_manual_review = false where id = ${CONVERSATION.c1}`)).code, '42501');
      assert.equal((await s.errorAs({ user: USER.alice }, (tx) => tx`insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, storage_path, status)
        values (gen_random_uuid(), ${CONVERSATION.c1}, ${USER.alice}, 'k', ${'a'.repeat(64)}, 1, 'p', 'raw_stored')`)).code, '42501');
    });
  });

  it('manual_review_queue: each reader sees the queue their RLS allows, with the tenant slug; nobody writes through it', async () => {
    await scenario(async (s) => {
      await s.owner`update public.conversations set requires_manual_review = true, processing_status = 'needs_review' where id in (${CONVERSATION.c1}, ${CONVERSATION.c4})`;
      const queue = (actor: Parameters<typeof s.as>[0]) => s.as(actor, (tx) => tx`select conversation_id, tenant_id, tenant_slug from public.manual_review_queue order by tenant_slug`);
      assert.deepEqual((await queue({ user: USER.alice })).map((r) => [r.conversation_id, r.tenant_slug]), [[CONVERSATION.c1, 'test-acme']]);
      assert.deepEqual((await queue('service_role')).map((r) => [r.conversation_id, r.tenant_id, r.tenant_slug]),
        [[CONVERSATION.c1, TENANT.acme, 'test-acme'], [CONVERSATION.c4, TENANT.globex, 'test-globex']]);
      // Not automatically updatable: the rewriter refuses every write (55000), service_role's too.
      for (const actor of ['service_role', { user: USER.alice }] as const) {
        for (const write of [
          (tx: Tx) => tx`update public.manual_review_queue set title = 'x' where conversation_id = ${CONVERSATION.c1}`,
          (tx: Tx) => tx`delete from public.manual_review_queue where conversation_id = ${CONVERSATION.c1}`,
          (tx: Tx) => tx`insert into public.manual_review_queue (tenant_id, user_id, title) values (${TENANT.acme}, ${USER.alice}, 'x')`,
        ]) {
          assert.equal((await s.errorAs(actor, write)).code, '55000');
        }
      }
      const [c1] = await s.owner`select title from public.conversations where id = ${CONVERSATION.c1}`;
      assert.notEqual(c1.title, 'x');
    });
  });

  it('monitoring views are security invokers', async () => {
    const rows = await asOwner((tx) => tx`select relname, reloptions from pg_class where relname in ('raw_storage_health', 'manual_review_queue') order by 1`);
    assert.deepEqual(rows.map((r) => [r.relname, r.reloptions]), [['manual_review_queue', ['security_invoker=on']], ['raw_storage_health', ['security_invoker=on']]]);
  });
});
