// Parsing a raw LLM response into a GeneratedConversation: strict JSON first; else the outermost
// JSON span (prose and markdown fences around it dropped) repaired with jsonrepair; the result must
// validate against the payload schema. A response the model cut off (finish_reason length or
// max_tokens, or JSON that stops in the middle of a value) is never repaired: repairing a
// truncation invents an ending or silently drops the cut-off turn. No I/O here.
import { jsonrepair } from "jsonrepair";
import { type GeneratedConversation, generatedConversationSchema } from "../_shared/contracts/index.ts";

export type ParseResult =
  | { ok: true; method: "direct" | "jsonrepair"; payload: GeneratedConversation }
  | { ok: false; stage: "json" | "truncated" | "schema" | "empty"; error: string };

const TRUNCATED = new Set(["length", "max_tokens", "max_output_tokens"]);

/** A bare array of turns is accepted as {turns: [...]}. */
function normalise(value: unknown): unknown {
  return Array.isArray(value) ? { turns: value } : value;
}

function validate(value: unknown, method: "direct" | "jsonrepair"): ParseResult {
  const result = generatedConversationSchema.safeParse(normalise(value));
  if (result.success) return { ok: true, method, payload: result.data };
  const issues = result.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  return { ok: false, stage: "schema", error: `valid JSON, but not a conversation payload: ${issues}` };
}

/**
 * The text from the first { or [ to the last } or ], after removing markdown code fences. What
 * follows the last closing bracket is dropped only when it reads as prose; when it continues JSON
 * (a comma, quote, colon or bracket) the response was cut off, and the tail is kept so the
 * truncation is seen instead of a complete-looking prefix.
 */
export function extractJsonSpan(raw: string): string | null {
  const fenced = /```(?:json|JSON|javascript|js)?\s*\n?([\s\S]*?)(?:```|$)/.exec(raw);
  const text = fenced && /[[{]/.test(fenced[1]) ? fenced[1] : raw;
  const start = text.search(/[[{]/);
  if (start < 0) return null;
  const lastClose = Math.max(text.lastIndexOf("}"), text.lastIndexOf("]"));
  if (lastClose <= start) return text.slice(start);
  const tail = text.slice(lastClose + 1).trimStart();
  return /^[,"'“:{[]/.test(tail) ? text.slice(start) : text.slice(start, lastClose + 1);
}

export function parseRawResponse(raw: string, finishReason?: string | null): ParseResult {
  if (raw.trim() === "") return { ok: false, stage: "empty", error: "the response is empty" };
  let direct: unknown;
  try {
    direct = JSON.parse(raw);
  } catch {
    direct = undefined;
  }
  if (direct !== undefined) return validate(direct, "direct");
  if (finishReason && TRUNCATED.has(finishReason)) {
    return { ok: false, stage: "truncated", error: `the model stopped early (finish_reason ${finishReason}); truncated output is not repaired` };
  }
  const span = extractJsonSpan(raw);
  if (span === null) return { ok: false, stage: "json", error: "no JSON object or array in the response" };
  if (!/[}\]]\s*$/.test(span)) {
    return { ok: false, stage: "truncated", error: "the JSON stops in the middle of a value: the response looks truncated and is not repaired" };
  }
  let repaired: unknown;
  try {
    repaired = JSON.parse(jsonrepair(span));
  } catch (err) {
    return { ok: false, stage: "json", error: `not valid JSON and not repairable: ${(err as Error).message.slice(0, 200)}` };
  }
  return validate(repaired, "jsonrepair");
}
