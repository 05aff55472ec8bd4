// The contracts against what the functions build their answers with: the error envelope of
// http.ts, the ingest answers of ingest-response/pipeline.ts, the summary rows of
// get_message_feedback_summary, the enums of the generated types (end-to-end answers are checked
// against the same schemas through the gateway in tests/gateway/invoke.test.ts).
import { type ErrorCode as HttpErrorCode, errorResponse } from "../http.ts";
import { answerFrom, pendingAnswer } from "../../ingest-response/pipeline.ts";
import { Constants } from "../database.types.ts";
import {
  type ErrorCode, errorEnvelopeSchema, feedbackSummarySchema, ingestRequestSchema, ingestResponseSchema, PARSE_METHODS,
  refreshViewsRequestSchema, refreshViewsResponseSchema, submitFeedbackResponseSchema, TENANT_ROLES, TURN_ROLES,
} from "./index.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
// The envelope's codes are http.ts's: a code added there and not here fails to compile.
const sameCodes: Equal<HttpErrorCode, ErrorCode> = true;

const ID = "30000000-0000-4000-8000-000000000001";
const PATH = `raw/20000000-0000-4000-8000-000000000001/${ID}/2026-01-01T00-00-00-000Z-abcdef012345.json`;

function assertOk(result: { success: boolean; error?: unknown }, what: string) {
  if (!result.success) throw new Error(`${what}: ${JSON.stringify(result.error)}`);
}

Deno.test("every error the functions answer is an envelope the contract reads", async () => {
  if (!sameCodes) throw new Error("unreachable");
  for (const [status, code] of [[400, "bad_request"], [404, "not_found"], [422, "unprocessable"], [500, "internal"]] as const) {
    const body = await errorResponse(status, code, "why", status === 422 ? [{ path: "rating", message: "bad" }] : undefined).json();
    assertOk(errorEnvelopeSchema.safeParse(body), `${status}`);
  }
  if (errorEnvelopeSchema.safeParse({ error: { code: "teapot", message: "x" } }).success) throw new Error("an unknown code passed");
});

Deno.test("ingest answers as pipeline.ts builds them match the response schema, each outcome its variant", () => {
  const answers = [
    answerFrom(ID, PATH, "completed", "direct", 2),
    answerFrom(ID, PATH, "completed", "manual", 1),
    answerFrom(ID, PATH, "needs_review", null, 0, "valid JSON, but not a conversation payload"),
    pendingAnswer(ID),
  ];
  for (const a of answers) assertOk(ingestResponseSchema.safeParse(JSON.parse(JSON.stringify(a))), a.processing_status);
  // A needs_review answer without its reason, or a completed one without a method, is not the contract.
  if (ingestResponseSchema.safeParse(answerFrom(ID, PATH, "needs_review", null, 0)).success) throw new Error("review without a reason passed");
  if (ingestResponseSchema.safeParse(answerFrom(ID, PATH, "completed", null, 2)).success) throw new Error("completed without a method passed");
});

Deno.test("request schemas: defaults, strictness, storable text", () => {
  const defaults = refreshViewsRequestSchema.parse({});
  if (JSON.stringify(defaults) !== JSON.stringify({ job: "refresh", include_today: false, trigger: "manual" })) throw new Error(JSON.stringify(defaults));
  const base = { conversation_id: ID, raw_response: "{}" };
  assertOk(ingestRequestSchema.safeParse(base), "ingest");
  for (const bad of [{ ...base, extra: 1 }, { ...base, raw_response: "a\u0000b" }, { ...base, model: "" }]) {
    if (ingestRequestSchema.safeParse(bad).success) throw new Error(`accepted ${JSON.stringify(bad)}`);
  }
});

Deno.test("feedback and refresh answers: nullable where the functions answer null", () => {
  assertOk(submitFeedbackResponseSchema.safeParse({ feedback: null, summary: null }), "the last rating withdrawn");
  const row = { message_id: ID, up_count: 1, down_count: 2, feedback_count: 3, average_rating: -0.3333 };
  // The RPC's row as PostgREST writes it (timestamptz with microseconds and an offset), and as the function does (a Date's JSON).
  assertOk(feedbackSummarySchema.safeParse({ ...row, last_feedback_at: "2026-01-01T12:00:00.123456+00:00" }), "PostgREST row");
  assertOk(submitFeedbackResponseSchema.safeParse({ feedback: null, summary: { ...row, last_feedback_at: "2026-01-01T12:00:00.123Z" } }), "withdrawn, others' feedback left");
  // A made-up empty row is not the RPC's shape: without feedback the summary is null.
  const empty = { message_id: ID, up_count: 0, down_count: 0, feedback_count: 0, average_rating: null, last_feedback_at: null };
  if (submitFeedbackResponseSchema.safeParse({ feedback: null, summary: empty }).success) throw new Error("a zero-count summary passed");
  assertOk(refreshViewsResponseSchema.safeParse({ status: "skipped", job: "refresh", reason: "another refresh-views run is in progress" }), "skipped");
  assertOk(refreshViewsResponseSchema.safeParse({
    status: "partial", run_id: ID, job: "all", duration_ms: 12,
    steps: [{ step: "rag_metrics_yesterday", status: "failed", duration_ms: 3, rows: null, error: "no SLO targets" }],
  }), "partial");
});

Deno.test("the closed sets the database declares are its generated enums", () => {
  const pairs = [[TURN_ROLES, Constants.public.Enums.message_role], [PARSE_METHODS, Constants.public.Enums.parse_method], [TENANT_ROLES, Constants.public.Enums.tenant_role]];
  for (const [contract, db] of pairs) if (contract !== db) throw new Error(`${contract} is not ${db}`);
});
