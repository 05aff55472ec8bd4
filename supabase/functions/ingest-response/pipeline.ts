// The ingest pipeline after authorization and the dedupe claim (claim.ts): store the raw bytes
// (retrying, else keep them in the database as storage_pending) and record them durably on the
// claimed ingestion row. Parsing and its outcome: outcome.ts.
import { asServiceRole, type Tx } from "../_shared/db.ts";
import type { DbRow } from "../_shared/rows.ts";
import type { serviceStorage } from "../_shared/storage.ts";

export const BUCKET = "conversation-files";

type StorageClient = ReturnType<typeof serviceStorage>;

/** The columns of a conversation the pipeline reads. */
export type Conversation = Pick<DbRow<"conversations">, "id" | "tenant_id" | "user_id" | "title">;

export interface Usage { input_tokens: number; output_tokens: number; cost: number }

/** A `raw_response_ingestions` row as postgres.js returns it (`select *`). */
export type IngestionRow = DbRow<"raw_response_ingestions", {
  size_bytes: string;
  usage: Usage | null;
  result: Record<string, unknown> | null;
  usage_recorded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}>;

export interface IngestAnswer extends Record<string, unknown> {
  conversation_id: string;
  raw_response_path: string | null;
  processing_status: string;
  parse_method_used: string | null;
  messages_inserted: number;
  requires_manual_review: boolean;
  parse_error?: string;
}

/**
 * Where an ingestion's raw response goes: raw/<owner>/<conversation>/<claim time>-<sha prefix>.json.
 * One name per ingestion (from its claim), so a retry that takes over a claim writes the same
 * object instead of a second one.
 */
export function rawObjectPath(conv: Conversation, ing: Pick<IngestionRow, "created_at" | "content_sha256">): string {
  return `raw/${conv.user_id}/${conv.id}/${ing.created_at.toISOString().replace(/[:.]/g, "-")}-${ing.content_sha256.slice(0, 12)}.json`;
}

export function objectUrl(path: string): string {
  return `${Deno.env.get("SUPABASE_URL")}/storage/v1/object/${BUCKET}/${path}`;
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

export const answerFrom = (conversationId: string, path: string | null, status: string, method: string | null, inserted: number, error?: string): IngestAnswer => ({
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

/** Keep the raw text of a claimed ingestion in the database while storage is down. */
export async function recordPending(conv: Conversation, ingestionId: string, raw: string, error: string): Promise<void> {
  await asServiceRole(async (tx) => {
    await tx`update public.raw_response_ingestions set pending_raw_text = ${raw}, status = 'storage_pending', last_error = ${error.slice(0, 2000)}
             where id = ${ingestionId} and status = 'receiving'`;
    await tx`update public.conversations set processing_status = 'storage_pending' where id = ${conv.id} and processing_status <> 'completed'`;
  });
}

/**
 * Record that an ingestion's bytes are durable in storage (a claimed or a storage_pending row),
 * in the caller's transaction.
 */
export async function recordStoredIn(tx: Tx, conv: Conversation, ingestionId: string, fields: { path: string; size: number }): Promise<void> {
  await tx`update public.raw_response_ingestions set storage_path = ${fields.path}, pending_raw_text = null, status = 'raw_stored', last_error = null
           where id = ${ingestionId}`;
  await tx`update public.conversations set raw_response_path = ${fields.path}, raw_response_url = ${objectUrl(fields.path)},
             raw_response_size = ${fields.size}, raw_stored_at = now(), processing_status = 'raw_stored'
           where id = ${conv.id}`;
}

/** The same, committed on its own (before any parsing). */
export function recordStored(conv: Conversation, ingestionId: string, fields: { path: string; size: number }): Promise<void> {
  return asServiceRole((tx) => recordStoredIn(tx, conv, ingestionId, fields));
}
