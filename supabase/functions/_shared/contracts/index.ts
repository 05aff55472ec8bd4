// Every edge function's contract: the zod schemas of what each function accepts (its handler parses
// the body with these, no other copy) and of what it answers, and the error envelope. Frontends
// import them through types/functions.ts.
//
// One file, importing only zod, on purpose: Deno needs `.ts` in relative imports, while a stock
// Vite or Next.js tsconfig refuses them (TS5097) and Deno refuses the `.js` spelling; a file
// without relative imports compiles in both. It also keeps to what those tsconfigs check in every
// file they reach (erasableSyntaxOnly, verbatimModuleSyntax, noUnusedLocals): no enums, no
// parameter properties, no Deno or Node APIs.
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// What Postgres can store. text and jsonb refuse U+0000, and jsonb refuses unpaired surrogate
// escapes; deeply nested jsonb exhausts the server's stack; JSON.parse turns 1e400 into Infinity,
// which JSON.stringify would silently write as null. (_shared/validate.ts re-exports these.)

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored as Postgres text, or null when it can. */
export function textProblem(value: string): string | null {
  const m = UNSTORABLE.exec(value);
  if (!m) return null;
  return m[0] === "\u0000" ? "contains a NUL character (U+0000)" : "contains an unpaired UTF-16 surrogate";
}

/** The text with what Postgres cannot store replaced by U+FFFD: for our own messages that quote input. */
export function storableText(value: string): string {
  return value.replace(new RegExp(UNSTORABLE.source, "g"), "\ufffd");
}

/** Nesting of JSON a function stores: objects and arrays within each other. */
export const MAX_JSON_DEPTH = 32;

/** Why a JSON value cannot be stored as jsonb (first problem found, with its path), or null. */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: "", depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === "string") {
      const p = textProblem(v);
      if (p) return `${path || "(value)"} ${p}`;
    } else if (typeof v === "number") {
      if (!Number.isFinite(v)) return `${path || "(value)"} is not a finite number`;
    } else if (v !== null && typeof v === "object") {
      if (depth >= maxDepth) return `${path || "(value)"} is nested deeper than ${maxDepth} levels`;
      for (const [k, child] of Object.entries(v)) {
        const keyProblem = textProblem(k);
        if (keyProblem) return `a key in ${path || "(value)"} ${keyProblem}`;
        stack.push({ v: child, path: path ? `${path}.${k}` : k, depth: depth + 1 });
      }
    }
  }
  return null;
}

/** A string schema refined to what Postgres text can hold. */
export function storableString(schema: z.ZodString = z.string()) {
  return schema.superRefine((value, ctx) => {
    const problem = textProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** A JSON object schema refined to what Postgres jsonb can hold (keys, strings, depth, numbers). */
export function storableRecord(maxDepth = MAX_JSON_DEPTH) {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const problem = jsonProblem(value, maxDepth);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

// Answers carry ids Postgres generated and timestamps as JSON writes dates.
const id = z.guid();
const timestamp = z.iso.datetime({ offset: true });

// ---------------------------------------------------------------------------------------------
// Errors: every refusal a function (or the gateway in front of it) answers with.

export const ERROR_CODES = [
  "bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict",
  "payload_too_large", "unprocessable", "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** `{"error": {"code", "message", "details"?}}`; a 422's details list the issues `{path, message}`. */
export const errorEnvelopeSchema = z.object({
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), details: z.unknown().optional() }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

// ---------------------------------------------------------------------------------------------
// The parsed shape of a generated conversation: what ingest-response expects an LLM to produce.
// Text and metadata must be storable; a payload that is not goes to manual review with the reason.

export const TURN_ROLES = ["user", "assistant", "system", "tool"] as const;

export const conversationTurnSchema = z.object({
  role: z.enum(TURN_ROLES),
  content: storableString(z.string().min(1).max(100_000)),
  metadata: storableRecord().optional(),
});

export const generatedConversationSchema = z.object({
  title: storableString(z.string().min(1).max(200)).optional(),
  turns: z.array(conversationTurnSchema).min(1).max(200),
  metadata: storableRecord().optional(),
});

export type ConversationTurn = z.infer<typeof conversationTurnSchema>;
export type GeneratedConversation = z.infer<typeof generatedConversationSchema>;

// ---------------------------------------------------------------------------------------------
// ingest-response: POST /ingest-response, /ingest-response/reparse, /ingest-response/resume.

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

export const PARSE_METHODS = ["direct", "jsonrepair", "manual"] as const;

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

// ---------------------------------------------------------------------------------------------
// submit-feedback: POST {message_id, rating, comment?} gives, changes or (rating null) withdraws
// the caller's one rating of a message; DELETE {message_id} withdraws it. Thumbs: -1 down, +1 up.

export const submitFeedbackSchema = z.object({
  message_id: z.string().uuid(),
  rating: z.union([z.literal(-1), z.literal(1), z.null()]),
  comment: storableString(z.string().max(2000)).nullable().optional(),
}).strict();

export const withdrawFeedbackSchema = z.object({ message_id: z.string().uuid() }).strict();

/** A message's counts, computed when the function answers (not the periodically refreshed view). */
export const feedbackSummarySchema = z.object({
  message_id: id,
  up_count: z.number().int().min(0),
  down_count: z.number().int().min(0),
  feedback_count: z.number().int().min(0),
  /** Mean rating from -1 to 1, null without feedback. */
  average_rating: z.number().min(-1).max(1).nullable(),
  last_feedback_at: timestamp.nullable(),
});

export const submitFeedbackResponseSchema = z.object({
  /** The caller's feedback row, or null once withdrawn. */
  feedback: z.object({
    id,
    message_id: id,
    user_id: id,
    rating: z.union([z.literal(-1), z.literal(1)]),
    comment: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  }).nullable(),
  summary: feedbackSummarySchema,
});

export type SubmitFeedbackRequest = z.input<typeof submitFeedbackSchema>;
export type WithdrawFeedbackRequest = z.input<typeof withdrawFeedbackSchema>;
export type FeedbackSummary = z.infer<typeof feedbackSummarySchema>;
export type SubmitFeedbackResponse = z.infer<typeof submitFeedbackResponseSchema>;

// ---------------------------------------------------------------------------------------------
// refresh-views (service_role; the schedules call it): POST {job?, include_today?, trigger?}.

export const REFRESH_JOBS = ["refresh", "daily", "maintenance", "all"] as const;
export const REFRESH_STEPS = [
  "refresh_summaries", "upload_pending_responses", "rag_metrics_yesterday", "rag_metrics_today", "vacuum_analyze",
] as const;

/** An empty body is `{}`: the default job, `refresh`. */
export const refreshViewsRequestSchema = z.object({
  job: z.enum(REFRESH_JOBS).default("refresh"),
  include_today: z.boolean().default(false),
  trigger: storableString(z.string().min(1).max(100)).default("manual"),
}).strict();

export const refreshStepResultSchema = z.object({
  step: z.enum(REFRESH_STEPS),
  status: z.enum(["succeeded", "failed"]),
  duration_ms: z.number().int().min(0),
  rows: z.number().int().nullable(),
  error: z.string().nullable(),
});

/** A run (logged in private.job_runs; `partial` when some steps failed), or `skipped` while another run holds the lock. */
export const refreshViewsResponseSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.enum(["succeeded", "partial", "failed"]),
    run_id: id,
    job: z.enum(REFRESH_JOBS),
    duration_ms: z.number().int().min(0),
    steps: z.array(refreshStepResultSchema),
  }),
  z.object({ status: z.literal("skipped"), job: z.enum(REFRESH_JOBS), reason: z.string() }),
]);

export type RefreshViewsRequest = z.input<typeof refreshViewsRequestSchema>;
export type RefreshStepResult = z.infer<typeof refreshStepResultSchema>;
export type RefreshViewsResponse = z.infer<typeof refreshViewsResponseSchema>;

// ---------------------------------------------------------------------------------------------
// whoami: GET or POST (no body read): the caller as the database sees them.

export const API_ROLES = ["anon", "authenticated", "service_role"] as const;
export const TENANT_ROLES = ["owner", "admin", "member"] as const;

export const whoamiResponseSchema = z.object({
  role: z.enum(API_ROLES),
  /** current_user in the caller's transaction. */
  db_role: z.enum(API_ROLES),
  user_id: id.nullable(),
  tenant_id: id.nullable(),
  tenant_role: z.enum(TENANT_ROLES).nullable(),
  /** The path the function saw (/whoami[/…]). */
  path: z.string(),
});

export type WhoamiResponse = z.infer<typeof whoamiResponseSchema>;
