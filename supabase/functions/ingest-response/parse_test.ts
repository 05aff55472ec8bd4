import { corpus } from "./corpus.ts";
import { extractJsonSpan, parseRawResponse } from "./parse.ts";

Deno.test(`the corpus has at least 60 cases of every kind`, () => {
  const kinds = new Set(corpus.map((c) => c.expect));
  if (corpus.length < 60 || kinds.size !== 3) throw new Error(`${corpus.length} cases, kinds ${[...kinds]}`);
  const names = new Set(corpus.map((c) => c.name));
  if (names.size !== corpus.length) throw new Error("duplicate case names");
});

for (const c of corpus) {
  Deno.test(`parse: ${c.name} -> ${c.expect}`, () => {
    const result = parseRawResponse(c.raw, c.finishReason);
    const outcome = result.ok ? result.method : "review";
    if (outcome !== c.expect) {
      throw new Error(`expected ${c.expect}, got ${outcome}${result.ok ? "" : ` (${result.stage}: ${result.error})`}`);
    }
    if (result.ok && result.payload.turns.length < 1) throw new Error("a success has turns");
  });
}

Deno.test("a truncated response says why it was not repaired", () => {
  const result = parseRawResponse('{"turns": [{"role": "user", "content": "Hi', "length");
  if (result.ok || result.stage !== "truncated" || !/finish_reason length/.test(result.error)) throw new Error(JSON.stringify(result));
});

Deno.test("the repaired payload keeps the content", () => {
  const result = parseRawResponse("Sure:\n```json\n{'turns': [{'role': 'assistant', 'content': 'Within 90 days.'},]}\n```");
  if (!result.ok || result.method !== "jsonrepair" || result.payload.turns[0].content !== "Within 90 days.") throw new Error(JSON.stringify(result));
});

Deno.test("extractJsonSpan drops prose and fences", () => {
  const span = extractJsonSpan('Here:\n```json\n{"a": 1}\n```\nThanks');
  if (span !== '{"a": 1}') throw new Error(String(span));
  if (extractJsonSpan("no json here") !== null) throw new Error("found a span in prose");
});
