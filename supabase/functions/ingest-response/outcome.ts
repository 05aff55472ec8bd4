// Parsing a stored raw response and writing the outcome, in one transaction: the turns as messages
// and the conversation `completed`, or `needs_review` with the error; usage counted once per
// ingestion. Once the bytes are stored nothing may leave an ingestion stuck: if writing the parsed
// turns fails in the database, the ingestion goes to review with that error instead.
import { asServiceRole, type Tx } from "../_shared/db.ts";
import { storableText } from "../_shared/validate.ts";
import { type ParseResult, parseRawResponse } from "./parse.ts";
import { answerFrom, type Conversation, type IngestAnswer, type IngestionRow } from "./pipeline.ts";

export interface OutcomeOptions {
  /** Replace an earlier outcome (re-parse); otherwise an earlier outcome is returned as it was. */
  again?: boolean;
  /** A reviewer's corrected payload: parsed as is (no truncation check), method `manual`. */
  manual?: boolean;
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
    cross join lateral jsonb_to_record(t.value) as r(role public.message_role, content text, model text, input_tokens integer, output_tokens integer, metadata jsonb)
    returning id`;
  return inserted.length;
}

async function toReview(tx: Tx, conv: Conversation, ing: IngestionRow, error: string): Promise<IngestAnswer> {
  await tx`update public.conversations set processing_status = 'needs_review', requires_manual_review = true,
             parse_error_message = ${storableText(error.slice(0, 2000))}, parse_attempts = parse_attempts + 1, last_parse_attempt_at = now()
           where id = ${conv.id}`;
  return answerFrom(conv.id, ing.storage_path, "needs_review", null, 0, storableText(error));
}

async function writeParsed(tx: Tx, conv: Conversation, ing: IngestionRow, parsed: ParseResult, opts: OutcomeOptions): Promise<IngestAnswer> {
  if (!parsed.ok) return await toReview(tx, conv, ing, parsed.error);
  const method = opts.manual ? "manual" : parsed.method;
  const inserted = await insertTurns(tx, conv, parsed, ing);
  await tx`update public.conversations set processing_status = 'completed', parse_method_used = ${method}, requires_manual_review = false,
             parse_error_message = null, parse_attempts = parse_attempts + 1, last_parse_attempt_at = now(),
             title = coalesce(title, ${parsed.payload.title ?? null})
           where id = ${conv.id}`;
  return answerFrom(conv.id, ing.storage_path, "completed", method, inserted);
}

/** Parse and record in the caller's transaction (which holds, or here takes, the ingestion's row lock). */
export async function parseAndRecordIn(tx: Tx, conv: Conversation, ingestionId: string, raw: string, opts: OutcomeOptions = {}): Promise<IngestAnswer> {
  const [ing] = await tx<IngestionRow[]>`select * from public.raw_response_ingestions where id = ${ingestionId} for update`;
  if (ing.result && !opts.again) return ing.result as IngestAnswer;
  const parsed = parseRawResponse(raw, opts.manual ? null : ing.finish_reason);
  let answer: IngestAnswer;
  try {
    answer = await tx.savepoint((sp) => writeParsed(sp, conv, ing, parsed, opts)) as IngestAnswer;
  } catch (err) {
    const reason = (err as { code?: string; message?: string });
    console.error(`ingestion ${ing.id}: the parsed response could not be written:`, err);
    answer = await toReview(tx, conv, ing, `the parsed response could not be stored (${reason.code ?? "error"}: ${String(reason.message).slice(0, 300)})`);
  }
  if (ing.usage && !ing.usage_recorded_at) {
    await tx`select public.increment_usage_metrics(${conv.tenant_id}, ${conv.user_id}, current_date,
               ${ing.usage.input_tokens}, ${ing.usage.output_tokens}, ${ing.usage.cost})`;
    await tx`update public.raw_response_ingestions set usage_recorded_at = now() where id = ${ing.id}`;
  }
  await tx`update public.raw_response_ingestions set status = ${answer.processing_status}, result = ${tx.json(answer as never)},
             attempts = attempts + 1, last_error = ${answer.parse_error === undefined ? null : storableText(answer.parse_error.slice(0, 2000))}
           where id = ${ing.id}`;
  return answer;
}

/** The same in a transaction of its own. */
export function parseAndRecord(conv: Conversation, ingestionId: string, raw: string, opts: OutcomeOptions = {}): Promise<IngestAnswer> {
  return asServiceRole((tx) => parseAndRecordIn(tx, conv, ingestionId, raw, opts));
}
