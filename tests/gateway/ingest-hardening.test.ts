/**
 * ingest-response against hostile input and concurrency: text Postgres cannot store is refused
 * before anything is stored, or, once the raw bytes are stored, sends the conversation to review
 * (never a 500 with a stuck ingestion); concurrent duplicates upload once; usage comes only from
 * service_role.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { apiUrl, serviceClient, serviceRoleKey, userToken } from '../helpers/api.ts';
import { connect, superuserUrl } from '../helpers/db.ts';
import { e2eTenant } from '../helpers/e2e-tenant.ts';

const tenant = e2eTenant(`e2e-ingest-hard-${process.pid}`);
before(() => tenant.setup());
after(() => tenant.teardown());
const admin = () => connect(superuserUrl());

async function newConversation(): Promise<string> {
  const [c] = await admin()`insert into public.conversations (tenant_id, user_id) values (${tenant.id}, ${tenant.owner}) returning id`;
  return c.id;
}

async function post(token: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${apiUrl()}/functions/v1/ingest-response`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function stateOf(id: string) {
  const [row] = await admin()`
    select (select count(*) from storage.objects where name like ${`raw/${tenant.owner}/${id}/%`})::int as objects,
           (select count(*) from public.raw_response_ingestions where conversation_id = ${id})::int as ingestions,
           (select string_agg(status::text, ',') from public.raw_response_ingestions where conversation_id = ${id}) as statuses,
           (select count(*) from public.messages where conversation_id = ${id})::int as messages,
           (select processing_status from public.conversations where id = ${id}) as conversation`;
  return { ...row };
}

const turns = (content: string, metadata?: unknown) => JSON.stringify({ turns: [{ role: 'assistant', content, ...(metadata === undefined ? {} : { metadata }) }] });

describe('ingest-response: what the database cannot store', () => {
  it('refuses NUL in model, finish_reason, idempotency_key or the raw text itself with 422, storing nothing', async () => {
    const id = await newConversation();
    const token = await userToken(tenant.owner);
    for (const extra of [{ model: 'gpt\u0000' }, { finish_reason: 'st\u0000p' }, { idempotency_key: 'k\u0000' }, { raw_response: 'raw \u0000 text' }, { model: '\ud800' }]) {
      const res = await post(token, { conversation_id: id, raw_response: turns('hi'), ...extra });
      assert.equal(res.status, 422, JSON.stringify(extra));
      assert.equal(res.body.error.code, 'unprocessable');
    }
    assert.deepEqual(await stateOf(id), { objects: 0, ingestions: 0, statuses: null, messages: 0, conversation: 'pending' });
  });

  it('sends a stored response whose turns hold NUL, lone surrogates, 3,000-deep metadata or oversized metadata to review, with the reason', async () => {
    const deep = `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`;
    const cases: [string, string, RegExp][] = [
      ['NUL in content', turns('a\u0000b'), /NUL/],
      ['lone surrogate in content', turns('x\ud800y'), /surrogate/],
      ['NUL in a metadata key', turns('ok', { 'k\u0000': 1 }), /NUL/],
      ['deep metadata', `{"turns":[{"role":"assistant","content":"ok","metadata":${deep}}]}`, /nested deeper/],
      ['metadata over the table\'s size check', turns('ok', { blob: 'x'.repeat(20_000) }), /could not be stored \(23514/],
    ];
    for (const [label, raw, reason] of cases) {
      const id = await newConversation();
      const res = await post(serviceRoleKey(), { conversation_id: id, raw_response: raw });
      assert.equal(res.status, 200, `${label}: ${JSON.stringify(res.body)}`);
      assert.deepEqual([res.body.processing_status, res.body.requires_manual_review, res.body.messages_inserted], ['needs_review', true, 0], label);
      assert.match(res.body.parse_error, reason, label);
      assert.deepEqual(await stateOf(id), { objects: 1, ingestions: 1, statuses: 'needs_review', messages: 0, conversation: 'needs_review' }, label);
      const again = await post(serviceRoleKey(), { conversation_id: id, raw_response: raw });
      assert.deepEqual(again.body, res.body, `${label}: a retry gets the same answer`);
    }
  });
});

describe('ingest-response: usage and duplicates', () => {
  it('refuses usage from a user token with 403 and stores nothing (only service_role bills)', async () => {
    const id = await newConversation();
    const res = await post(await userToken(tenant.owner), { conversation_id: id, raw_response: turns('hi'), usage: { input_tokens: 10_000_000, output_tokens: 10_000_000, cost: 100_000 } });
    assert.equal(res.status, 403);
    assert.deepEqual(await stateOf(id), { objects: 0, ingestions: 0, statuses: null, messages: 0, conversation: 'pending' });
    const [usage] = await admin()`select count(*)::int as n from public.usage_metrics where tenant_id = ${tenant.id}`;
    assert.equal(usage.n, 0);
  });

  it('stores one object for 100 concurrent calls with one idempotency key, and one for 50 identical bodies without a key', async () => {
    for (const [calls, key] of [[100, 'burst-1'], [50, undefined]] as const) {
      const id = await newConversation();
      const token = await userToken(tenant.owner);
      const body = { conversation_id: id, raw_response: turns(`burst ${calls}`), ...(key ? { idempotency_key: key } : {}) };
      const answers = await Promise.all(Array.from({ length: calls }, () => post(token, body)));
      assert.deepEqual([...new Set(answers.map((a) => a.status))], [200], JSON.stringify(answers.find((a) => a.status !== 200)));
      for (const a of answers) assert.deepEqual(a.body, answers[0].body, 'every caller gets the same answer');
      assert.deepEqual(await stateOf(id), { objects: 1, ingestions: 1, statuses: 'completed', messages: 1, conversation: 'completed' });
    }
  });

  it('refuses an idempotency key reused for other bytes with 409', async () => {
    const id = await newConversation();
    const token = await userToken(tenant.owner);
    assert.equal((await post(token, { conversation_id: id, raw_response: turns('first'), idempotency_key: 'reuse' })).status, 200);
    const second = await post(token, { conversation_id: id, raw_response: turns('second'), idempotency_key: 'reuse' });
    assert.deepEqual([second.status, second.body.error.code], [409, 'conflict']);
    assert.equal((await stateOf(id)).objects, 1);
  });

  it('takes over a claim left behind by a request that died before uploading, writing one object', async () => {
    const id = await newConversation();
    const raw = turns('after a crash');
    const sha = createHash('sha256').update(raw).digest('hex');
    await admin()`
      insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, status, created_at, updated_at)
      values (${tenant.id}, ${id}, ${tenant.owner}, 'crashed', ${sha}, ${Buffer.byteLength(raw)}, 'receiving', now() - interval '5 minutes', now() - interval '5 minutes')`;
    const res = await post(await userToken(tenant.owner), { conversation_id: id, raw_response: raw, idempotency_key: 'crashed' });
    assert.deepEqual([res.status, res.body.processing_status], [200, 'completed']);
    assert.deepEqual(await stateOf(id), { objects: 1, ingestions: 1, statuses: 'completed', messages: 1, conversation: 'completed' });
  });

  it('resume recovers a claim abandoned after its upload (parsed from storage) and removes one abandoned before it', async () => {
    const raw = turns('uploaded, then the request died');
    const sha = createHash('sha256').update(raw).digest('hex');
    const claim = async (id: string) => (await admin()`
      insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, status, created_at, updated_at)
      values (${tenant.id}, ${id}, ${tenant.owner}, ${`sha256:${sha}`}, ${sha}, ${Buffer.byteLength(raw)}, 'receiving', now() - interval '10 minutes', now() - interval '10 minutes')
      returning id, created_at`)[0];
    const resume = (ingestionId: string) => fetch(`${apiUrl()}/functions/v1/ingest-response/resume`, {
      method: 'POST', headers: { Authorization: `Bearer ${serviceRoleKey()}` }, body: JSON.stringify({ ingestion_id: ingestionId }),
    });
    const uploaded = await newConversation();
    const a = await claim(uploaded);
    const path = `raw/${tenant.owner}/${uploaded}/${a.created_at.toISOString().replace(/[:.]/g, '-')}-${sha.slice(0, 12)}.json`;
    const put = await serviceClient().storage.from('conversation-files').upload(path, new Blob([raw], { type: 'application/json' }));
    assert.equal(put.error, null);
    const recovered = await resume(a.id);
    assert.deepEqual([recovered.status, (await recovered.json()).processing_status], [200, 'completed']);
    assert.deepEqual(await stateOf(uploaded), { objects: 1, ingestions: 1, statuses: 'completed', messages: 1, conversation: 'completed' });

    const never = await newConversation();
    const b = await claim(never);
    assert.equal((await resume(b.id)).status, 404);
    assert.deepEqual(await stateOf(never), { objects: 0, ingestions: 0, statuses: null, messages: 0, conversation: 'pending' });
  });
});
