/**
 * ingest-response end to end through the gateway with supabase-js: storage first, then parse
 * (direct, repair, review), re-parse, idempotency, authorization, bad bodies, and the monitoring
 * views. Runs in a tenant of its own (committed, removed afterwards).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { FunctionsHttpError } from '@supabase/supabase-js';
import { apiUrl, client, serviceClient, serviceRoleKey, userToken } from '../helpers/api.ts';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { freePort } from '../../scripts/local/stack/postgres-server.ts';
import { asUser, connect, superuserUrl } from '../helpers/db.ts';
import { e2eTenant } from '../helpers/e2e-tenant.ts';
import { startOwnGateway } from '../helpers/own-gateway.ts';
import { USER } from '../helpers/seed-ids.ts';

const tenant = e2eTenant(`e2e-ingest-${process.pid}`);
before(() => tenant.setup());
after(() => tenant.teardown());

const admin = () => connect(superuserUrl());

async function newConversation(): Promise<string> {
  const [c] = await admin()`insert into public.conversations (tenant_id, user_id, title) values (${tenant.id}, ${tenant.owner}, null) returning id`;
  return c.id;
}

const GOOD = JSON.stringify({ title: 'Refunds', turns: [{ role: 'user', content: 'Refund?' }, { role: 'assistant', content: 'Within 90 days.' }] });

async function ingest(token: string | null, body: unknown, action = '') {
  const c = token ? client(token) : client();
  const { data, error } = await c.functions.invoke(`ingest-response${action ? `/${action}` : ''}`, { body: body as Record<string, unknown> });
  if (error instanceof FunctionsHttpError) {
    const res = error.context as Response;
    return { status: res.status, body: await res.json() };
  }
  assert.equal(error, null);
  return { status: 200, body: data };
}

const conversationRow = async (id: string) => (await admin()`select * from public.conversations where id = ${id}`)[0];

describe('ingest-response', () => {
  it('stores the raw bytes first, parses valid JSON directly, inserts the turns and counts usage', async () => {
    const id = await newConversation();
    const res = await ingest(serviceRoleKey(), { conversation_id: id, raw_response: GOOD, model: 'gpt-4o', finish_reason: 'stop', usage: { input_tokens: 120, output_tokens: 30, cost: 0.002 } });
    assert.equal(res.status, 200);
    assert.deepEqual({ ...res.body, raw_response_path: null }, { conversation_id: id, raw_response_path: null, processing_status: 'completed', parse_method_used: 'direct', messages_inserted: 2, requires_manual_review: false });
    assert.match(res.body.raw_response_path, new RegExp(`^raw/${tenant.owner}/${id}/.+\\.json$`));
    const conv = await conversationRow(id);
    assert.deepEqual([conv.processing_status, conv.parse_method_used, conv.parse_attempts, conv.requires_manual_review, conv.title], ['completed', 'direct', 1, false, 'Refunds']);
    assert.equal(Number(conv.raw_response_size), Buffer.byteLength(GOOD));
    const messages = await admin()`select role, content, output_tokens from public.messages where conversation_id = ${id} order by created_at`;
    assert.deepEqual(messages.map((m) => [m.role, m.content, m.output_tokens]), [['user', 'Refund?', 0], ['assistant', 'Within 90 days.', 30]]);
    const stored = await serviceClient().storage.from('conversation-files').download(res.body.raw_response_path);
    assert.equal(await stored.data!.text(), GOOD, 'the exact bytes are in storage');
    const [usage] = await admin()`select request_count, output_tokens from public.usage_metrics where tenant_id = ${tenant.id} and user_id = ${tenant.owner} and date = current_date`;
    assert.deepEqual([usage.request_count, usage.output_tokens], [1, '30']);
  });

  it('repairs fenced, sloppy JSON and records the method', async () => {
    const id = await newConversation();
    const raw = "Here you go:\n```json\n{'turns': [{'role': 'assistant', 'content': 'Fixed.'},],}\n```";
    const res = await ingest(await userToken(tenant.owner), { conversation_id: id, raw_response: raw });
    assert.deepEqual([res.body.processing_status, res.body.parse_method_used, res.body.messages_inserted], ['completed', 'jsonrepair', 1]);
  });

  it('sends unparseable and truncated output to review, keeping the raw bytes; re-parse with a correction completes it', async () => {
    const id = await newConversation();
    const res = await ingest(await userToken(tenant.owner), { conversation_id: id, raw_response: '{"turns": [{"role": "assistant", "content": "Cut', finish_reason: 'length' });
    assert.deepEqual([res.body.processing_status, res.body.requires_manual_review, res.body.messages_inserted], ['needs_review', true, 0]);
    assert.match(res.body.parse_error, /finish_reason length/);
    const conv = await conversationRow(id);
    assert.deepEqual([conv.processing_status, conv.requires_manual_review, conv.parse_attempts], ['needs_review', true, 1]);
    assert.ok(conv.raw_response_path);
    const [queued] = await admin()`select conversation_id from public.manual_review_queue where conversation_id = ${id}`;
    assert.ok(queued, 'in the manual review queue');

    const again = await ingest(await userToken(tenant.owner), { conversation_id: id }, 'reparse');
    assert.equal(again.body.processing_status, 'needs_review', 're-parsing the same bytes fails the same way');
    const fixed = await ingest(await userToken(tenant.owner), { conversation_id: id, corrected_payload: JSON.stringify({ turns: [{ role: 'assistant', content: 'Cut short, now complete.' }] }) }, 'reparse');
    assert.deepEqual([fixed.body.processing_status, fixed.body.parse_method_used, fixed.body.messages_inserted], ['completed', 'manual', 1]);
    const after = await conversationRow(id);
    assert.deepEqual([after.parse_attempts, after.requires_manual_review, after.parse_method_used], [3, false, 'manual']);
    const objects = await admin()`select name from storage.objects where bucket_id = 'conversation-files' and name like ${`raw/${tenant.owner}/${id}/%`} order by name`;
    assert.equal(objects.length, 2, 'the correction is kept beside the original');
    const notInReview = await ingest(await userToken(tenant.owner), { conversation_id: id }, 'reparse');
    assert.equal(notInReview.status, 409);
  });

  it('is idempotent: the same key twice stores once, inserts once, counts usage once, answers the same', async () => {
    const id = await newConversation();
    const body = { conversation_id: id, raw_response: GOOD, idempotency_key: 'req-42', usage: { input_tokens: 10, output_tokens: 5, cost: 0.001 } };
    const first = await ingest(serviceRoleKey(), body);
    const second = await ingest(serviceRoleKey(), body);
    assert.deepEqual(second.body, first.body);
    const sameBytes = await ingest(await userToken(tenant.owner), { conversation_id: id, raw_response: GOOD });
    const third = await ingest(await userToken(tenant.owner), { conversation_id: id, raw_response: GOOD });
    assert.deepEqual(third.body, sameBytes.body, 'without a key, the same bytes are the key');
    const [n] = await admin()`select (select count(*) from public.messages where conversation_id = ${id})::int as messages,
                                     (select count(*) from storage.objects where name like ${`raw/${tenant.owner}/${id}/%`})::int as objects,
                                     (select count(*) from public.raw_response_ingestions where conversation_id = ${id})::int as ingestions,
                                     (select count(*) from public.raw_response_ingestions where conversation_id = ${id} and usage_recorded_at is not null)::int as usage_counted`;
    assert.deepEqual({ ...n }, { messages: 4, objects: 2, ingestions: 2, usage_counted: 1 });
  });

  it("refuses another tenant's user (404), a colleague (403), anon (403) and a missing token (401)", async () => {
    const id = await newConversation();
    const stranger = await ingest(await userToken(USER.bob), { conversation_id: id, raw_response: GOOD });
    assert.equal(stranger.status, 404);
    assert.equal(stranger.body.error.code, 'not_found');
    const colleagueRes = await ingest(await userToken(tenant.member), { conversation_id: id, raw_response: GOOD });
    assert.equal(colleagueRes.status, 403);
    const anon = await ingest(null, { conversation_id: id, raw_response: GOOD });
    assert.equal(anon.status, 403);
    const noToken = await fetch(`${apiUrl()}/functions/v1/ingest-response`, { method: 'POST', body: '{}' });
    assert.equal(noToken.status, 401);
    const [row] = await admin()`select count(*)::int as n from public.raw_response_ingestions where conversation_id = ${id}`;
    assert.equal(row.n, 0, 'nothing stored for refused callers');
  });

  it('refuses malformed (400), invalid (422) and oversized (413) bodies, storing nothing', async () => {
    const id = await newConversation();
    const token = await userToken(tenant.owner);
    const post = (body: string) => fetch(`${apiUrl()}/functions/v1/ingest-response`, { method: 'POST', body, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
    assert.equal((await post('{not json')).status, 400);
    const invalid = await post(JSON.stringify({ conversation_id: 'nope', raw_response: 5 }));
    assert.equal(invalid.status, 422);
    const details = (await invalid.json()).error.details.map((d: { path: string }) => d.path).sort();
    assert.deepEqual(details, ['conversation_id', 'raw_response']);
    assert.equal((await post(JSON.stringify({ conversation_id: id, raw_response: GOOD, extra: 1 }))).status, 422, 'unknown fields are refused');
    assert.equal((await post(JSON.stringify({ conversation_id: id, raw_response: 'x'.repeat(5 * 1024 * 1024 + 10) }))).status, 413);
    const [row] = await admin()`select count(*)::int as n from public.raw_response_ingestions where conversation_id = ${id}`;
    assert.equal(row.n, 0);
  });

  it('accepts a response while storage is down, keeps it in the database, and the pending job finishes it later', async () => {
    const id = await newConversation();
    // A second gateway whose functions reach storage at a closed port: an injected outage.
    const faulty = await startOwnGateway({ apiUrl: `http://127.0.0.1:${await freePort()}` });
    try {
      const token = serviceRoleKey();
      const call = () => fetch(`${faulty.gateway.url}/functions/v1/ingest-response`, {
        method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ conversation_id: id, raw_response: GOOD, idempotency_key: 'outage-1', usage: { input_tokens: 7, output_tokens: 3, cost: 0.0001 } }),
      });
      const first = await call();
      assert.equal(first.status, 202);
      assert.deepEqual(await first.json(), { conversation_id: id, raw_response_path: null, processing_status: 'storage_pending', parse_method_used: null, messages_inserted: 0, requires_manual_review: false });
      assert.equal((await call()).status, 202, 'a retry during the outage is the same ingestion');
      const [kept] = await admin()`select count(*)::int as n, max(pending_raw_text) as text from public.raw_response_ingestions where conversation_id = ${id}`;
      assert.deepEqual([kept.n, kept.text], [1, GOOD], 'the raw text is durable in the database');
      assert.equal((await conversationRow(id)).processing_status, 'storage_pending');
    } finally {
      await faulty.stop();
    }
    const job = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/ops/jobs/upload-pending-responses.ts'], {
      cwd: repoRoot, encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: process.env.TEST_DB_URL, API_URL: apiUrl(), SERVICE_ROLE_KEY: serviceRoleKey(), JWT_SECRET: process.env.TEST_JWT_SECRET },
    });
    assert.equal(job.status, 0, job.stdout + job.stderr);
    // Either this job stored it, or a refresh-views run of another test file got there first.
    assert.match(job.stdout, new RegExp(`stored .* \\(conversation ${id}\\): completed|^0 of 0 pending`, 'm'));
    const conv = await conversationRow(id);
    assert.deepEqual([conv.processing_status, conv.parse_method_used], ['completed', 'direct']);
    const [after] = await admin()`select pending_raw_text, storage_path, usage_recorded_at is not null as usage from public.raw_response_ingestions where conversation_id = ${id}`;
    assert.deepEqual([after.pending_raw_text, after.usage], [null, true]);
    const stored = await serviceClient().storage.from('conversation-files').download(after.storage_path);
    assert.equal(await stored.data!.text(), GOOD);
    const again = await ingest(await userToken(tenant.owner), { conversation_id: id, raw_response: GOOD, idempotency_key: 'outage-1' });
    assert.equal(again.body.processing_status, 'completed', 'the original request, retried, now gets the final answer');
    const [n] = await admin()`select count(*)::int as n from public.messages where conversation_id = ${id}`;
    assert.equal(n.n, 2);
  });

  it('feeds the monitoring views: success rate, review count and storage used', async () => {
    // As the tenant's owner: the views are security invokers, so RLS scopes them to the tenant.
    const rows = await asUser(tenant.owner, (tx) => tx`select * from public.raw_storage_health`);
    assert.deepEqual(rows.map((r) => r.tenant_id), [tenant.id]);
    const [health] = rows;
    const queue = await asUser(tenant.owner, (tx) => tx`select conversation_id from public.manual_review_queue`);
    assert.equal(queue.length, health.manual_review_count);
    const [expected] = await admin()`
      select count(*) filter (where processing_status = 'completed')::int as completed,
             count(*) filter (where requires_manual_review)::int as review,
             count(*) filter (where parse_attempts > 0)::int as attempted,
             coalesce(sum(raw_response_size), 0)::bigint as bytes
      from public.conversations where tenant_id = ${tenant.id}`;
    assert.equal(health.completed_count, expected.completed);
    assert.equal(health.manual_review_count, expected.review);
    assert.equal(String(health.total_raw_bytes), String(expected.bytes));
    assert.equal(Number(health.parse_success_rate_pct), Number((100 * expected.completed / expected.attempted).toFixed(2)));
    assert.ok(health.parsed_direct_count >= 2 && health.parsed_jsonrepair_count >= 1 && health.parsed_manual_count >= 1);
  });
});
