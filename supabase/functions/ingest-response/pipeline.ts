// The ingest pipeline after authorization: store the raw bytes (retrying, else keep them in the
// database as storage_pending), record them durably, then parse and write the outcome in one
// transaction, counting usage once per ingestion.
import { asServiceRole, type Tx } from "../_shared/db.ts";
import type { serviceStorage } from "../_shared/storage.ts";
import { type ParseResult, parseRawResponse } from "./parse.ts";

export const BUCKET = "conversation-files";

type StorageClient = ReturnType<typeof serviceStorage>;

export interface Conversation { id: string; tenant_id: string; user_id: string; title: string | null }

export interface Usage { input_tokens: number; output_tokens: number; cost: number }

export interface IngestionRow {
  id: string; tenant_id: string; conversation_id: string; user_id: string; dedupe_key: string; content_sha256: string;
  size_bytes: string; storage_path: string | null; pending_raw_text: string | null; model: string | null;
  finish_reason: string | null; usage: Usage | null; usage_recorded_at: Date | null; status: string;
  result: Record<string, unknown> | null; attempts: number;
}

export interface IngestAnswer extends Record<string, unknown> {
  conversation_id: string;
  raw_response_path: string | null;
  processing_status: string;
  parse_method_used: string | null;
  messages_inserted: number;
  requires_manual_review: boolean;
  parse_error?: string;
}

/** Where a raw response goes: raw/<owner>/<conversation>/<time>-<sha prefix>.json (a new name each time). */
export function rawObjectPath(conv: Conversation, sha: string): string {
  return `raw/${conv.user_id}/${conv.id}/${new Date().toISOString().replace(/[:.]/g, "-")}-${sha.slice(0, 12)}.json`;
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Upload with bounded retries; `false` when storage stayed unavailable. */
export async function uploadRaw(storage: StorageClient, path: string, bytes: Uint8Array<ArrayBuffer>, attempts = 3): Promise<{ ok: true } | { ok: false; error: string }> {
  let lastError = "";
  for (let i = 0; i < attempts; i++) {
    try {
      const { error } = await storage.from(BUCKET).upload(path, new Blob([bytes], { type: "application/json" }), { upsert: false, contentType: "application/json" });
      if (!error) return { ok: true };
      lastError = error.message;
      const status = String((error as { statusCode?: string }).statusCode ?? "");
      if (status === "409") return { ok: true }; // already there from an earlier attempt: stored, never overwritten
      if (["400", "403", "404", "413", "415"].includes(status)) return { ok: false, error: lastError };
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100 * 3 ** i));
  }
  return { ok: false, error: lastError || "storage unavailable" };
}

const answerFrom = (conversationId: string, path: string | null, status: string, method: string | null, inserted: number, error?: string): IngestAnswer => ({
  conversation_id: conversationId,
  raw_response_path: path,
  processing_status: status,
  parse_method_used: method,
  messages_inserted: inserted,
  requires_manual_review: status === "needs_review",
  ...(error ? { parse_error: error } : {}),
});

export function pendingAnswer(conversationId: string): IngestAnswer {
  return answerFrom(conversationId, null, "storage_pending", null, 0);
}

/** Keep the raw text in the database while storage is down (idempotent on the dedupe key). */
export async function recordPending(conv: Conversation, fields: { dedupeKey: string; sha: string; raw: string; size: number; model?: string; finishReason?: string; usage?: Usage; error: string }): Promise<IngestionRow> {
  return await asServiceRole(async (tx) => {
    const [row] = await tx<IngestionRow[]>`
      insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, pending_raw_text,
                                                  model, finish_reason, usage, status, last_error)
      values (${conv.tenant_id}, ${conv.id}, ${conv.user_id}, ${fields.dedupeKey}, ${fields.sha}, ${fields.size}, ${fields.raw},
              ${fields.model ?? null}, ${fields.finishReason ?? null}, ${fields.usage ? tx.json(fields.usage as never) : null}, 'storage_pending', ${fields.error})
      on conflict (conversation_id, dedupe_key) do update set updated_at = now()
      returning *`;
    await tx`update public.conversations set processing_status = 'storage_pending' where id = ${conv.id} and processing_status <> 'completed'`;
    return row;
  });
}

/** Record that the bytes are durable in storage (committed before any parsing). */
export async function recordStored(conv: Conversation, fields: { dedupeKey: string; sha: string; path: string; url: string; size: number; model?: string | null; finishReason?: string | null; usage?: Usage | null; pendingId?: string }): Promise<IngestionRow> {
  return await asServiceRole(async (tx) => {
    let row: IngestionRow | undefined;
    if (fields.pendingId) {
      [row] = await tx<IngestionRow[]>`
        update public.raw_response_ingestions set storage_path = ${fields.path}, pending_raw_text = null, status = 'raw_stored', last_error = null
        where id = ${fields.pendingId} returning *`;
    } else {
      [row] = await tx<IngestionRow[]>`
        insert into public.raw_response_ingestions (tenant_id, conversation_id, user_id, dedupe_key, content_sha256, size_bytes, storage_path,
                                                    model, finish_reason, usage, status)
        values (${conv.tenant_id}, ${conv.id}, ${conv.user_id}, ${fields.dedupeKey}, ${fields.sha}, ${fields.size}, ${fields.path},
                ${fields.model ?? null}, ${fields.finishReason ?? null}, ${fields.usage ? tx.json(fields.usage as never) : null}, 'raw_stored')
        on conflict (conversation_id, dedupe_key) do nothing
        returning *`;
      if (!row) {
        [row] = await tx<IngestionRow[]>`select * from public.raw_response_ingestions where conversation_id = ${conv.id} and dedupe_key = ${fields.dedupeKey}`;
        return row; // a concurrent request with the same key won; its outcome stands
      }
    }
    await tx`update public.conversations set raw_response_path = ${fields.path}, raw_response_url = ${fields.url},
               raw_response_size = ${fields.size}, raw_stored_at = now(), processing_status = 'raw_stored'
             where id = ${conv.id}`;
    return row!;
  });
}

async function insertTurns(tx: Tx, conv: Conversation, parsed: Extract<ParseResult, { ok: true }>, ing: IngestionRow): Promise<number> {
  const turns = parsed.payload.turns;
  const lastAssistant = turns.map((t) => t.role).lastIndexOf("assistant");
  const rows = turns.map((t, i) => ({
    role: t.role,
    content: t.content,
    model: t.role === "assistant" ? ing.model : null,
    input_tokens: i === lastAssistant ? ing.usage?.input_tokens ?? 0 : 0,
    output_tokens: i === lastAssistant ? ing.usage?.output_tokens ?? 0 : 0,
    metadata: { ...(t.metadata ?? {}), ingestion_id: ing.id, turn: i },
  }));
  // One statement; turns keep their order, created_at stepping one microsecond per turn.
  const inserted = await tx`
    insert into public.messages (conversation_id, tenant_id, role, content, model, input_tokens, output_tokens, metadata, created_at)
    select ${conv.id}, ${conv.tenant_id}, r.role, r.content, r.model, r.input_tokens, r.output_tokens, r.metadata,
           now() + make_interval(secs => (t.ord - 1) / 1000000.0)
    from jsonb_array_elements(${tx.json(rows as never)}::jsonb) with ordinality as t(value, ord)
    cross join lateral jsonb_to_record(t.value) as r(role text, content text, model text, input_tokens integer, output_tokens integer, metadata jsonb)
    returning id`;
  return inserted.length;
}

/**
 * Parse and write the outcome in one transaction: messages and `completed`, or `needs_review`
 * with the error; usage counted once per ingestion. With `again` an earlier outcome is replaced
 * (re-parse); otherwise an earlier outcome is returned as it was.
 */
export async function parseAndRecord(conv: Conversation, ingestionId: string, raw: string, opts: { again?: boolean; manual?: boolean } = {}): Promise<IngestAnswer> {
  return await asServiceRole(async (tx) => {
    const [ing] = await tx<IngestionRow[]>`select * from public.raw_response_ingestions where id = ${ingestionId} for update`;
    if (ing.result && !opts.again) return ing.result as IngestAnswer;
    const parsed = parseRawResponse(raw, opts.manual ? null : ing.finish_reason);
    let answer: IngestAnswer;
    if (parsed.ok) {
      const method = opts.manual ? "manual" : parsed.method;
      const inserted = await insertTurns(tx, conv, parsed, ing);
      await tx`update public.conversations set processing_status = 'completed', parse_method_used = ${method}, requires_manual_review = false,
                 parse_error_message = null, parse_attempts = parse_attempts + 1, last_parse_attempt_at = now(),
                 title = coalesce(title, ${parsed.payload.title ?? null})
               where id = ${conv.id}`;
      answer = answerFrom(conv.id, ing.storage_path, "completed", method, inserted);
    } else {
      await tx`update public.conversations set processing_status = 'needs_review', requires_manual_review = true,
                 parse_error_message = ${parsed.error.slice(0, 2000)}, parse_attempts = parse_attempts + 1, last_parse_attempt_at = now()
               where id = ${conv.id}`;
      answer = answerFrom(conv.id, ing.storage_path, "needs_review", null, 0, parsed.error);
    }
    if (ing.usage && !ing.usage_recorded_at) {
      await tx`select public.increment_usage_metrics(${conv.tenant_id}, ${conv.user_id}, current_date,
                 ${ing.usage.input_tokens}, ${ing.usage.output_tokens}, ${ing.usage.cost})`;
      await tx`update public.raw_response_ingestions set usage_recorded_at = now() where id = ${ing.id}`;
    }
    await tx`update public.raw_response_ingestions set status = ${answer.processing_status}, result = ${tx.json(answer as never)},
               attempts = attempts + 1, last_error = ${parsed.ok ? null : parsed.error.slice(0, 2000)}
             where id = ${ing.id}`;
    return answer;
  });
}
