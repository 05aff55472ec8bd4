// A corpus of realistic LLM outputs for the parser, each with the outcome it must have:
// direct (valid JSON of the right shape), jsonrepair (repaired, then valid), or review.
// Used by parse_test.ts and by the parse-rate benchmark.

export interface CorpusCase {
  name: string;
  raw: string;
  finishReason?: string;
  expect: "direct" | "jsonrepair" | "review";
}

const payload = {
  title: "Refund policy",
  turns: [
    { role: "user", content: "Can I get a refund on an annual plan?" },
    { role: "assistant", content: "Yes: annual plans are refundable pro rata within 90 days." },
  ],
};
const compact = JSON.stringify(payload);
const pretty = JSON.stringify(payload, null, 2);
const turnsOnly = JSON.stringify(payload.turns);

const jp = JSON.stringify({
  turns: [
    { role: "user", content: "返品ポリシーを教えてください。" },
    { role: "assistant", content: "購入から30日以内であれば返品できます。" },
  ],
});

/** pretty with a cut after the given fraction of its characters. */
const cut = (fraction: number) => pretty.slice(0, Math.floor(pretty.length * fraction));

export const corpus: CorpusCase[] = [
  // --- valid JSON of the right shape ---------------------------------------------------------
  { name: "compact object", raw: compact, expect: "direct" },
  { name: "pretty object", raw: pretty, expect: "direct" },
  { name: "surrounding whitespace", raw: `\n\n  ${pretty}\n  `, expect: "direct" },
  { name: "bare array of turns", raw: turnsOnly, expect: "direct" },
  { name: "with metadata", raw: JSON.stringify({ ...payload, metadata: { model: "gpt-4o", temperature: 0.2, tags: ["billing"] } }), expect: "direct" },
  { name: "turn metadata", raw: JSON.stringify({ turns: [{ role: "assistant", content: "Done.", metadata: { citations: [{ source: "kb/12" }] } }] }), expect: "direct" },
  { name: "japanese content", raw: jp, expect: "direct" },
  { name: "escaped quotes and newlines", raw: JSON.stringify({ turns: [{ role: "assistant", content: 'He said "no".\nThen:\n\t- step one' }] }), expect: "direct" },
  { name: "system, user, tool, assistant", raw: JSON.stringify({ turns: [{ role: "system", content: "You are a support agent." }, { role: "user", content: "Order 42?" }, { role: "tool", content: "{\"status\":\"shipped\"}" }, { role: "assistant", content: "It shipped." }] }), expect: "direct" },
  { name: "long content", raw: JSON.stringify({ turns: [{ role: "assistant", content: "lorem ipsum ".repeat(2000) }] }), expect: "direct" },
  { name: "valid JSON, finish_reason length", raw: compact, finishReason: "length", expect: "direct" },
  { name: "unicode escapes", raw: '{"turns":[{"role":"assistant","content":"caf\\u00e9 \\ud83d\\ude00"}]}', expect: "direct" },

  // --- repairable -----------------------------------------------------------------------------
  { name: "json fence", raw: "```json\n" + pretty + "\n```", expect: "jsonrepair" },
  { name: "plain fence", raw: "```\n" + pretty + "\n```", expect: "jsonrepair" },
  { name: "fence with CRLF", raw: "```json\r\n" + pretty.replaceAll("\n", "\r\n") + "\r\n```", expect: "jsonrepair" },
  { name: "prose before", raw: "Here is the conversation you asked for:\n\n" + pretty, expect: "jsonrepair" },
  { name: "prose after", raw: pretty + "\n\nLet me know if you need anything else!", expect: "jsonrepair" },
  { name: "prose around a fence", raw: "Sure! Here it is:\n```json\n" + pretty + "\n```\nHope this helps.", expect: "jsonrepair" },
  { name: "trailing comma in array", raw: pretty.replace(/}\n  \]/, "},\n  ]"), expect: "jsonrepair" },
  { name: "trailing comma in object", raw: '{"title": "Refunds", "turns": [{"role": "user", "content": "Refund?",}],}', expect: "jsonrepair" },
  { name: "single quotes", raw: "{'turns': [{'role': 'user', 'content': 'Refund?'}, {'role': 'assistant', 'content': 'Within 90 days.'}]}", expect: "jsonrepair" },
  { name: "smart quotes", raw: "{“turns”: [{“role”: “assistant”, “content”: “Within 90 days.”}]}", expect: "jsonrepair" },
  { name: "unquoted keys", raw: '{turns: [{role: "user", content: "Refund?"}, {role: "assistant", content: "Yes."}]}', expect: "jsonrepair" },
  { name: "python literals in metadata", raw: '{"turns": [{"role": "assistant", "content": "Yes."}], "metadata": {"cached": True, "error": None, "retry": False}}', expect: "jsonrepair" },
  { name: "line comments", raw: '{\n  // the exchange\n  "turns": [\n    {"role": "user", "content": "Refund?"}, // question\n    {"role": "assistant", "content": "Yes."}\n  ]\n}', expect: "jsonrepair" },
  { name: "block comment", raw: '/* generated */ {"turns": [{"role": "assistant", "content": "Yes."}]}', expect: "jsonrepair" },
  { name: "raw newline in a string", raw: '{"turns": [{"role": "assistant", "content": "Line one\nLine two"}]}', expect: "jsonrepair" },
  { name: "raw tab in a string", raw: '{"turns": [{"role": "assistant", "content": "col1\tcol2"}]}', expect: "jsonrepair" },
  { name: "missing comma between turns", raw: '{"turns": [{"role": "user", "content": "Refund?"} {"role": "assistant", "content": "Yes."}]}', expect: "jsonrepair" },
  { name: "missing comma between properties", raw: '{"title": "Refunds" "turns": [{"role": "assistant", "content": "Yes."}]}', expect: "jsonrepair" },
  { name: "missing final brace", raw: pretty.slice(0, pretty.lastIndexOf("}")), expect: "jsonrepair" },
  { name: "missing array and object close", raw: '{"turns": [{"role": "user", "content": "Refund?"}, {"role": "assistant", "content": "Yes."}', expect: "jsonrepair" },

  { name: "byte order mark", raw: "\uFEFF" + compact, expect: "jsonrepair" },
  { name: "JSONP wrapper", raw: "callback(" + compact + ");", expect: "jsonrepair" },
  { name: "newline-delimited turns", raw: '{"role": "user", "content": "Refund?"}\n{"role": "assistant", "content": "Yes."}', expect: "jsonrepair" },
  { name: "fence, trailing comma and comment", raw: "```json\n{\n  \"turns\": [\n    {\"role\": \"assistant\", \"content\": \"Yes.\"}, // only turn\n  ],\n}\n```", expect: "jsonrepair" },
  { name: "single-quoted keys with fence and prose", raw: "Output:\n```\n{'title': 'Refunds', 'turns': [{'role': 'assistant', 'content': \"It's 90 days.\"}]}\n```", expect: "jsonrepair" },
  { name: "nested payload with trailing commas", raw: '{"turns": [{"role": "assistant", "content": "Yes.", "metadata": {"sources": ["kb/1", "kb/2",], "score": 0.9,},},],}', expect: "jsonrepair" },
  { name: "unclosed fence", raw: "```json\n" + pretty, expect: "jsonrepair" },
  { name: "japanese with smart quotes", raw: jp.replaceAll('"', "“").replace(/^“/, "{").replace(/“$/, "}").replace("{{", "{").replace("}}", "}"), expect: "jsonrepair" },

  // --- must go to review ---------------------------------------------------------------------
  { name: "truncated, finish_reason length", raw: cut(0.8), finishReason: "length", expect: "review" },
  { name: "truncated at 30%, finish_reason max_tokens", raw: cut(0.3), finishReason: "max_tokens", expect: "review" },
  { name: "fenced but cut, finish_reason length", raw: "```json\n" + cut(0.95), finishReason: "length", expect: "review" },
  { name: "repairable but finish_reason length", raw: "```json\n" + pretty + "\n```", finishReason: "length", expect: "review" },
  { name: "cut right after turns: [", raw: '{"title": "Refunds", "turns": [', expect: "review" },
  { name: "cut inside the second turn's keys", raw: '{"turns": [{"role": "user", "content": "Refund?"}, {"role": "assis', expect: "review" },
  { name: "cut after the first key", raw: '{"turns"', expect: "review" },
  { name: "cut inside the last content (no finish_reason)", raw: '{"turns": [{"role": "user", "content": "Refund?"}, {"role": "assistant", "content": "Yes, within 9', expect: "review" },
  { name: "cut inside a fence (no finish_reason)", raw: "```json\n" + cut(0.6), expect: "review" },
  { name: "empty", raw: "", expect: "review" },
  { name: "whitespace only", raw: "   \n\t ", expect: "review" },
  { name: "plain prose", raw: "Customers can get a refund within 90 days of purchase.", expect: "review" },
  { name: "refusal", raw: "I'm sorry, but I can't help with that request.", expect: "review" },
  { name: "HTML error page", raw: "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", expect: "review" },
  { name: "markdown list", raw: "- user: Refund?\n- assistant: Yes, within 90 days.", expect: "review" },
  { name: "YAML in a fence", raw: "```yaml\nturns:\n  - role: user\n    content: Refund?\n```", expect: "review" },
  { name: "wrong shape: answer object", raw: '{"answer": "Yes, within 90 days."}', expect: "review" },
  { name: "wrong shape: messages key", raw: '{"messages": [{"role": "user", "content": "Refund?"}]}', expect: "review" },
  { name: "empty turns", raw: '{"turns": []}', expect: "review" },
  { name: "unknown role", raw: '{"turns": [{"role": "moderator", "content": "Hidden."}]}', expect: "review" },
  { name: "empty content", raw: '{"turns": [{"role": "assistant", "content": ""}]}', expect: "review" },
  { name: "numeric content", raw: '{"turns": [{"role": "assistant", "content": 42}]}', expect: "review" },
  { name: "content null (python None)", raw: "{'turns': [{'role': 'assistant', 'content': None}]}", expect: "review" },
  { name: "array of strings", raw: '["Refund?", "Yes."]', expect: "review" },
  { name: "null", raw: "null", expect: "review" },
  { name: "a number", raw: "42", expect: "review" },
  { name: "turns is an object", raw: '{"turns": {"role": "assistant", "content": "Yes."}}', expect: "review" },
  { name: "201 turns", raw: JSON.stringify({ turns: Array.from({ length: 201 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `turn ${i}` })) }), expect: "review" },
  { name: "title over 200 characters", raw: JSON.stringify({ ...payload, title: "t".repeat(201) }), expect: "review" },
  { name: "JSON-encoded string of the payload", raw: JSON.stringify(compact), expect: "review" },
  { name: "wrong shape after repair", raw: "```json\n{'answer': 'Yes',}\n```", expect: "review" },
];
