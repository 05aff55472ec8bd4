/**
 * invokeFunction (types/functions.ts) through supabase-js against the test gateway: every route and
 * method answers what its response schema describes (the validated result equals the raw JSON, so
 * the schema neither rejects nor drops anything), and every failure is one FunctionError: the
 * functions' envelope, the gateway's 401/404, the hosted relay's shapes, no answer, an answer the
 * contract does not describe. Runs in a tenant of its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { FunctionError, functionErrorFrom, invokeFunction } from '../../types/functions.ts';
import { anonKey, apiUrl, serviceRoleKey, userToken } from '../helpers/api.ts';
import { connect, superuserUrl } from '../helpers/db.ts';
import { e2eTenant } from '../helpers/e2e-tenant.ts';
import { freePort } from '../../scripts/local/stack/postgres-server.ts';
import { startOwnGateway } from '../helpers/own-gateway.ts';

const tenant = e2eTenant(`e2e-invoke-${process.pid}`);
const admin = () => connect(superuserUrl());
before(() => tenant.setup());
after(() => tenant.teardown());

/** supabase-js as a frontend makes it, acting as token, recording the last answer's raw JSON. */
function recorded(token: string, opts: { url?: string; fetch?: typeof fetch } = {}) {
  let last: unknown;
  const recording: typeof fetch = async (input, init) => {
    const res = await (opts.fetch ?? fetch)(input, init);
    last = await res.clone().json().catch(() => undefined);
    return res;
  };
  const supabase = createClient(opts.url ?? apiUrl(), anonKey(), {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
    global: { headers: { Authorization: `Bearer ${token}` }, fetch: recording },
  });
  return { supabase, last: () => last };
}

/** The FunctionError a call rejects with. */
async function failure(call: Promise<unknown>): Promise<FunctionError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof FunctionError, `not a FunctionError: ${String(err)}`);
    return err;
  }
  assert.fail('the call succeeded');
}
const fields = (e: FunctionError) => ({ status: e.status, code: e.code, message: e.message });

async function newConversation(): Promise<string> {
  const [c] = await admin()`insert into public.conversations (tenant_id, user_id, title) values (${tenant.id}, ${tenant.owner}, null) returning id`;
  return c.id;
}
const PAYLOAD = JSON.stringify({ title: 'Invoke', turns: [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }] });

describe('invokeFunction: answers as the contracts describe them', () => {
  it('whoami by GET and POST, as a user, anon and service_role', async () => {
    const user = recorded(await userToken(tenant.owner));
    const me = await invokeFunction(user.supabase, 'whoami');
    assert.deepEqual(me, user.last());
    assert.deepEqual(me, { role: 'authenticated', db_role: 'authenticated', user_id: tenant.owner, tenant_id: tenant.id, tenant_role: 'owner', path: '/whoami' });
    assert.deepEqual(await invokeFunction(user.supabase, 'whoami', undefined, { method: 'GET' }), me);
    const anon = recorded(anonKey());
    assert.deepEqual(await invokeFunction(anon.supabase, 'whoami'), { ...me, role: 'anon', db_role: 'anon', user_id: null, tenant_id: null, tenant_role: null });
    const service = recorded(serviceRoleKey());
    assert.equal((await invokeFunction(service.supabase, 'whoami')).role, 'service_role');
  });

  it('ingest-response: completed (direct, jsonrepair), needs_review with its reason, the same answer again, reparse by a reviewer', async () => {
    const user = recorded(await userToken(tenant.owner));
    const id = await newConversation();
    const direct = await invokeFunction(user.supabase, 'ingest-response', { conversation_id: id, raw_response: PAYLOAD, idempotency_key: 'invoke-1' });
    assert.deepEqual(direct, user.last());
    assert.equal(direct.processing_status, 'completed');
    assert.deepEqual([direct.parse_method_used, direct.messages_inserted], ['direct', 2]);
    assert.deepEqual(await invokeFunction(user.supabase, 'ingest-response', { conversation_id: id, raw_response: PAYLOAD, idempotency_key: 'invoke-1' }), direct);

    const sloppy = "Here you go:\n```json\n{'turns': [{'role': 'assistant', 'content': 'Fixed.'},],}\n```";
    const repaired = await invokeFunction(user.supabase, 'ingest-response', { conversation_id: await newConversation(), raw_response: sloppy });
    assert.deepEqual(repaired, user.last());
    assert.deepEqual([repaired.processing_status, repaired.parse_method_used], ['completed', 'jsonrepair']);

    const reviewId = await newConversation();
    const review = await invokeFunction(user.supabase, 'ingest-response', { conversation_id: reviewId, raw_response: 'no JSON here' });
    assert.deepEqual(review, user.last());
    assert.equal(review.processing_status, 'needs_review');
    assert.match(review.parse_error, /./);
    const again = await invokeFunction(user.supabase, 'ingest-response/reparse', { conversation_id: reviewId });
    assert.deepEqual([again.processing_status, again], ['needs_review', user.last()]);
    const fixed = await invokeFunction(user.supabase, 'ingest-response/reparse', { conversation_id: reviewId, corrected_payload: PAYLOAD });
    assert.deepEqual(fixed, user.last());
    assert.deepEqual([fixed.processing_status, fixed.parse_method_used, fixed.messages_inserted], ['completed', 'manual', 2]);
  });

  it('ingest-response: storage_pending (202) while storage is down, then /resume finishes it', async () => {
    const id = await newConversation();
    const faulty = await startOwnGateway({ apiUrl: `http://127.0.0.1:${await freePort()}` });
    const during = recorded(serviceRoleKey(), { url: faulty.gateway.url });
    const pending = await invokeFunction(during.supabase, 'ingest-response', { conversation_id: id, raw_response: PAYLOAD, usage: { input_tokens: 3, output_tokens: 2, cost: 0.0001 } })
      .finally(() => faulty.stop());
    assert.deepEqual(pending, during.last());
    assert.deepEqual(pending, { conversation_id: id, raw_response_path: null, processing_status: 'storage_pending', parse_method_used: null, messages_inserted: 0, requires_manual_review: false });
    const [ing] = await admin()`select id from public.raw_response_ingestions where conversation_id = ${id}`;
    const service = recorded(serviceRoleKey());
    // A scheduled refresh of another test may resume it first: then the answer is its outcome.
    const resumed = await invokeFunction(service.supabase, 'ingest-response/resume', { ingestion_id: ing.id });
    assert.deepEqual(resumed, service.last());
    assert.deepEqual([resumed.processing_status, resumed.messages_inserted], ['completed', 2]);
  });

  it('submit-feedback: POST gives and changes, rating null and DELETE withdraw; the summary is the RPC\'s row, null once none is left', async () => {
    const [m] = await admin()`insert into public.messages (conversation_id, tenant_id, role, content) values (${await newConversation()}, ${tenant.id}, 'assistant', 'Rate me.') returning id`;
    const owner = recorded(await userToken(tenant.owner));
    const given = await invokeFunction(owner.supabase, 'submit-feedback', { message_id: m.id, rating: 1, comment: 'Good' });
    assert.deepEqual(given, owner.last());
    assert.deepEqual([given.feedback?.rating, given.feedback?.comment, given.summary?.up_count, given.summary?.average_rating], [1, 'Good', 1, 1]);
    const member = recorded(await userToken(tenant.member));
    const down = await invokeFunction(member.supabase, 'submit-feedback', { message_id: m.id, rating: -1 });
    assert.deepEqual([down.summary?.up_count, down.summary?.down_count, down.summary?.average_rating], [1, 1, 0]);
    const nulled = await invokeFunction(member.supabase, 'submit-feedback', { message_id: m.id, rating: null });
    assert.deepEqual([nulled.feedback, nulled.summary?.feedback_count], [null, 1]);
    const deleted = await invokeFunction(owner.supabase, 'submit-feedback', { message_id: m.id }, { method: 'DELETE' });
    assert.deepEqual(deleted, owner.last());
    assert.deepEqual(deleted, { feedback: null, summary: null });
  });

  it('refresh-views: a run summary (or skipped, while a run of another test holds the lock), with and without a body', async () => {
    const service = recorded(serviceRoleKey());
    for (const body of [{ job: 'daily' } as const, undefined]) {
      const run = await invokeFunction(service.supabase, 'refresh-views', body);
      assert.deepEqual(run, service.last());
      if (run.status === 'skipped') continue;
      assert.ok(['succeeded', 'partial'].includes(run.status), JSON.stringify(run));
      assert.ok(run.steps.length > 0);
    }
  });
});

describe('invokeFunction: every failure is one FunctionError', () => {
  it('the functions\' envelope: 404, 422 with the issues, 403', async () => {
    const user = recorded(await userToken(tenant.owner));
    const missing = await failure(invokeFunction(user.supabase, 'submit-feedback', { message_id: '40000000-0000-4000-8000-00000000ffff', rating: 1 }));
    assert.deepEqual(fields(missing), { status: 404, code: 'not_found', message: 'no such message (or not one you can see)' });
    const malformed = await failure(invokeFunction(user.supabase, 'submit-feedback', { message_id: 'not-a-uuid', rating: 1 }));
    assert.deepEqual([malformed.status, malformed.code], [422, 'unprocessable']);
    assert.deepEqual((malformed.details as { path: string }[]).map((d) => d.path), ['message_id']);
    const billing = await failure(invokeFunction(user.supabase, 'ingest-response', {
      conversation_id: await newConversation(), raw_response: PAYLOAD, usage: { input_tokens: 1, output_tokens: 1, cost: 0 },
    }));
    assert.deepEqual([billing.status, billing.code], [403, 'forbidden']);
    assert.deepEqual(fields(await failure(invokeFunction(user.supabase, 'refresh-views'))).code, 'forbidden');
    const service = recorded(serviceRoleKey());
    const resume = await failure(invokeFunction(service.supabase, 'ingest-response/resume', { ingestion_id: '50000000-0000-4000-8000-00000000ffff' }));
    assert.deepEqual(fields(resume), { status: 404, code: 'not_found', message: 'no such ingestion' });
  });

  it('the gateway: 401 Invalid JWT (envelope plus msg), 404 Function not found; a method the types rule out is the function\'s 405', async () => {
    const expired = recorded(await userToken(tenant.owner, { expiresIn: -60 }));
    const refused = await failure(invokeFunction(expired.supabase, 'whoami'));
    assert.deepEqual(expired.last(), { error: { code: 'unauthorized', message: 'Invalid JWT' }, msg: 'Invalid JWT' });
    assert.deepEqual(fields(refused), { status: 401, code: 'unauthorized', message: 'Invalid JWT' });
    const user = recorded(await userToken(tenant.owner));
    const unknown = await failure(invokeFunction(user.supabase, 'no-such-function' as 'whoami'));
    assert.deepEqual(fields(unknown), { status: 404, code: 'not_found', message: 'Function not found' });
    const method = await failure(invokeFunction(user.supabase, 'whoami', undefined, { method: 'DELETE' as 'GET' }));
    assert.deepEqual([method.status, method.code], [405, 'method_not_allowed']);
  });

  it('the hosted relay\'s shapes and plain text map to the same fields', async () => {
    assert.deepEqual(fields(functionErrorFrom(401, '{"msg":"Invalid JWT"}')), { status: 401, code: 'unauthorized', message: 'Invalid JWT' });
    const hosted404 = functionErrorFrom(404, '{"code":"NOT_FOUND","message":"Requested function was not found"}');
    assert.deepEqual(fields(hosted404), { status: 404, code: 'not_found', message: 'Requested function was not found' });
    assert.deepEqual(hosted404.details, { code: 'NOT_FOUND', message: 'Requested function was not found' });
    assert.deepEqual(fields(functionErrorFrom(546, '{"code":"WORKER_LIMIT","message":"Function failed due to not having enough compute resources"}')),
      { status: 546, code: 'internal', message: 'Function failed due to not having enough compute resources' });
    assert.deepEqual(fields(functionErrorFrom(504, 'upstream request timeout')), { status: 504, code: 'internal', message: 'upstream request timeout' });
    assert.deepEqual(fields(functionErrorFrom(429, '')), { status: 429, code: 'bad_request', message: 'HTTP 429' });
    // A relay error (x-relay-error: true) through supabase-js.
    const relay = recorded(anonKey(), {
      fetch: async () => new Response('{"code":"BOOT_ERROR","message":"Worker failed to boot"}', { status: 503, headers: { 'x-relay-error': 'true', 'Content-Type': 'application/json' } }),
    });
    assert.deepEqual(fields(await failure(invokeFunction(relay.supabase, 'whoami'))), { status: 503, code: 'internal', message: 'Worker failed to boot' });
  });

  it('no answer is status 0 network_error; an answer the contract does not describe is invalid_response', async () => {
    const closed = recorded(anonKey(), { url: `http://127.0.0.1:${await freePort()}` });
    const offline = await failure(invokeFunction(closed.supabase, 'whoami'));
    assert.deepEqual([offline.status, offline.code], [0, 'network_error']);
    // The request goes to another (real) function, whose answer is not whoami's.
    const elsewhere = recorded(anonKey(), { fetch: (input, init) => fetch(String(input).replace('/functions/v1/whoami', '/functions/v1/fixture-open'), init) });
    const wrong = await failure(invokeFunction(elsewhere.supabase, 'whoami'));
    assert.deepEqual([wrong.status, wrong.code], [200, 'invalid_response']);
    assert.ok((wrong.details as { path: string }[]).some((d) => d.path === 'role'), JSON.stringify(wrong.details));
  });
});
