// ingest-response: POST /ingest-response, /ingest-response/reparse, /ingest-response/resume.
import { z } from "zod";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see index.ts)
import { DB_ENUMS, id } from "./shared.ts";
import type { DbEnum, Within } from "./shared.ts";
// @ts-ignore: TS5097 where allowImportingTsExtensions is off (frontends); Deno needs .ts (see index.ts)
import { storableString } from "./storable.ts";

/** Raw responses up to 5 MB (the JSON body around them may be 64 KiB more). */
export const MAX_RAW_BYTES = 5 * 1024 * 1024;

export const ingestRequestSchema = z.object({
  conversation_id: z.string().uuid(),
  // Stored as bytes in storage; kept as text while storage is down, so it must be storable text.
  raw_response: storableString(),
  model: storableString(z.string().min(1).max(100)).optional(),
  finish_reason: storableString(z.string().min(1).max(50)).optional(),
  /** Billing: only server-side code with the service_role key may send it (403 for a user). */
  usage: z.object({
    input_tokens: z.number().int().min(0).max(10_000_000),
    output_tokens: z.number().int().min(0).max(10_000_000),
    cost: z.number().min(0).max(100_000),
  }).strict().optional(),
  idempotency_key: storableString(z.string().min(1).max(200)).optional(),
}).strict();

/** A conversation in review parsed again: from the stored bytes, or from a reviewer's correction. */
export const reparseRequestSchema = z.object({
  conversation_id: z.string().uuid(),
  corrected_payload: storableString(z.string().min(1).max(MAX_RAW_BYTES)).optional(),
}).strict();

/** service_role: store a storage_pending response (or recover an abandoned claim) and finish it. */
export const resumeRequestSchema = z.object({ ingestion_id: z.string().uuid() }).strict();

/** How a payload was parsed: conversations.parse_method_used, the parse_method enum. */
export const PARSE_METHODS = DB_ENUMS.parse_method;

/**
 * The outcome of an ingestion (the same for a duplicate, a reparse and a resume), by
 * processing_status: `completed` (turns written as messages), `needs_review` (kept for a reviewer,
 * with the reason) or `storage_pending` (HTTP 202: accepted while storage was down; stored later).
 */
export const ingestResponseSchema = z.discriminatedUnion("processing_status", [
  z.object({
    processing_status: z.literal("completed"),
    conversation_id: id,
    raw_response_path: z.string(),
    parse_method_used: z.enum(PARSE_METHODS),
    messages_inserted: z.number().int().min(1),
    requires_manual_review: z.literal(false),
  }),
  z.object({
    processing_status: z.literal("needs_review"),
    conversation_id: id,
    raw_response_path: z.string(),
    parse_method_used: z.null(),
    messages_inserted: z.literal(0),
    requires_manual_review: z.literal(true),
    parse_error: z.string(),
  }),
  z.object({
    processing_status: z.literal("storage_pending"),
    conversation_id: id,
    raw_response_path: z.null(),
    parse_method_used: z.null(),
    messages_inserted: z.literal(0),
    requires_manual_review: z.literal(false),
  }),
]);

export type IngestRequest = z.input<typeof ingestRequestSchema>;
export type ReparseRequest = z.input<typeof reparseRequestSchema>;
export type ResumeRequest = z.input<typeof resumeRequestSchema>;
export type IngestResponse = z.infer<typeof ingestResponseSchema>;

// The outcomes are a subset on purpose: each is a status the conversation (processing_status) and
// its ingestion record (raw_response_ingestions.status, ingestion_status) both store.
true satisfies Within<IngestResponse["processing_status"], DbEnum<"processing_status"> & DbEnum<"ingestion_status">>;
