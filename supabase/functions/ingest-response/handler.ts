// ingest-response: store a raw LLM response first (durably, never overwritten), then parse it
// (direct, repair, else manual review) and write the turns as messages.
//
//   POST /ingest-response          {conversation_id, raw_response, model?, finish_reason?, usage?, idempotency_key?}
//   POST /ingest-response/reparse  {conversation_id, corrected_payload?}   (a conversation in review)
//   POST /ingest-response/resume   {ingestion_id}                          (service_role: upload a storage_pending response,
//                                                                           or recover a stale claim)
//
// Callers: the conversation's owner (user JWT) or service_role.
import { type Caller, getCaller, requireRole } from "../_shared/auth.ts";
import { asCaller, asServiceRole, type Tx } from "../_shared/db.ts";
import { HttpError, json, withHttp } from "../_shared/http.ts";
import { serviceStorage, storageAs } from "../_shared/storage.ts";
import { ingestRequestSchema, MAX_RAW_BYTES, reparseRequestSchema, resumeRequestSchema } from "../_shared/contracts/index.ts";
import { parseJsonBody, textProblem } from "../_shared/validate.ts";
import { CLAIM_STALE_SECONDS, claimIngestion } from "./claim.ts";
import { parseAndRecord, parseAndRecordIn } from "./outcome.ts";
import {
  BUCKET, type Conversation, type IngestionRow, pendingAnswer, rawObjectPath, recordPending, recordStored, recordStoredIn, sha256Hex, uploadRaw,
} from "./pipeline.ts";

// The request and response schemas are the contract in _shared/contracts (frontends import them).
export { MAX_RAW_BYTES };
const MAX_BODY_BYTES = MAX_RAW_BYTES + 64 * 1024;

/** The conversation, if the caller may see it (404 otherwise); users must own it (403). */
async function conversationFor(caller: Caller, id: string, opts: { adminsToo?: boolean } = {}): Promise<Conversation> {
  const [conv] = await asCaller(caller, (tx) =>
    tx<Conversation[]>`select id, tenant_id, user_id, title from public.conversations where id = ${id}`);
  if (!conv) throw new HttpError(404, "not_found", "no such conversation (or not yours to see)");
  if (caller.role === "authenticated" && conv.user_id !== caller.userId) {
    const [me] = opts.adminsToo ? await asCaller(caller, (tx) => tx`select role from public.users where id = ${caller.userId}`) : [];
    if (!me || !["owner", "admin"].includes(me.role)) {
      throw new HttpError(403, "forbidden", "only the conversation's owner may do this");
    }
  }
  return conv;
}

function storageFor(caller: Caller) {
  return caller.role === "service_role" ? serviceStorage() : storageAs(caller);
}

async function ingest(req: Request, caller: Caller): Promise<Response> {
  const body = await parseJsonBody(req, ingestRequestSchema, MAX_BODY_BYTES);
  // Usage is billing: only trusted server code (service_role) may report it.
  if (body.usage && caller.role !== "service_role") {
    throw new HttpError(403, "forbidden", "usage is recorded by server-side code with the service_role key, not by users");
  }
  const bytes = new TextEncoder().encode(body.raw_response);
  if (bytes.length > MAX_RAW_BYTES) throw new HttpError(413, "payload_too_large", `raw_response over ${MAX_RAW_BYTES} bytes`);
  if (bytes.length === 0) throw new HttpError(422, "unprocessable", "raw_response is empty");
  const conv = await conversationFor(caller, body.conversation_id);
  const sha = await sha256Hex(bytes);
  const dedupeKey = body.idempotency_key ?? `sha256:${sha}`;

  const claim = await claimIngestion(conv, { dedupeKey, sha, size: bytes.length, model: body.model, finishReason: body.finish_reason, usage: body.usage });
  const ing = claim.row;
  if (claim.kind === "existing") {
    if (ing.result) return json(ing.result);
    if (ing.status === "storage_pending") return json(pendingAnswer(conv.id), 202);
    // Stored by an earlier request that stopped before parsing: continue from the same bytes.
    return json(await parseAndRecord(conv, ing.id, body.raw_response));
  }
  const path = rawObjectPath(conv, ing);
  const upload = await uploadRaw(storageFor(caller), path, bytes);
  if (!upload.ok) {
    await recordPending(conv, ing.id, body.raw_response, upload.error);
    return json(pendingAnswer(conv.id), 202);
  }
  await recordStored(conv, ing.id, { path, size: bytes.length });
  return json(await parseAndRecord(conv, ing.id, body.raw_response));
}

async function readStored(path: string): Promise<string> {
  const { data, error } = await serviceStorage().from(BUCKET).download(path);
  if (error || !data) throw new HttpError(503, "internal", `cannot read the stored raw response: ${error?.message ?? "no data"}`);
  const text = await data.text();
  // Bytes uploaded by other means may hold what the database cannot take as text.
  if (textProblem(text)) throw new HttpError(422, "unprocessable", `the stored raw response ${textProblem(text)}; correct it with corrected_payload`);
  return text;
}

async function reparse(req: Request, caller: Caller): Promise<Response> {
  const body = await parseJsonBody(req, reparseRequestSchema, MAX_BODY_BYTES);
  const conv = await conversationFor(caller, body.conversation_id, { adminsToo: true });
  const [ing] = await asServiceRole((tx) => tx<IngestionRow[]>`
    select * from public.raw_response_ingestions where conversation_id = ${conv.id} and storage_path is not null
    order by created_at desc limit 1`);
  if (!ing) throw new HttpError(404, "not_found", "the conversation has no stored raw response");
  if (ing.status !== "needs_review" && ing.status !== "failed") {
    throw new HttpError(409, "conflict", `the latest response is ${ing.status}, not waiting for review`);
  }
  if (body.corrected_payload !== undefined) {
    // Kept as a new object beside the original, which is never changed.
    const correctedPath = ing.storage_path!.replace(/\.json$/, `.corrected-${Date.now()}.json`);
    const upload = await uploadRaw(serviceStorage(), correctedPath, new TextEncoder().encode(body.corrected_payload));
    if (!upload.ok) throw new HttpError(503, "internal", `could not store the corrected payload: ${upload.error}`);
    return json(await parseAndRecord(conv, ing.id, body.corrected_payload, { again: true, manual: true }));
  }
  return json(await parseAndRecord(conv, ing.id, await readStored(ing.storage_path!), { again: true }));
}

/**
 * A claim whose request died: if its object made it to storage, record and parse it from there;
 * if not, nothing was stored and the caller got no answer, so the claim is removed (404).
 */
async function recoverClaim(tx: Tx, ing: IngestionRow): Promise<{ answer: Record<string, unknown> } | { gone: true }> {
  const [conv] = await tx<Conversation[]>`select id, tenant_id, user_id, title from public.conversations where id = ${ing.conversation_id}`;
  const path = rawObjectPath(conv, ing);
  const { data } = await serviceStorage().from(BUCKET).download(path);
  const raw = data ? await data.text() : null;
  if (raw === null || (await sha256Hex(new TextEncoder().encode(raw))) !== ing.content_sha256) {
    await tx`delete from public.raw_response_ingestions where id = ${ing.id}`;
    return { gone: true };
  }
  await recordStoredIn(tx, conv, ing.id, { path, size: Number(ing.size_bytes) });
  return { answer: await parseAndRecordIn(tx, conv, ing.id, raw) };
}

/**
 * Upload a storage_pending response and finish it, all in one transaction on one connection: the
 * row lock serialises overlapping resumes of one ingestion (the scheduled run and the script), and
 * no connection is held while waiting for another (a lock held on one pooled connection while the
 * work asks the same pool for more deadlocks once the pool is exhausted).
 */
async function resume(req: Request, caller: Caller): Promise<Response> {
  requireRole(caller, "service_role");
  const body = await parseJsonBody(req, resumeRequestSchema);
  const outcome = await asServiceRole(async (tx) => {
    const [ing] = await tx<(IngestionRow & { stale: boolean })[]>`
      select *, updated_at < now() - make_interval(secs => ${CLAIM_STALE_SECONDS}) as stale
      from public.raw_response_ingestions where id = ${body.ingestion_id} for update`;
    if (!ing) throw new HttpError(404, "not_found", "no such ingestion");
    if (ing.status === "receiving" && ing.stale) return await recoverClaim(tx, ing);
    if (ing.status !== "storage_pending" || ing.pending_raw_text === null) {
      // Already resumed (by an overlapping run): its outcome is the answer.
      if (ing.result) return { answer: ing.result };
      throw new HttpError(409, "conflict", `the ingestion is ${ing.status}, not storage_pending`);
    }
    const [conv] = await tx<Conversation[]>`select id, tenant_id, user_id, title from public.conversations where id = ${ing.conversation_id}`;
    const raw = ing.pending_raw_text;
    const bytes = new TextEncoder().encode(raw);
    const path = rawObjectPath(conv, ing);
    const upload = await uploadRaw(serviceStorage(), path, bytes);
    if (!upload.ok) {
      await tx`update public.raw_response_ingestions set last_error = ${upload.error.slice(0, 2000)} where id = ${ing.id}`;
      return { unavailable: upload.error };
    }
    await recordStoredIn(tx, conv, ing.id, { path, size: bytes.length });
    return { answer: await parseAndRecordIn(tx, conv, ing.id, raw) };
  });
  if ("gone" in outcome) throw new HttpError(404, "not_found", "the claim was abandoned before its bytes were stored; it is removed");
  if ("unavailable" in outcome) throw new HttpError(503, "internal", `storage is still unavailable: ${outcome.unavailable}`);
  return json(outcome.answer);
}

export const handler = withHttp(["POST"], async (req) => {
  const caller = await getCaller(req);
  requireRole(caller, "authenticated", "service_role");
  const action = new URL(req.url).pathname.replace(/^\/ingest-response\/?/, "");
  if (action === "") return await ingest(req, caller);
  if (action === "reparse") return await reparse(req, caller);
  if (action === "resume") return await resume(req, caller);
  throw new HttpError(404, "not_found", `no action ${action}`);
});
