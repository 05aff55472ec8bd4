/**
 * Fuzz ingest-response: the ingestion itself (hostile raw LLM responses: NUL and lone surrogates
 * in turns, deep nesting, huge numbers, fences, truncation), reparse (corrected payloads) and
 * resume (pending responses made per run, so no other test's refresh job can resume them).
 */
import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { connect, superuserUrl } from '../helpers/db.ts';
import { callFunction } from '../helpers/fuzz-fixture.ts';
import { type FuzzContext, fuzzSuite } from '../helpers/fuzz.ts';
import type { FuzzRequest } from '../helpers/fuzz-http.ts';
import { body, functionRequest } from '../helpers/fuzz-requests.ts';
import { deepNesting, hostileNumber, hostileString, hostileValue, type Json, Obj, objectBody, spoiled, toJson } from '../helpers/fuzz-values.ts';
import { userToken } from '../helpers/api.ts';

const suite = fuzzSuite('ingest-response', { ingest: true });
const MAX = 5 * 1024 * 1024 + 64 * 1024;

const maybe = <T extends Json>(key: string, a: fc.Arbitrary<T>) => fc.option(a.map((v) => [key, v] as [string, Json]), { nil: undefined });
const turn = fc.tuple(
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom('user', 'assistant', 'system', 'tool') }, hostileValue),
  fc.oneof({ weight: 2, arbitrary: fc.constant('hello') }, { weight: 3, arbitrary: hostileString }, hostileValue),
  fc.option(fc.oneof(hostileValue, deepNesting, fc.array(fc.tuple(hostileString, hostileValue), { maxLength: 3 }).map((p) => new Obj(p))), { nil: undefined }),
).map(([role, content, metadata]) => new Obj([['role', role], ['content', content], ...(metadata === undefined ? [] : [['metadata', metadata] as [string, Json]])]));
const payload = fc.tuple(maybe('title', fc.oneof(hostileString, fc.constant('A title'))), fc.array(turn, { maxLength: 4 }), maybe('metadata', hostileValue))
  .map(([title, turns, metadata]) => new Obj([...(title ? [title] : []), ['turns', turns], ...(metadata ? [metadata] : [])]));

/** What an LLM might return: the payload as JSON, fenced in prose, repairable, truncated, or not JSON. */
const llmText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: payload.map(toJson) },
  { weight: 1, arbitrary: fc.array(turn, { minLength: 1, maxLength: 3 }).map(toJson) },
  { weight: 1, arbitrary: payload.map((p) => `Here you go:\n\`\`\`json\n${toJson(p)}\n\`\`\`\nAnything else?`) },
  { weight: 1, arbitrary: payload.map((p) => toJson(p).replace(/"/g, "'").replace(/}$/, ',}')) },
  { weight: 1, arbitrary: fc.tuple(payload, fc.nat()).map(([p, n]) => { const t = toJson(p); return t.slice(0, n % t.length); }) },
  { weight: 1, arbitrary: hostileString },
  { weight: 1, arbitrary: deepNesting.map((d) => `{"turns":[{"role":"user","content":"x","metadata":{"deep":${d.text}}}]}`) },
);

const uuidOf = (ids: string[]) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.constantFrom(...ids).chain(spoiled) });

suite.route({
  name: 'ingest-response POST',
  family: 'functions',
  request: (ctx) => {
    const c = ctx.world.conversations;
    return functionRequest(ctx, 'ingest-response', '', ['POST'], body(objectBody({
      conversation_id: uuidOf([c.owner, c.owner, c.member, c.outsider, c.review!, randomUUID()]),
      raw_response: llmText,
      model: fc.oneof(fc.constant('gpt-4o'), hostileString),
      finish_reason: fc.oneof(fc.constantFrom('stop', 'length', 'max_tokens'), hostileString),
      usage: objectBody({ input_tokens: fc.oneof(fc.nat(1000), hostileNumber), output_tokens: fc.oneof(fc.nat(1000), hostileNumber), cost: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), hostileNumber) }),
      idempotency_key: fc.oneof(hostileString, fc.uuid()),
    }), { oversize: MAX }));
  },
});

/** Put the review conversation back in review after a reparse took it out (a new unparseable response). */
async function backToReview(ctx: FuzzContext): Promise<void> {
  const [latest] = await connect(superuserUrl())`select status from public.raw_response_ingestions
    where conversation_id = ${ctx.world.conversations.review!} and storage_path is not null order by created_at desc limit 1`;
  if (latest?.status === 'needs_review' || latest?.status === 'failed') return;
  const res = await callFunction('ingest-response', await userToken(ctx.world.users.owner), { conversation_id: ctx.world.conversations.review, raw_response: `not json ${randomUUID()}` });
  if (res.status !== 200) throw new Error(`could not put the review conversation back in review: ${res.status} ${JSON.stringify(res.body)}`);
}

suite.route({
  name: 'ingest-response/reparse POST',
  family: 'functions',
  request: (ctx) => {
    const c = ctx.world.conversations;
    return functionRequest(ctx, 'ingest-response', 'reparse', ['POST'], body(objectBody({
      conversation_id: uuidOf([c.review!, c.review!, c.owner, c.outsider, randomUUID()]),
      corrected_payload: fc.oneof(llmText, hostileString),
    }), { oversize: MAX }));
  },
  onSuccess: async (_req, _res, ctx) => await backToReview(ctx),
});

/** Pending responses resume may be asked for: each made for the one run that names it. */
const PENDING: Record<string, string> = {
  [randomUUID()]: JSON.stringify({ turns: [{ role: 'assistant', content: 'pending answer' }] }),
  [randomUUID()]: '{"turns":[{"role":"assistant","content":"a\\u0000b"}]}',
  [randomUUID()]: '{"turns":[{"role":"assistant","content":"x \\ud800 y"}]}',
  [randomUUID()]: '{"turns":[{"role":"assistant","content":"ok","metadata":{"\\u0000":1}}]}',
  [randomUUID()]: `{"turns":[{"role":"user","content":"deep","metadata":{"d":${'['.repeat(3000)}${']'.repeat(3000)}}}]}`,
};

async function preparePending(req: FuzzRequest, ctx: FuzzContext): Promise<{ note: string; cleanup: () => Promise<void> } | void> {
  const text = Buffer.from(req.body ?? []).toString('utf8');
  const id = Object.keys(PENDING).find((k) => text.includes(k));
  if (!id) return;
  const sql = connect(superuserUrl());
  const raw = PENDING[id];
  await sql`insert into public.raw_response_ingestions (id, tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, pending_raw_text, status, last_error)
            values (${id}, ${ctx.world.tenants[0]}, ${ctx.world.conversations.owner}, ${ctx.world.users.owner}, ${`fuzz-pending-${id}`},
                    ${createHash('sha256').update(raw).digest('hex')}, ${Buffer.byteLength(raw)}, ${raw}, 'storage_pending', 'fuzz fixture')`;
  return {
    note: `ingestion ${id} storage_pending with pending_raw_text ${JSON.stringify(raw.length > 120 ? `${raw.slice(0, 120)}...` : raw)}`,
    cleanup: async () => { await sql`delete from public.raw_response_ingestions where id = ${id}`; },
  };
}

suite.route({
  name: 'ingest-response/resume POST',
  family: 'functions',
  request: (ctx) => {
    return functionRequest(ctx, 'ingest-response', 'resume', ['POST'], body(objectBody({
      ingestion_id: uuidOf([...Object.keys(PENDING), randomUUID()]),
    })));
  },
  prepare: preparePending,
});
