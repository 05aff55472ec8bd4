// ingest-response: store a raw LLM response first (durably, never overwritten), then parse it
// (direct, repair, else manual review) and write the turns as messages.
//
//   POST /ingest-response          {conversation_id, raw_response, model?, finish_reason?, usage?, idempotency_key?}
//   POST /ingest-response/reparse  {conversation_id, corrected_payload?}   (a conversation in review)
//   POST /ingest-response/resume   {ingestion_id}                          (service_role: upload a storage_pending response)
//
// Callers: the conversation's owner (user JWT) or service_role.
import { z } from "zod";
import { type Caller, getCaller, requireRole } from "../_shared/auth.ts";
import { asCaller, asServiceRole, db } from "../_shared/db.ts";
import { HttpError, json, withHttp } from "../_shared/http.ts";
import { serviceStorage, storageAs } from "../_shared/storage.ts";
import { parseJsonBody } from "../_shared/validate.ts";
import {
  BUCKET, type Conversation, type IngestionRow, parseAndRecord, pendingAnswer, rawObjectPath, recordPending, recordStored, sha256Hex, uploadRaw,
} from "./pipeline.ts";

/** Raw responses up to 5 MB; the JSON body around them a little more. */
export const MAX_RAW_BYTES = 5 * 1024 * 1024;
const MAX_BODY_BYTES = MAX_RAW_BYTES + 64 * 1024;

const ingestSchema = z.object({
  conversation_id: z.string().uuid(),
  raw_response: z.string(),
  model: z.string().min(1).max(100).optional(),
  finish_reason: z.string().min(1).max(50).optional(),
  usage: z.object({
    input_tokens: z.number().int().min(0).max(10_000_000),
    output_tokens: z.number().int().min(0).max(10_000_000),
    cost: z.number().min(0).max(100_000),
  }).strict().optional(),
  idempotency_key: z.string().min(1).max(200).optional(),
}).strict();

const reparseSchema = z.object({
  conversation_id: z.string().uuid(),
  corrected_payload: z.string().min(1).max(MAX_RAW_BYTES).optional(),
}).strict();

const resumeSchema = z.object({ ingestion_id: z.string().uuid() }).strict();

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

function objectUrl(path: string): string {
  return `${Deno.env.get("SUPABASE_URL")}/storage/v1/object/${BUCKET}/${path}`;
}

async function ingest(req: Request, caller: Caller): Promise<Response> {
  const body = await parseJsonBody(req, ingestSchema, MAX_BODY_BYTES);
  const bytes = new TextEncoder().encode(body.raw_response);
  if (bytes.length > MAX_RAW_BYTES) throw new HttpError(413, "payload_too_large", `raw_response over ${MAX_RAW_BYTES} bytes`);
  if (bytes.length === 0) throw new HttpError(422, "unprocessable", "raw_response is empty");
  const conv = await conversationFor(caller, body.conversation_id);
  const sha = await sha256Hex(bytes);
  const dedupeKey = body.idempotency_key ?? `sha256:${sha}`;

  const [existing] = await asServiceRole((tx) => tx<IngestionRow[]>`
    select * from public.raw_response_ingestions where conversation_id = ${conv.id} and dedupe_key = ${dedupeKey}`);
  if (existing?.result) return json(existing.result);
  if (existing?.status === "storage_pending") return json(pendingAnswer(conv.id), 202);
  if (existing) {
    // Stored by an earlier attempt that stopped before parsing: continue from the stored bytes.
    return json(await parseAndRecord(conv, existing.id, body.raw_response));
  }

  const path = rawObjectPath(conv, sha);
  const upload = await uploadRaw(storageFor(caller), path, bytes);
  if (!upload.ok) {
    await recordPending(conv, { dedupeKey, sha, raw: body.raw_response, size: bytes.length, model: body.model, finishReason: body.finish_reason, usage: body.usage, error: upload.error });
    return json(pendingAnswer(conv.id), 202);
  }
  const ing = await recordStored(conv, { dedupeKey, sha, path, url: objectUrl(path), size: bytes.length, model: body.model, finishReason: body.finish_reason, usage: body.usage });
  return json(await parseAndRecord(conv, ing.id, body.raw_response));
}

async function readStored(path: string): Promise<string> {
  const { data, error } = await serviceStorage().from(BUCKET).download(path);
  if (error || !data) throw new HttpError(503, "internal", `cannot read the stored raw response: ${error?.message ?? "no data"}`);
  return await data.text();
}

async function reparse(req: Request, caller: Caller): Promise<Response> {
  const body = await parseJsonBody(req, reparseSchema, MAX_BODY_BYTES);
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

async function resume(req: Request, caller: Caller): Promise<Response> {
  requireRole(caller, "service_role");
  const body = await parseJsonBody(req, resumeSchema);
  // One resume per ingestion at a time (the scheduled run and the script may overlap): the lock is
  // held by this transaction while the work runs on other connections.
  return await db().begin(async (lock) => {
    await lock`select pg_advisory_xact_lock(hashtext(${`ingest-resume:${body.ingestion_id}`}))`;
    const [ing] = await asServiceRole((tx) => tx<IngestionRow[]>`select * from public.raw_response_ingestions where id = ${body.ingestion_id}`);
    if (!ing) throw new HttpError(404, "not_found", "no such ingestion");
    if (ing.status !== "storage_pending" || ing.pending_raw_text === null) {
      // Already resumed (by an overlapping run): its outcome is the answer.
      if (ing.result) return json(ing.result);
      throw new HttpError(409, "conflict", `the ingestion is ${ing.status}, not storage_pending`);
    }
    const [conv] = await asServiceRole((tx) => tx<Conversation[]>`select id, tenant_id, user_id, title from public.conversations where id = ${ing.conversation_id}`);
    const bytes = new TextEncoder().encode(ing.pending_raw_text);
    const path = rawObjectPath(conv, ing.content_sha256);
    const upload = await uploadRaw(serviceStorage(), path, bytes);
    if (!upload.ok) {
      await asServiceRole((tx) => tx`update public.raw_response_ingestions set last_error = ${upload.error} where id = ${ing.id}`);
      throw new HttpError(503, "internal", `storage is still unavailable: ${upload.error}`);
    }
    const raw = ing.pending_raw_text;
    await recordStored(conv, { dedupeKey: ing.dedupe_key, sha: ing.content_sha256, path, url: objectUrl(path), size: bytes.length, pendingId: ing.id });
    return json(await parseAndRecord(conv, ing.id, raw));
  });
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
